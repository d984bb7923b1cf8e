import { AppError } from '@surge/errors/app.error';
import { assessLiveness, assessReadiness, type HealthChecks } from './dependency-health.checker';
import { createMetrics } from './metrics.catalog';

const gaugeOf = async (checks: HealthChecks, dependency: string): Promise<number | undefined> => {
  const metric = await (checks.metrics as ReturnType<typeof createMetrics>).registry.getSingleMetric('surge_dependency_up')?.get();
  return metric?.values.find((v) => v.labels.dependency === dependency)?.value;
};

const refusal = async (p: Promise<unknown>): Promise<AppError> => {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a refusal');
};

describe('assessReadiness', () => {
  it('answers ok with every dependency in order, then the report', async () => {
    const checks: HealthChecks = {
      dependencies: [
        { name: 'postgres', required: true, check: async () => true },
        { name: 'consumer', metric: 'kafka', required: true, check: () => true },
        { name: 'clickhouse', required: false, check: async () => false },
      ],
      report: (up) => ({ backlog: up.get('postgres') ? 3 : null, lag: {} }),
      metrics: createMetrics('test'),
    };
    const body = await assessReadiness(checks);
    expect(Object.entries(body)).toEqual([
      ['status', 'ok'],
      ['postgres', 'up'],
      ['consumer', 'up'],
      ['clickhouse', 'down'],
      ['backlog', 3],
      ['lag', {}],
    ]);
    expect(await gaugeOf(checks, 'kafka')).toBe(1);
    expect(await gaugeOf(checks, 'clickhouse')).toBe(0);
    expect(await gaugeOf(checks, 'consumer')).toBeUndefined();
  });

  it('is a 503 naming the required dependencies, then the reported ones in brackets', async () => {
    const e = await refusal(
      assessReadiness({
        dependencies: [
          { name: 'postgres', required: true, check: async () => true },
          { name: 'redis', required: true, check: async () => Promise.reject(new Error('ECONNREFUSED')) },
          { name: 'clickhouse', required: false, check: async () => true },
        ],
      }),
    );
    expect(e).toBeInstanceOf(AppError);
    expect([e.kind, e.code, e.message, e.details.retryAfterSeconds]).toEqual([
      'unavailable',
      'DEPENDENCY_UNAVAILABLE',
      'Not ready: postgres up, redis down (clickhouse up).',
      5,
    ]);
  });

  it('leaves out the brackets when every dependency is required, and uses the app code when given', async () => {
    const sink = await refusal(
      assessReadiness({
        dependencies: [
          { name: 'consumer', metric: null, required: true, check: () => true },
          { name: 'clickhouse', required: true, check: async () => false },
        ],
      }),
    );
    expect(sink.message).toBe('Not ready: consumer up, clickhouse down.');
    const api = await refusal(
      assessReadiness({
        unavailableCode: 'INGEST_UNAVAILABLE',
        dependencies: [
          { name: 'kafka', metric: null, required: true, check: () => false },
          { name: 'clickhouse', required: false, check: async () => true },
        ],
      }),
    );
    expect([api.code, api.message]).toEqual(['INGEST_UNAVAILABLE', 'Not ready: kafka down (clickhouse up).']);
  });

  it('stays ready while only a reported dependency is down', async () => {
    await expect(
      assessReadiness({
        dependencies: [
          { name: 'postgres', required: true, check: async () => true },
          { name: 'kafka', required: false, check: () => false },
        ],
      }),
    ).resolves.toEqual({ status: 'ok', postgres: 'up', kafka: 'down' });
  });

  it('reads a dependency that never answers as down within the probe period', async () => {
    jest.useFakeTimers();
    try {
      const pending = assessReadiness({ dependencies: [{ name: 'postgres', required: true, check: () => new Promise<boolean>(() => undefined) }] });
      const outcome = refusal(pending);
      await jest.advanceTimersByTimeAsync(1000);
      expect((await outcome).message).toBe('Not ready: postgres down.');
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('assessLiveness', () => {
  it('is ok without a liveness check, and a 503 with its message once the process is exiting', () => {
    expect(assessLiveness({ dependencies: [] })).toEqual({ status: 'ok' });
    let live = true;
    const checks: HealthChecks = { dependencies: [], live: { check: () => live, message: 'Not live: exiting.' } };
    expect(assessLiveness(checks)).toEqual({ status: 'ok' });
    live = false;
    expect(() => assessLiveness(checks)).toThrow('Not live: exiting.');
  });
});
