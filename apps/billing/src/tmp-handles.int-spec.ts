import { generateDevKeyPair } from '@surge/testing/dev-keys';
import { testEnv } from '@surge/testing/test-env';
import { createBillingApp } from './billing.app';
import { loadBillingConfig } from './billing.config';
it('handles', async () => {
  const keys = await generateDevKeyPair();
  const before = new Set((process as any)._getActiveHandles());
  const app = await createBillingApp(loadBillingConfig({ DATABASE_URL: testEnv.DATABASE_URL, JWT_PUBLIC_KEY: keys.publicKeyPem, REDIS_URL: 'redis://127.0.0.1:1', BILLING_WORKER_ENABLED: 'false', BILLING_METRICS_INTERVAL_MS: '200' }));
  console.log((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode);
  console.log((await app.inject({ method: 'GET', url: '/v1/bill-runs/00000000-0000-0000-0000-000000000000', headers: { 'x-api-key': 'x' } })).statusCode);
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  try { await app.close(); } catch (e) { console.log('close error', e); }
  console.log('close took', Date.now() - t0);
  await new Promise((r) => setTimeout(r, 3000));
  const after = (process as any)._getActiveHandles().filter((h: any) => !before.has(h));
  console.log(after.map((h: any) => `${h.constructor.name} ${h.remoteAddress ?? ''}:${h.remotePort ?? ''} ${h._host ?? ''} ${h.localPort ?? ''} ${h._idleTimeout ?? ''} ${h._onTimeout?.toString().slice(0, 200) ?? ''}`));
  console.log((process as any)._getActiveRequests?.().map((r: any) => r.constructor.name));
});
