/*
 * Timeline read benchmark (issue 16): the first page of an account with 10,000 entries, over HTTP from the
 * built timeline app, p50/p95/p99 printed (the target is p99 under 100 ms).
 *
 *   npm run build && npm run bench:timeline
 *   npm run bench:timeline -- --entries 10000 --others 90000 --requests 2000 --concurrency 4   (default: one caller at a time, an agent opening a page)
 *
 * Self-contained and bounded: its own PostgreSQL database and Kafka topic prefix; it writes the read model
 * straight through the timeline's repository (the same statements the projector runs: --entries for the
 * account under test, --others spread over 1,000 other accounts so the index is not the account's alone),
 * starts dist/apps/timeline/src/main.js on loopback (--port), fires --requests first-page GETs (closed
 * loop, --concurrency in flight), then a walk through every page and a kind-filtered first page, and drops
 * everything. The load generator shares the machine's cores with the app and PostgreSQL: a floor, not a ceiling.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import type { TimelineEntry } from '@surge/timeline/timeline-entry.model';
import { TIMELINE_PG_MIGRATIONS, TIMELINE_PG_TRACKING_TABLE } from '@surge/timeline/timeline-postgres.migrations';
import { PgTimelineRepository } from '@surge/timeline/timeline.repository';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '10000' },
    others: { type: 'string', default: '90000' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '1' },
    port: { type: 'string', default: '4560' },
  },
});
const ENTRIES = Number(args.entries);
const OTHERS = Number(args.others);
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const PORT = Number(args.port);
const STAFF_KEY = 'bench-timeline-staff-key-0123456789';
const FAMILIES = ['reading', 'reading', 'reading', 'survey', 'bill'] as const;

function entry(accountId: string, i: number): TimelineEntry {
  const family = FAMILIES[i % FAMILIES.length]!;
  const kind = family === 'reading' ? 'reading.accepted' : family === 'bill' ? 'bill.issued' : 'survey.answered';
  return {
    entryId: `${family}:${accountId}-${i}`,
    accountId,
    kind,
    family,
    occurredAt: new Date(Date.UTC(2020, 0, 1) + i * 3_600_000).toISOString(),
    source: family === 'reading' ? 'read-sink' : family === 'bill' ? 'billing' : 'csat',
    summary: `Entry ${i} of ${accountId}: a line a person reads, about as long as the real ones are`,
    link: { type: family, id: `${accountId}-${i}`, href: `/v1/x/${accountId}-${i}` },
    details: { readingId: `${accountId}-${i}`, status: 'accepted', reasonCode: null, message: null, value: String(10_000 + i), readAt: '2022-03-31T00:00:00.000Z', supplyPointId: '1200000000001', meterSerial: 'S1', registerId: '1' },
    staffNote: `Correlation id ${i}`,
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

function get(agent: Agent, path: string): Promise<{ status: number; body: string; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, agent, headers: { 'x-api-key': STAFF_KEY } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const database = uniqueName('bench_timeline');
  const prefix = `${uniqueName('bench_timeline')}.`;
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const url = new URL(testEnv.DATABASE_URL);
  url.pathname = `/${database}`;
  await ensurePostgresDatabase(admin, database);
  const pool = createPostgresPool(url.toString(), { max: 4 });
  let app: ChildProcess | undefined;
  try {
    await migratePostgres(pool, TIMELINE_PG_MIGRATIONS, TIMELINE_PG_TRACKING_TABLE);
    const repo = new PgTimelineRepository(pool);
    const account = 'BENCH-10K';
    const loadStarted = Date.now();
    for (let i = 0; i < ENTRIES; i += 1000) await repo.apply(Array.from({ length: Math.min(1000, ENTRIES - i) }, (_, k) => entry(account, i + k)), []);
    for (let i = 0; i < OTHERS; i += 1000) await repo.apply(Array.from({ length: Math.min(1000, OTHERS - i) }, (_, k) => entry(`OTHER-${(i + k) % 1000}`, i + k)), []);
    await pool.query('ANALYZE timeline.entries');
    const loadSeconds = (Date.now() - loadStarted) / 1000;

    const keys = await generateDevKeyPair();
    app = spawn(process.execPath, [join(__dirname, '..', 'apps', 'timeline', 'src', 'main.js')], {
      env: {
        PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(PORT), LOG_LEVEL: 'warn', DATABASE_URL: url.toString(), KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
        KAFKA_TOPIC_PREFIX: prefix, TIMELINE_KAFKA_GROUP_ID: `${prefix}timeline`, JWT_PUBLIC_KEY: keys.publicKeyPem, API_KEYS: `bench:${sha256Hex(STAFF_KEY)}:timeline:read`,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await get(agent, '/health/ready').then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('timeline not ready within 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const first = `/v1/accounts/${account}/timeline?limit=50`;
    for (let i = 0; i < 100; i++) await get(agent, first); // warm-up: JIT, connections, PostgreSQL's cache
    const times: number[] = [];
    let errors = 0;
    let sent = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < REQUESTS) {
          sent++;
          const r = await get(agent, first);
          if (r.status !== 200 || (JSON.parse(r.body) as { items: unknown[] }).items.length !== 50) errors++;
          times.push(r.ms);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    times.sort((a, b) => a - b);
    // Every page, newest to oldest, by cursor: the walk a rebuild check or an export does.
    let cursor: string | null = null;
    let pages = 0;
    let walked = 0;
    const walkStarted = Date.now();
    do {
      const r = await get(agent, `${first}${cursor ? `&cursor=${cursor}` : ''}`);
      const page = JSON.parse(r.body) as { items: unknown[]; nextCursor: string | null };
      walked += page.items.length;
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    const walkSeconds = (Date.now() - walkStarted) / 1000;
    const filtered: number[] = [];
    for (let i = 0; i < 200; i++) filtered.push((await get(agent, `/v1/accounts/${account}/timeline?limit=50&kind=bill`)).ms);
    filtered.sort((a, b) => a - b);
    agent.destroy();
    const round = (n: number) => Math.round(n * 100) / 100;
    console.log(
      JSON.stringify(
        {
          timelineFirstPage: {
            entriesOnAccount: ENTRIES,
            entriesInTable: ENTRIES + OTHERS,
            requests: times.length,
            concurrency: CONCURRENCY,
            errors,
            perSecond: round(times.length / seconds),
            p50Ms: round(percentile(times, 50)),
            p95Ms: round(percentile(times, 95)),
            p99Ms: round(percentile(times, 99)),
            maxMs: round(times[times.length - 1]!),
            targetP99Ms: 100,
          },
          kindFilteredFirstPage: { requests: filtered.length, p50Ms: round(percentile(filtered, 50)), p99Ms: round(percentile(filtered, 99)) },
          walkAllPages: { pages, entries: walked, seconds: round(walkSeconds) },
          loadSeconds: round(loadSeconds),
        },
        null,
        2,
      ),
    );
    if (errors > 0 || walked !== ENTRIES) process.exitCode = 1;
  } finally {
    app?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
