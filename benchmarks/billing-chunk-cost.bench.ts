/*
 * Where a bill-run chunk's PostgreSQL CPU goes, statement by statement.
 *
 *   npm run build && node dist/benchmarks/billing-chunk-cost.bench.js --accounts 100000 --chunks 10 [--write json]
 *
 * Needs the population `npm run bench:billing -- --accounts N --generate-only` makes (bench_billing_pop_<N> and
 * ClickHouse bench_billing_<N>). Copies it to a scratch database, plans a bill run over it (chunks of
 * --chunk-size, default 1000) and processes --chunks chunks one after another in this process, as a worker
 * would. Every statement on every pooled connection is attributed the CPU its PostgreSQL backend used
 * (utime + stime from /proc/<backend pid>/stat, read when the statement is sent and when the next one is):
 * statements are sequential on a connection, so the backend's CPU between the two is that statement's.
 * Tick resolution is 10 ms, so the figures are sums over many statements; a cold first chunk is included.
 * --render-events: then the billing-events relay's side of the same bills (migration v12: the outbox holds bill
 * ids, the relay renders each bill.issued.v1 from the bill and line rows): billing-events' own EventOutboxRelay,
 * batches of 500 (BILL_EVENTS_BATCH's default), drained to empty on one connection with a publisher that drops
 * the records, so everything but Kafka is counted (lock, read, render, serialise, delete); PostgreSQL backend CPU
 * and this process's CPU an event.
 * Loopback only, bounded by --chunks; the scratch database is dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { z } from 'zod';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { infraFields } from '@surge/config/config.fields';
import { loadConfig } from '@surge/config/config.loader';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE } from '@surge/billing/billing-postgres.migrations';
import { createBilling } from '@surge/billing/billing.factory';
import { renderBillIssuedEvents } from '@surge/billing/bills/bill-event.renderer';
import { EventOutboxRelay } from '@surge/postgres/event-outbox.relay';
import { DEMO_PERIOD } from '@surge-test/fixtures/demo-population.generator';
import { cpuTicks } from '@surge-test/support/process-stats';

const env = loadConfig(z.object(infraFields), process.env);

const backendTicks = (pid: number): number => cpuTicks(pid) ?? 0;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '100000' },
      chunks: { type: 'string', default: '10' },
      'chunk-size': { type: 'string', default: '1000' },
      // 'json': the JSON-batch INSERTs the COPY path falls back to (and the only path before issue 18).
      write: { type: 'string', default: 'copy' },
      // keep the scratch database (named on stdout) for experiments on the rows the chunks wrote
      keep: { type: 'boolean', default: false },
      // SQL run on the scratch database after its migrations (experiments: a variant of a table or trigger)
      'setup-sql': { type: 'string' },
      'render-events': { type: 'boolean', default: false },
    },
  });
  const n = Number(values.accounts);
  const chunks = Number(values.chunks);
  const chunkSize = Number(values['chunk-size']);
  const writePath = values.write === 'json' ? 'json' : 'copy';
  // Attribute each backend's CPU to the statement it was running (see the header).
  const spent = new Map<string, { ticks: number; count: number }>();
  const last = new WeakMap<object, { key: string; ticks: number }>();
  const settle = (client: object, pid: number): void => {
    const prev = last.get(client);
    if (!prev) return;
    const now = backendTicks(pid);
    const s = spent.get(prev.key) ?? { ticks: 0, count: 0 };
    s.ticks += now - prev.ticks;
    s.count += 1;
    spent.set(prev.key, s);
    last.delete(client);
  };
  const original = Client.prototype.query;
  Client.prototype.query = function (this: Client & { processID?: number }, config: unknown, ...rest: unknown[]) {
    const pid = this.processID;
    if (pid) {
      settle(this, pid);
      const text = typeof config === 'string' ? config : ((config as { text?: string } | null)?.text ?? '?');
      last.set(this, { key: text.replace(/\s+/g, ' ').slice(0, 90), ticks: backendTicks(pid) });
    }
    return (original as (...a: unknown[]) => unknown).call(this, config, ...rest);
  } as typeof Client.prototype.query;

  const admin = createPostgresPool(env.DATABASE_URL, { max: 1, applicationName: 'bench-chunk-cost' });
  const scratch = `bench_chunk_cost_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${scratch} TEMPLATE bench_billing_pop_${n}`);
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${scratch}`;
  const pool = createPostgresPool(url.toString(), { max: 4, applicationName: 'bench-chunk-cost' });
  const ch = createClickHouse({ url: env.CLICKHOUSE_URL, database: `bench_billing_${n}`, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
  const billing = createBilling(pool, ch, {
    redis: { url: env.REDIS_URL, maxRetriesPerRequest: null },
    queuePrefix: `bench-chunk-cost-${Date.now().toString(36)}`,
    chunkSize,
    jobAttempts: 1,
    jobBackoffMs: 100,
    workerConcurrency: 1,
    lockDurationMs: 60_000,
    historyDays: 400,
    writePath,
  });
  try {
    await migratePostgres(pool, BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE);
    if (values['setup-sql']) await pool.query(readFileSync(values['setup-sql'], 'utf8'));
    const created = await billing.runs.create({ runId: randomUUID(), kind: 'bill', period: DEMO_PERIOD, accountIds: null, chunkSize, requestedBy: 'bench', clientRef: null });
    if (!created.created) throw new Error('the run was not created');
    spent.clear();
    const t = performance.now();
    for (let i = 0; i < chunks; i++) await billing.processor.processChunk(created.run.runId, i);
    const wallMs = performance.now() - t;
    // The last statement of each connection is settled by one more.
    const clients = await Promise.all(Array.from({ length: 4 }, () => pool.connect()));
    for (const c of clients) await c.query('SELECT 1');
    for (const c of clients) c.release();
    const rows = [...spent].sort((a, b) => b[1].ticks - a[1].ticks);
    const total = rows.reduce((s, [, v]) => s + v.ticks, 0);
    const accounts = chunks * chunkSize;
    console.log(`${chunks} chunks of ${chunkSize} (${accounts.toLocaleString('en-GB')} accounts), written by ${writePath}, in ${(wallMs / 1000).toFixed(1)} s`);
    console.log(`PostgreSQL backend CPU ${(total / 100).toFixed(2)} s = ${Math.round((total * 10_000) / accounts)} us per account; by statement (us per account, statements):`);
    for (const [key, v] of rows.filter(([, v]) => v.ticks > 0)) console.log(`${String(Math.round((v.ticks * 10_000) / accounts)).padStart(6)}  ${String(v.count).padStart(5)}  ${key}`);
    if (values['render-events']) {
      Client.prototype.query = original;
      // Statistics as a long-lived database has them (autovacuum's ANALYZE): on a scratch database just written,
      // the planner would scan all of bill_lines for each batch instead of its primary key.
      await pool.query('ANALYZE bills, bill_lines');
      const relayPool = createPostgresPool(url.toString(), { max: 1, applicationName: 'bench-chunk-cost-relay' });
      try {
        const pid = (await relayPool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        let bytes = 0;
        const dropping = {
          publish: async (records: ReadonlyArray<{ value: string | Buffer }>) => {
            for (const r of records) bytes += r.value.length;
          },
          isHealthy: () => true,
          close: async () => undefined,
        };
        const relay = new EventOutboxRelay(
          relayPool,
          dropping,
          { table: 'bill_event_outbox', topic: 'bench', lockName: `${scratch}_relay`, references: { column: 'bill_id', render: renderBillIssuedEvents } },
          { batchSize: 500, idleMs: 1000, coalesceMs: 0, retryMinMs: 100, retryMaxMs: 1000 },
        );
        const ticks0 = backendTicks(pid);
        const cpu0 = process.cpuUsage();
        let events = 0;
        for (let moved = await relay.drainOnce(); moved > 0; moved = await relay.drainOnce()) events += moved;
        const cpu = process.cpuUsage(cpu0);
        const backend = backendTicks(pid) - ticks0;
        const per = (x: number) => (x / Math.max(events, 1)).toFixed(1);
        console.log(
          `relay side: ${events.toLocaleString('en-GB')} bill.issued.v1 events drained in batches of 500 (no Kafka): PostgreSQL ${per(backend * 10_000)} us an event, this process ${per(cpu.user + cpu.system)} us an event, ${per(bytes)} bytes an event`,
        );
      } finally {
        await relayPool.end();
      }
    }
  } finally {
    Client.prototype.query = original;
    await billing.queue.obliterate().catch(() => undefined);
    await billing.queue.close();
    await pool.end();
    await ch.close();
    if (values.keep) console.log(`kept the scratch database ${scratch}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
