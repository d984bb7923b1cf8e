import { Consumer } from '@platformatic/kafka';
import type { Pool } from 'pg';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { EventOutboxRelay } from './event-outbox.relay';
import { createPostgresPool } from './postgres.factory';
import { ensurePostgresDatabase } from './postgres.migrator';

/** Real PostgreSQL and Kafka: rows leave the outbox only once Kafka acknowledged them, in seq order per key. */
describe('EventOutboxRelay', () => {
  const database = uniqueName('it_event_outbox');
  const topic = `${uniqueName('it_event_outbox')}.events`;
  const refTopic = `${uniqueName('it_event_outbox')}.rendered`;
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  let pool: Pool;
  const options = { batchSize: 3, idleMs: 50, coalesceMs: 0, retryMinMs: 50, retryMaxMs: 200 };
  const publisherTo = (brokers: string[]) => new PlatformaticEventPublisher({ brokers, clientId: 'it-outbox', deadlineMs: 1500, maxBufferedRecords: 100, maxBatchRecords: 10, lingerMs: 1, maxInFlightRequests: 1, lanes: 1 });

  beforeAll(async () => {
    await ensureTopics(testEnv.KAFKA_BROKERS, [{ name: topic, partitions: 2, config: {} }, { name: refTopic, partitions: 1, config: {} }]);
    await ensurePostgresDatabase(admin, database);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${database}`;
    pool = createPostgresPool(url.toString(), { max: 4 });
    await pool.query('CREATE TABLE ev_outbox (seq bigserial PRIMARY KEY, record_key text NOT NULL, payload jsonb NOT NULL)');
    await pool.query('CREATE TABLE ref_outbox (seq bigserial PRIMARY KEY, record_key text NOT NULL, payload json, fact_id int)');
    await pool.query('CREATE TABLE facts (fact_id int PRIMARY KEY, n int NOT NULL)');
  });

  afterAll(async () => {
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, [topic, refTopic]).catch(() => undefined);
  });

  it('Kafka unreachable: nothing is deleted; reachable: every row is published in order per key, then deleted', async () => {
    for (let i = 0; i < 7; i++) await pool.query('INSERT INTO ev_outbox (record_key, payload) VALUES ($1, $2)', [`k${i % 2}`, { schema: 'x.v1', n: i }]);

    const down = publisherTo(['127.0.0.1:4591']); // nothing listens there (this test's port range)
    const failing = new EventOutboxRelay(pool, down, { table: 'ev_outbox', topic, lockName: `${database}_relay` }, options);
    await expect(failing.drainOnce()).rejects.toBeDefined();
    expect(await failing.pending()).toBe(7);
    await down.close();

    const up = publisherTo(testEnv.KAFKA_BROKERS);
    const relay = new EventOutboxRelay(pool, up, { table: 'ev_outbox', topic, lockName: `${database}_relay` }, options);
    relay.start();
    await eventually(async () => (await relay.pending()) === 0);
    await relay.stop();
    await up.close();

    const consumer = new Consumer({ groupId: `${topic}-check`, clientId: 'it-outbox', bootstrapBrokers: testEnv.KAFKA_BROKERS });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
    const seen: { key: string; n: number }[] = [];
    try {
      for await (const message of stream) {
        seen.push({ key: message.key.toString(), n: (JSON.parse(message.value.toString()) as { n: number }).n });
        if (seen.length === 7) break;
      }
    } finally {
      await stream.close();
      await consumer.close(true);
    }
    for (const key of ['k0', 'k1']) {
      const ns = seen.filter((s) => s.key === key).map((s) => s.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    expect(seen.map((s) => s.n).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  }, 60_000);

  it('rows carrying a reference are rendered by the owner in the relay\'s transaction; one that renders nothing holds the batch back', async () => {
    await pool.query('INSERT INTO facts (fact_id, n) SELECT i, i * 10 FROM generate_series(1, 3) AS i');
    await pool.query(`INSERT INTO ref_outbox (record_key, payload, fact_id) VALUES ('a', '{"schema":"x.v1","n":0}', NULL), ('a', NULL, 1), ('a', NULL, 2), ('a', NULL, 9)`);
    const rendered: string[][] = [];
    const references = {
      column: 'fact_id',
      render: async (client: import('pg').PoolClient, refs: readonly string[]) => {
        rendered.push([...refs]);
        const { rows } = await client.query<{ fact_id: number; n: number }>('SELECT fact_id, n FROM facts WHERE fact_id = ANY($1::int[])', [refs]);
        return new Map(rows.map((r) => [String(r.fact_id), { schema: 'x.v1', n: r.n }]));
      },
    };
    const up = publisherTo(testEnv.KAFKA_BROKERS);
    const relay = new EventOutboxRelay(pool, up, { table: 'ref_outbox', topic: refTopic, lockName: `${database}_ref_relay`, references }, { ...options, batchSize: 10 });
    // Reference 9 renders nothing: the whole batch waits (nothing published, nothing deleted).
    await expect(relay.drainOnce()).rejects.toThrow(/reference 9 rendered no event/);
    expect(await relay.pending()).toBe(4);
    expect(rendered).toEqual([['1', '2', '9']]);
    await pool.query('INSERT INTO facts (fact_id, n) VALUES (9, 90)');
    expect(await relay.drainOnce()).toBe(4);
    expect(await relay.pending()).toBe(0);
    // A relay that renders no references refuses such a row rather than publish a null.
    await pool.query(`INSERT INTO ref_outbox (record_key, payload, fact_id) VALUES ('a', NULL, 3)`);
    const plain = new EventOutboxRelay(pool, up, { table: 'ref_outbox', topic: refTopic, lockName: `${database}_ref_relay` }, options);
    await expect(plain.drainOnce()).rejects.toThrow(/renders no references/);
    expect(await plain.pending()).toBe(1);
    await up.close();

    const consumer = new Consumer({ groupId: `${refTopic}-check`, clientId: 'it-outbox', bootstrapBrokers: testEnv.KAFKA_BROKERS });
    const stream = await consumer.consume({ topics: [refTopic], mode: 'earliest' });
    const seen: unknown[] = [];
    try {
      for await (const message of stream) {
        const schema = [...(message.headers ?? new Map())].find(([k]) => String(k) === 'schema')?.[1];
        seen.push({ schema: schema === undefined ? null : String(schema), ...(JSON.parse(message.value.toString()) as object) });
        if (seen.length === 4) break;
      }
    } finally {
      await stream.close();
      await consumer.close(true);
    }
    expect(seen).toEqual([0, 10, 20, 90].map((n) => ({ schema: 'x.v1', n })));
  }, 60_000);
});
