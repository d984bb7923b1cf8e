import { Admin } from '@platformatic/kafka';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { deleteTopics, ensureTopics } from './topic.admin';

/**
 * ensureTopics returns only once the topics it created are usable: every partition has a leader in the
 * broker's metadata. A service that subscribed the moment CreateTopics answered was told "unknown topic" and
 * exited (the timeline on a fresh prefix, on a busy broker). The race itself cannot be forced here; what is
 * checked is the contract a starting service relies on, on the real broker, with a client that asks once.
 */
describe('ensureTopics on a real broker', () => {
  const topics = [uniqueName('ensure-a'), uniqueName('ensure-b')];
  const admin = new Admin({ clientId: 'topic-admin-int-spec', bootstrapBrokers: testEnv.KAFKA_BROKERS, retries: 0 });

  afterAll(async () => {
    await admin.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, topics).catch(() => undefined);
  });

  it('answers once every partition of every created topic has a leader; existing topics are left as they are', async () => {
    await ensureTopics(testEnv.KAFKA_BROKERS, topics.map((name) => ({ name, partitions: 6, config: {} })));
    const metadata = await admin.metadata({ topics, forceUpdate: true, retries: 0 });
    for (const name of topics) {
      const topic = metadata.topics.get(name)!;
      expect(topic.partitions).toHaveLength(6);
      expect(topic.partitions.every((p) => p.leader >= 0)).toBe(true);
    }
    // Existing topics: nothing created, nothing to wait for, no error.
    await expect(ensureTopics(testEnv.KAFKA_BROKERS, topics.map((name) => ({ name, partitions: 6, config: {} })))).resolves.toBeUndefined();
  });
});
