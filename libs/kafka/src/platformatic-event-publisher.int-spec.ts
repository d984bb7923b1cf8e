import { Admin } from '@platformatic/kafka';
import { AppError } from '@surge/errors/app.error';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { NOT_CONFIRMED, PlatformaticEventPublisher } from './platformatic-event-publisher';
import { deleteTopics, ensureTopics } from './topic.admin';

/**
 * Issue 11, item 5, on the real broker: a publish answered "unavailable" because its deadline passed can still
 * land in the topic. The 503 must say the reading may have been stored (and how to retry safely), never that
 * nothing was accepted.
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

  it('a write past its deadline answers 503 "may or may not have been stored", and is in fact stored', async () => {
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
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ kind: 'unavailable', code: 'INGEST_UNAVAILABLE', message: NOT_CONFIRMED });
    expect((error as Error).message).not.toMatch(/nothing was (accepted|confirmed)/i);
    expect((error as Error).message).toMatch(/may or may not have been.*same Idempotency-Key/);
    // ...and yet the record is there: the wording "nothing was accepted" would have been false.
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
