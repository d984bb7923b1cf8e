import { formatDuration, progressOf, renderProgressBar } from './bill-run.progress';

const at = (s: number) => new Date(Date.UTC(2022, 3, 2, 0, 0, s));

describe('progressOf', () => {
  it('while running: the last window\u2019s rate and the ETA at it', () => {
    expect(
      progressOf({ total: 10_000, billed: 3_900, skipped: 50, failed: 50, recentAccounts: 1_200, windowSeconds: 60, createdAt: at(0), finishedAt: null, now: at(100) }),
    ).toEqual({ done: 3_950, remaining: 6_000, ratePerSecond: 20, etaSeconds: 300 });
  });

  it('early in a run the window is the time so far', () => {
    expect(progressOf({ total: 1000, billed: 100, skipped: 0, failed: 0, recentAccounts: 100, windowSeconds: 60, createdAt: at(0), finishedAt: null, now: at(10) })).toMatchObject({
      ratePerSecond: 10,
      etaSeconds: 90,
    });
  });

  it('nothing finished yet: ETA unknown; finished: the whole run\u2019s average and ETA 0', () => {
    expect(progressOf({ total: 1000, billed: 0, skipped: 0, failed: 0, recentAccounts: 0, windowSeconds: 60, createdAt: at(0), finishedAt: null, now: at(5) }).etaSeconds).toBeNull();
    expect(progressOf({ total: 1000, billed: 990, skipped: 0, failed: 10, recentAccounts: 0, windowSeconds: 60, createdAt: at(0), finishedAt: at(50), now: at(500) })).toEqual({
      done: 990,
      remaining: 0,
      ratePerSecond: 20,
      etaSeconds: 0,
    });
  });
});

describe('renderProgressBar', () => {
  it('draws the share done, counts, failures, rate and ETA', () => {
    expect(renderProgressBar({ totalAccounts: 100_000, done: 44_990, failed: 10, ratePerSecond: 1234.5, etaSeconds: 45, status: 'running' }, 20)).toBe(
      '[#########...........]  45.0%  45,000/100,000  failed 10  1,234.5 acc/s  ETA 0:45',
    );
    expect(renderProgressBar({ totalAccounts: 10, done: 10, failed: 0, ratePerSecond: 5, etaSeconds: 0, status: 'completed' }, 10)).toBe(
      '[##########] 100.0%  10/10  5 acc/s  completed',
    );
  });

  it('formats durations', () => {
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(null)).toBe('--:--');
  });
});
