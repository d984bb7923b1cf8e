import { Admin } from '@platformatic/kafka';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { KafkaUnavailableError } from './kafka-unavailable.error';
import { PlatformaticEventPublisher } from './platformatic-event-publisher';
import { deleteTopics, ensureTopics } from './topic.admin';

/**
 * Issue 11, item 5, on the real broker: a publish answered "unavailable" because its deadline passed can still
 * land in the topic. The publisher must report it as not confirmed (the records may have been written), never as
 * refused before handing over, so the feature's 503 can say the reading may have been stored
 * (libs/reading-intake/src/publish-failure.mapper.ts).
 */
describe('PlatformaticEventPublisher on a real broker', () => {
  const topic = uniqueName('publisher-deadline');
  const admin = new Admin({ clientId: 'publisher-int-spec', bootstrapBrokers: testEnv.KAFKA_BROKERS });
  let publisher: PlatformaticEventPublisher | undefined;

  beforeAll(() => ensureTopics(testEnv.KAFKA_BROKERS, [{ name: topic, partitions: 1, config: {} }]));
  afterAll(async () => {
    await publisher?.close();
    await admin.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, [topic]).catch(() => undefined);
  });

  it('a write past its deadline is reported "not confirmed" (may have been written), and is in fact stored', async () => {
    publisher = new PlatformaticEventPublisher({
      brokers: testEnv.KAFKA_BROKERS,
      clientId: uniqueName('deadline'),
      deadlineMs: 1, // shorter than any acks=all round trip: the caller is answered before the broker confirms
      maxBufferedRecords: 100,
      maxBatchRecords: 10,
      lingerMs: 0,
      maxInFlightRequests: 1,
      lanes: 1,
    });
    const error = await publisher.publish([{ topic, key: '1012345678901', value: 'reading' }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaUnavailableError);
    expect(error).toMatchObject({ reason: 'not_confirmed', mayHaveBeenWritten: true });
    // ...and yet the record is there: "refused, nothing handed over" would have been false.
    const deadline = Date.now() + 10_000;
    let end = 0n;
    while (end === 0n && Date.now() < deadline) {
      const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
      end = listed?.partitions[0]?.offset ?? 0n;
      if (end === 0n) await new Promise((r) => setTimeout(r, 100));
    }
    expect(end).toBe(1n);
  });
});
