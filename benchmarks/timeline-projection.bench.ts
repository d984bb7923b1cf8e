/*
 * Timeline projection benchmark (issue 16): what the timeline's write side costs per event, without Kafka in the
 * way: --outcomes reading outcome records and --snapshots registry.v1 account snapshots, built in memory as the
 * consumer hands them over (batches of --batch), through TimelineProjector and the real PostgreSQL repository
 * (one transaction per batch, as in the service). Prints events/s and this process's CPU ms per event (mapping,
 * encoding, the driver); PostgreSQL's own CPU is not in it.
 *
 *   npm run build && node dist/benchmarks/timeline-projection.bench.js
 *   node dist/benchmarks/timeline-projection.bench.js --outcomes 50000 --snapshots 20000 --batch 500
 *
 * Self-contained and bounded: its own database, dropped at the end. Loopback only.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import type { ReadingOutcomeV1 } from '@surge/reading-contracts/reading-outcome.event';
import { ACCOUNT_SNAPSHOT_SCHEMA, type AccountSnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { TIMELINE_PG_MIGRATIONS, TIMELINE_PG_TRACKING_TABLE } from '@surge/timeline/timeline-postgres.migrations';
import { TimelineProjector } from '@surge/timeline/timeline-projector.service';
import { timelineTopicMap } from '@surge/timeline/timeline-topic.map';
import { PgTimelineRepository } from '@surge/timeline/timeline.repository';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';

const { values: args } = parseArgs({
  options: {
    outcomes: { type: 'string', default: '30000' },
    snapshots: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '500' },
  },
});
const OUTCOMES = Number(args.outcomes);
const SNAPSHOTS = Number(args.snapshots);
const BATCH = Number(args.batch);
const topics = resolveTopics('bench.');
const record = (topic: string, key: string, value: object, offset: number): ConsumedRecord => ({
  topic, partition: 0, offset: BigInt(offset), key, value: Buffer.from(JSON.stringify(value)), headers: {}, timestamp: Date.now(),
});

function outcome(i: number): ConsumedRecord {
  const accountId = `bench-acct-${i % 20_000}`;
  const e: ReadingOutcomeV1 = {
    schema: 'reading.outcome.v1', readingId: randomUUID(), accountId, supplyPointId: String(1_200_000_000_000 + (i % 20_000)), meterSerial: `M${i % 20_000}`, registerId: 'S',
    readAt: '2026-03-31T00:00:00.000Z', value: String(10_000 + i), channel: 'web', status: i % 20 === 0 ? 'held' : 'accepted', reasonCode: i % 20 === 0 ? 'HIGH_ADVANCE' : null,
    message: null, duplicateOf: null, decidedAt: new Date().toISOString(), correlationId: randomUUID(),
  };
  return record(i % 20 === 0 ? topics.readingRejected.name : topics.readingAccepted.name, accountId, e, i);
}

function snapshot(i: number): ConsumedRecord {
  const accountId = `bench-acct-${i}`;
  const s: AccountSnapshotV1 = {
    schema: ACCOUNT_SNAPSHOT_SCHEMA, revision: String(i + 1), accountId, category: 'D', categoryEffectiveFrom: '2020-01-01', domestic: true, vulnerable: false, vatRate: '0.05',
    supplyPoints: [{ supplyPointId: String(1_200_000_000_000 + i), fuel: 'electricity', supplyStart: '2020-01-01', meters: [{ meterSerial: `M${i}`, installedOn: '2020-01-01', removedOn: null, registers: [] }] }],
    agreements: [], change: 'account.created', changedAt: new Date().toISOString(),
  };
  return record(topics.registry.name, accountId, s, i);
}

async function run(name: string, projector: TimelineProjector, count: number, make: (i: number) => ConsumedRecord): Promise<void> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += BATCH) {
    const batch: ConsumedRecord[] = [];
    for (let j = i; j < Math.min(count, i + BATCH); j++) batch.push(make(j));
    await projector.handle(batch);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  console.log(`${name.padEnd(20)} ${String(count).padStart(7)} events in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)}/s; CPU ${(cpuMs / count).toFixed(4)} ms per event (this process, incl. building the records)`);
}

async function main(): Promise<void> {
  const database = uniqueName('bench_timeline_projection');
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  await ensurePostgresDatabase(admin, database);
  const url = new URL(testEnv.DATABASE_URL);
  url.pathname = `/${database}`;
  const pool = createPostgresPool(url.toString(), { max: 2 });
  try {
    await migratePostgres(pool, TIMELINE_PG_MIGRATIONS, TIMELINE_PG_TRACKING_TABLE);
    const projector = new TimelineProjector(new PgTimelineRepository(pool), timelineTopicMap(topics));
    console.log(`timeline projection, batches of ${BATCH}, one PostgreSQL transaction each`);
    await run('reading outcomes', projector, OUTCOMES, outcome);
    await run('registry snapshots', projector, SNAPSHOTS, snapshot);
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
