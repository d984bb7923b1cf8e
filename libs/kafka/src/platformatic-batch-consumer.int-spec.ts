import { startPrivateBroker, type PrivateBroker } from '@surge-test/support/kafka-broker.process';
import { eventually } from '@surge-test/support/test-env.config';
import type { ConsumedRecord } from './kafka-record';
import { PlatformaticBatchConsumer } from './platformatic-batch-consumer';
import { PlatformaticEventPublisher } from './platformatic-event-publisher';
import { ensureTopics } from './topic.admin';

/**
 * Issue 11, item 1: after the broker was killed (kill -9) and started again,
 * the consumer's stream had errored and never rejoined, so the sink and csat
 * stayed unready with the backlog unstored until restarted by hand. The
 * consumer must rebuild itself and go on from the committed offsets, with
 * nothing lost and nothing handled twice past a commit.
 */
describe('PlatformaticBatchConsumer across a broker crash (private broker)', () => {
  let broker: PrivateBroker;
  let consumer: PlatformaticBatchConsumer | undefined;
  let publisher: PlatformaticEventPublisher | undefined;
  const topic = 'crash-test.v1';

  beforeAll(async () => {
    broker = await startPrivateBroker(19094);
    await ensureTopics(broker.brokers, [{ name: topic, partitions: 3, config: {} }]);
  });

  afterAll(async () => {
    await consumer?.stop();
    await publisher?.close().catch(() => undefined);
    await broker?.kill();
  });

  const publish = async (from: number, to: number) => {
    const records = [];
    for (let i = from; i < to; i++) records.push({ topic, key: `k${i % 7}`, value: `r${i}` });
    await publisher!.publish(records);
  };

  it('rejoins by itself once the broker is back and consumes what was published meanwhile', async () => {
    const seen = new Map<string, number>();
    consumer = new PlatformaticBatchConsumer({
      brokers: broker.brokers,
      clientId: 'crash-test',
      groupId: 'crash-test',
      topics: [topic],
      maxBatchRecords: 50,
      maxBatchWaitMs: 50,
      retryMinMs: 100,
      retryMaxMs: 1000,
    });
    await consumer.start(async (batch: readonly ConsumedRecord[]) => {
      for (const r of batch) seen.set(r.value.toString(), (seen.get(r.value.toString()) ?? 0) + 1);
    });
    publisher = new PlatformaticEventPublisher({ brokers: broker.brokers, clientId: 'crash-test-p', deadlineMs: 5000, maxBufferedRecords: 10_000, maxBatchRecords: 500, lingerMs: 1, maxInFlightRequests: 1, lanes: 1 });
    await publish(0, 100);
    await eventually(async () => seen.size === 100, 30_000);
    expect(consumer.isHealthy()).toBe(true);

    await new Promise((r) => setTimeout(r, 1_000)); // the last commit lands
    await broker.crash();
    await eventually(async () => !consumer!.isHealthy(), 30_000, 100);
    await new Promise((r) => setTimeout(r, 5_000));
    await broker.restart();

    await eventually(
      async () => {
        await publish(100, 200);
        return true;
      },
      30_000,
      500,
    );
    // The old stream is gone; a rebuilt one must take its partitions and see the new records.
    await eventually(async () => consumer!.isHealthy() && [...Array(100).keys()].every((i) => seen.has(`r${100 + i}`)), 60_000, 250);
    expect(consumer.isLive()).toBe(true);
    // Records published before the crash were committed: never handed over again after the rebuild.
    for (let i = 0; i < 100; i++) expect(seen.get(`r${i}`)).toBe(1);
  });

  it('gives up after giveUpAfterMs with the broker gone for good: not live, onFatal called (the process then exits for its supervisor)', async () => {
    await consumer?.stop();
    const fatal: unknown[] = [];
    consumer = new PlatformaticBatchConsumer({
      brokers: broker.brokers,
      clientId: 'give-up-test',
      groupId: 'give-up-test',
      topics: [topic],
      maxBatchRecords: 50,
      maxBatchWaitMs: 50,
      retryMinMs: 100,
      retryMaxMs: 500,
      giveUpAfterMs: 3_000,
      onFatal: (error) => fatal.push(error),
    });
    await consumer.start(async () => undefined);
    expect(consumer.isLive()).toBe(true);
    await broker.crash();
    await eventually(async () => fatal.length === 1, 60_000, 200);
    expect(consumer.isLive()).toBe(false);
    expect(consumer.isHealthy()).toBe(false);
  });
});
