/**
 * A real round trip through each server of the stack, run by `stack.sh up`:
 * produce and consume one record on Kafka, query ClickHouse and PostgreSQL,
 * write and read Redis. An open port is not enough: a broker still electing
 * its controller accepts connections but cannot take a write.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { infraFields } from '@surge/config/config.fields';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { ensureTopics } from '@surge/kafka/topic.admin';

const config = loadConfig(z.object(infraFields), process.env);

async function timed(name: string, what: string, probe: () => Promise<void>, attempts = 30): Promise<void> {
  const started = Date.now();
  for (let i = 1; ; i++) {
    try {
      await probe();
      console.log(`probe ${name.padEnd(10)} ok   ${what} (${Date.now() - started} ms)`);
      return;
    } catch (error) {
      if (i >= attempts) throw new Error(`${name} probe failed: ${String((error as Error)?.message ?? error)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function kafka(): Promise<void> {
  const topic = 'surge-stack-probe';
  await ensureTopics(config.KAFKA_BROKERS, [{ name: topic, partitions: 1, config: { 'retention.ms': '3600000' } }]);
  const publisher = new PlatformaticEventPublisher({
    brokers: config.KAFKA_BROKERS, clientId: 'stack-probe', deadlineMs: 10_000, maxBufferedRecords: 10, maxBatchRecords: 10, lingerMs: 0, maxInFlightRequests: 1, lanes: 1,
  });
  const marker = randomUUID();
  const consumer = new PlatformaticBatchConsumer({
    brokers: config.KAFKA_BROKERS, clientId: 'stack-probe', groupId: `stack-probe-${marker}`, topics: [topic],
    maxBatchRecords: 100, maxBatchWaitMs: 50, retryMinMs: 100, retryMaxMs: 1000,
  });
  try {
    let seen = false;
    await consumer.start(async (batch) => {
      if (batch.some((r) => r.value.toString() === marker)) seen = true;
    });
    await publisher.publish([{ topic, key: 'probe', value: marker }]);
    const deadline = Date.now() + 20_000;
    while (!seen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (!seen) throw new Error('produced record not consumed within 20 s');
  } finally {
    await consumer.stop();
    await publisher.close();
  }
}

async function main(): Promise<void> {
  await timed('kafka', 'produce (acks=all) + consume round trip', kafka, 5);
  await timed('clickhouse', 'SELECT version()', async () => {
    const ch = createClient({ url: config.CLICKHOUSE_URL, username: config.CLICKHOUSE_USER, password: config.CLICKHOUSE_PASSWORD });
    try {
      await (await ch.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json();
    } finally {
      await ch.close();
    }
  });
  await timed('postgres', 'SELECT 1', async () => {
    const pg = new Client({ connectionString: config.DATABASE_URL });
    await pg.connect();
    try {
      await pg.query('SELECT 1');
    } finally {
      await pg.end();
    }
  });
  await timed('redis', 'SET + GET', async () => {
    const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const v = randomUUID();
      await redis.set('surge:stack-probe', v, 'EX', 60);
      if ((await redis.get('surge:stack-probe')) !== v) throw new Error('read back a different value');
    } finally {
      redis.disconnect();
    }
  });
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(String(error?.message ?? error));
    process.exit(1);
  },
);
