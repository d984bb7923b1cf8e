import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { KafkaUnavailableError } from './kafka-unavailable.error';
import { deleteTopics, endOffsets, ensureTopics } from './topic.admin';
import { WorkerEventPublisher } from './worker-event-publisher';

// The worker runs the BUILT script (plain node, no Jest transform): `npm run build` first.
const WORKER = join(process.cwd(), 'dist/libs/kafka/src/event-publisher.worker.js');

describe('WorkerEventPublisher on a real broker', () => {
  const topic = { name: uniqueName('worker-publisher'), partitions: 3, config: {} };
  let publisher: WorkerEventPublisher | undefined;

  beforeAll(async () => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build first`);
    await ensureTopics(testEnv.KAFKA_BROKERS, [topic]);
  });
  afterAll(async () => {
    await publisher?.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, [topic.name]).catch(() => undefined);
  });

  it('resolves each call once its records are on the topic (acks=all), string and Buffer values alike; refuses past its buffer and once closed', async () => {
    publisher = new WorkerEventPublisher({
      brokers: testEnv.KAFKA_BROKERS,
      clientId: uniqueName('worker-publisher'),
      deadlineMs: 10_000,
      maxBufferedRecords: 2000,
      maxBatchRecords: 500,
      lingerMs: 2,
      maxInFlightRequests: 2,
      lanes: 2,
      workerPath: WORKER,
    });
    const headers = { schema: 'test.v1', 'correlation-id': 'c-1' };
    const calls = [0, 1, 2].map((c) =>
      publisher!.publish(Array.from({ length: 500 }, (_, i) => ({ topic: topic.name, key: `sp-${i % 37}`, value: i % 2 ? `{"c":${c},"i":${i}}` : Buffer.from(`b${c}-${i}`), headers }))),
    );
    await Promise.all(calls);
    const ends = await endOffsets(testEnv.KAFKA_BROKERS, topic);
    expect([...ends.values()].reduce((n, e) => n + Number(e), 0)).toBe(1500);
    expect(publisher.isHealthy()).toBe(true);

    const tooMany = Array.from({ length: 2001 }, (_, i) => ({ topic: topic.name, key: String(i), value: 'x' }));
    await expect(publisher.publish(tooMany)).rejects.toMatchObject({ reason: 'buffer_full' });

    await publisher.close();
    const closed = await publisher.publish([{ topic: topic.name, key: 'k', value: 'v' }]).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(KafkaUnavailableError);
    expect(closed).toMatchObject({ reason: 'closing' });
    expect([...(await endOffsets(testEnv.KAFKA_BROKERS, topic)).values()].reduce((n, e) => n + Number(e), 0)).toBe(1500);
  });
});
