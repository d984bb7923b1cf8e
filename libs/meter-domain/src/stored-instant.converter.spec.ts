import { toStoredInstant } from './stored-instant.converter';

describe('stored reading instants', () => {
  it('keeps instants to the second', () => {
    expect(toStoredInstant('2022-03-31T18:30:00.987Z')).toBe('2022-03-31T18:30:00.000Z');
    expect(toStoredInstant('2022-03-31T19:30:00+01:00')).toBe('2022-03-31T18:30:00.000Z');
  });

  it('stores a date alone as 00:00 Europe/London that day (BST and GMT)', () => {
    expect(toStoredInstant('2022-03-31')).toBe('2022-03-30T23:00:00.000Z');
    expect(toStoredInstant('2022-01-15')).toBe('2022-01-15T00:00:00.000Z');
    // The change days themselves: 27 March 2022 starts in GMT, 30 October 2022 in BST.
    expect(toStoredInstant('2022-03-27')).toBe('2022-03-27T00:00:00.000Z');
    expect(toStoredInstant('2022-10-30')).toBe('2022-10-29T23:00:00.000Z');
  });

  it('an instant already in stored form comes back as it is; anything else goes through a Date as before', () => {
    const viaDate = (iso: string) => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString();
    for (const iso of ['2022-03-31T18:30:00.000Z', '1900-01-01T00:00:00.000Z', '2024-02-29T23:59:59.000Z']) {
      expect(toStoredInstant(iso)).toBe(iso);
      expect(toStoredInstant(iso)).toBe(viaDate(iso));
    }
    // Not a calendar date (30 February): not passed through, Date rolls it over as it always did.
    expect(toStoredInstant('2022-02-30T00:00:00.000Z')).toBe(viaDate('2022-02-30T00:00:00.000Z'));
    expect(toStoredInstant('2022-02-30T00:00:00.000Z')).not.toBe('2022-02-30T00:00:00.000Z');
    expect(toStoredInstant('2022-03-31T18:30:00.500Z')).toBe('2022-03-31T18:30:00.000Z');
  });
});
