import fc from 'fast-check';
import { formatFlowDateTime, parseFlowDateTime } from './flow-date-time.parser';

const iso = (raw: string): string => {
  const p = parseFlowDateTime(raw);
  return p.ok ? new Date(p.ms).toISOString() : p.problem;
};

describe('parseFlowDateTime (CCYYMMDDHHMMSS, UK clock time)', () => {
  it('reads GMT as UTC and BST as UTC+1', () => {
    expect(iso('20220301000000')).toBe('2022-03-01T00:00:00.000Z');
    expect(iso('20220401000000')).toBe('2022-03-31T23:00:00.000Z');
    expect(iso('20221231235959')).toBe('2022-12-31T23:59:59.000Z');
  });

  it('refuses the hour skipped when BST starts and reads the repeated autumn hour as its first (BST) occurrence', () => {
    expect(iso('20220327005959')).toBe('2022-03-27T00:59:59.000Z');
    expect(iso('20220327010000')).toBe('NONEXISTENT_LOCAL_TIME');
    expect(iso('20220327015959')).toBe('NONEXISTENT_LOCAL_TIME');
    expect(iso('20220327020000')).toBe('2022-03-27T01:00:00.000Z');
    expect(iso('20221030013000')).toBe('2022-10-30T00:30:00.000Z');
    expect(iso('20221030020000')).toBe('2022-10-30T02:00:00.000Z');
  });

  it.each([
    ['2022033100000', 'FORMAT'],
    ['2022-03-31 000', 'FORMAT'],
    ['20220331 00000', 'FORMAT'],
    ['20220230000000', 'CALENDAR'],
    ['20230229000000', 'CALENDAR'],
    ['20220331240000', 'CALENDAR'],
    ['20221301000000', 'CALENDAR'],
    ['19991231000000', 'OUT_OF_RANGE'],
    ['21060101000000', 'OUT_OF_RANGE'],
  ])('refuses %s as %s', (raw, problem) => {
    expect(iso(raw)).toBe(problem);
  });

  it('accepts 29 February in a leap year', () => {
    expect(iso('20240229120000')).toBe('2024-02-29T12:00:00.000Z');
  });

  it('round-trips every whole second outside the repeated autumn hour', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1, 1) / 1000, max: Date.UTC(2105, 11, 31) / 1000 }), (s) => {
        const ms = s * 1000;
        const parsed = parseFlowDateTime(formatFlowDateTime(ms));
        expect(parsed.ok).toBe(true);
        const back = (parsed as { ms: number }).ms;
        // In the repeated hour the GMT instant reads back as the BST one, an hour earlier.
        expect(back === ms || back === ms - 3_600_000).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
