import { decodeOutcome, MalformedOutcomeError } from './reading-outcome.decoder';

const event = {
  schema: 'reading.outcome.v1',
  readingId: '6f1c1f0e-1b7e-4c3e-9d1e-3b0f6a1d2c3b',
  accountId: 'A-1',
  supplyPointId: '1200000000001',
  meterSerial: 'S1',
  registerId: 'S',
  readAt: '2022-03-31T00:00:00.000Z',
  value: '1',
  channel: 'app',
  status: 'held',
  reasonCode: 'ADVANCE_TOO_HIGH',
  message: 'Please send a photo',
  duplicateOf: null,
  decidedAt: '2022-03-31T09:00:00.000Z',
  correlationId: 'c-1',
};

describe('decodeOutcome', () => {
  it('reads the facts the rules need', () => {
    expect(decodeOutcome(Buffer.from(JSON.stringify(event)))).toEqual({
      readingId: event.readingId,
      accountId: 'A-1',
      channel: 'app',
      status: 'held',
      reasonCode: 'ADVANCE_TOO_HIGH',
      duplicateOf: null,
      decidedAtMs: Date.parse(event.decidedAt),
      correlationId: 'c-1',
      message: 'Please send a photo',
    });
  });

  it('rejects what can never be decoded, with a reason', () => {
    const reason = (v: string) => {
      try {
        decodeOutcome(Buffer.from(v));
        return 'ok';
      } catch (e) {
        return (e as MalformedOutcomeError).reason;
      }
    };
    expect(reason('{nope')).toBe('MALFORMED_JSON');
    expect(reason(JSON.stringify({ ...event, schema: 'x' }))).toBe('UNKNOWN_SCHEMA');
    expect(reason(JSON.stringify({ ...event, accountId: '' }))).toBe('MISSING_FIELD');
    expect(reason(JSON.stringify({ ...event, status: 'maybe' }))).toBe('INVALID_STATUS');
    expect(reason(JSON.stringify({ ...event, decidedAt: 'soon' }))).toBe('INVALID_DECIDED_AT');
  });
});
