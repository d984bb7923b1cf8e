import Fastify, { type FastifyInstance } from 'fastify';
import { registerHttpMetrics, UNMATCHED_ROUTE } from './http-metrics.hook';
import { createMetrics, type SurgeMetrics } from './metrics.catalog';

/** prom-client's JSON values; histogram samples also carry their series name. */
type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

async function values(metrics: SurgeMetrics, name: string): Promise<Sample[]> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  return metric.values as Sample[];
}

describe('registerHttpMetrics', () => {
  let app: FastifyInstance;
  let metrics: SurgeMetrics;

  beforeEach(async () => {
    metrics = createMetrics('read-api', { defaultMetrics: false });
    app = Fastify();
    registerHttpMetrics(app, metrics, 'read-api', { ignoreRoutes: ['/metrics'] });
    app.post('/v1/meter-readings', async (_req, reply) => reply.code(202).send({ accepted: true }));
    app.get('/v1/accounts/:accountId/readings', async () => ({ readings: [] }));
    app.get('/v1/fail', async () => {
      throw new Error('boom');
    });
    app.get('/metrics', async () => 'metrics');
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  it('counts requests by route template, method and code', async () => {
    await app.inject({ method: 'POST', url: '/v1/meter-readings', payload: {} });
    await app.inject({ method: 'POST', url: '/v1/meter-readings?x=1', payload: {} });
    const counts = await values(metrics, 'surge_http_requests_total');
    expect(counts).toEqual([
      {
        labels: { service: 'read-api', route: '/v1/meter-readings', method: 'POST', code: '202' },
        value: 2,
      },
    ]);
  });

  it('uses the route template, never the raw URL with its ids', async () => {
    await app.inject({ method: 'GET', url: '/v1/accounts/A-1/readings' });
    await app.inject({ method: 'GET', url: '/v1/accounts/A-2/readings' });
    const counts = await values(metrics, 'surge_http_requests_total');
    expect(counts).toHaveLength(1);
    expect(counts[0]).toMatchObject({ labels: { route: '/v1/accounts/:accountId/readings', code: '200' }, value: 2 });
  });

  it('folds unmatched URLs into one route label', async () => {
    await app.inject({ method: 'GET', url: '/wp-admin/1' });
    await app.inject({ method: 'GET', url: '/nope/2' });
    const counts = await values(metrics, 'surge_http_requests_total');
    expect(counts).toEqual([
      { labels: { service: 'read-api', route: UNMATCHED_ROUTE, method: 'GET', code: '404' }, value: 2 },
    ]);
  });

  it('records server errors with their code', async () => {
    await app.inject({ method: 'GET', url: '/v1/fail' });
    const counts = await values(metrics, 'surge_http_requests_total');
    expect(counts[0]).toMatchObject({ labels: { route: '/v1/fail', code: '500' }, value: 1 });
  });

  it('observes the duration in seconds without a code label', async () => {
    await app.inject({ method: 'POST', url: '/v1/meter-readings', payload: {} });
    const samples = await values(metrics, 'surge_http_request_duration_seconds');
    const count = samples.find((s) => s.metricName === 'surge_http_request_duration_seconds_count')!;
    expect(count.labels).toEqual({ service: 'read-api', route: '/v1/meter-readings', method: 'POST' });
    expect(count.value).toBe(1);
    const sum = samples.find((s) => s.metricName === 'surge_http_request_duration_seconds_sum')!;
    expect(sum.value).toBeGreaterThan(0);
    expect(sum.value).toBeLessThan(5);
  });

  it('skips ignored routes', async () => {
    await app.inject({ method: 'GET', url: '/metrics' });
    expect(await values(metrics, 'surge_http_requests_total')).toEqual([]);
  });
});
