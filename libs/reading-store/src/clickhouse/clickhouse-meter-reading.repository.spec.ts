import { fromClickHouseDateTime, toClickHouseDateTime } from './clickhouse-meter-reading.repository';

describe('ClickHouse DateTime text', () => {
  const viaDate = (iso: string) => new Date(iso).toISOString().slice(0, 19).replace('T', ' ');

  it('an instant in stored form is cut to its characters, exactly what going through a Date gives', () => {
    for (const iso of ['2022-03-31T18:30:00.000Z', '1900-01-01T00:00:00.000Z', '2024-02-29T23:59:59.000Z']) {
      expect(toClickHouseDateTime(iso)).toBe(viaDate(iso));
      expect(fromClickHouseDateTime(toClickHouseDateTime(iso))).toBe(iso);
    }
  });

  it('any other instant goes through a Date as before: offsets, milliseconds, and an impossible date is refused', () => {
    expect(toClickHouseDateTime('2022-03-31T19:30:00+01:00')).toBe('2022-03-31 18:30:00');
    expect(toClickHouseDateTime('2022-03-31T18:30:00.987Z')).toBe('2022-03-31 18:30:00');
    expect(toClickHouseDateTime('2022-02-30T00:00:00.000Z')).toBe(viaDate('2022-02-30T00:00:00.000Z'));
    expect(() => toClickHouseDateTime('2022-13-01T00:00:00.000Z')).toThrow(RangeError);
  });
});
