import Fastify from 'fastify';
import { registerLoadShedding } from './load-shedding';

describe('registerLoadShedding', () => {
  it('answers 503 + Retry-After past the in-flight cap, serves again once requests finish, never sheds health', async () => {
    const app = Fastify();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    registerLoadShedding(app, { maxInFlight: 2, retryAfterSeconds: 1, exempt: ['/health/ready'] });
    app.get('/slow', async () => {
      await gate;
      return { ok: true };
    });
    app.get('/health/ready', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const held = [fetch(`${url}/slow`), fetch(`${url}/slow`)];
    await new Promise((r) => setTimeout(r, 100));
    const shed = await fetch(`${url}/slow`);
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(((await shed.json()) as { error: { code: string } }).error.code).toBe('INGEST_UNAVAILABLE');
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect((await fetch(`${url}/slow`)).status).toBe(200);
    await app.close();
  });
});
