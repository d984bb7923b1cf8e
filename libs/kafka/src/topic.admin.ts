import { Admin } from '@platformatic/kafka';
import type { TopicSpec } from './topic.model';

/**
 * Creates missing topics with their partitions and config; existing topics
 * are left as they are (changing partition counts would reshuffle keys).
 * Safe to run at every start and from many instances at once.
 * Returns only once every topic it created has a leader for each partition (bounded by `readyWithinMs`): a
 * consumer that subscribed the moment CreateTopics answered was told "unknown topic" and gave up (seen when
 * the timeline started on a fresh prefix).
 */
export async function ensureTopics(brokers: string[], specs: readonly TopicSpec[], replicas = 1, readyWithinMs = 15_000): Promise<void> {
  const admin = new Admin({ clientId: 'surge-topic-admin', bootstrapBrokers: brokers, retries: 5, retryDelay: 500 });
  const created: TopicSpec[] = [];
  try {
    const existing = new Set(await admin.listTopics());
    for (const spec of specs) {
      if (existing.has(spec.name)) continue;
      created.push(spec);
      try {
        await admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas,
          configs: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
        });
      } catch (error) {
        // Another instance created it first: fine.
        if (!/already exists/i.test(String((error as Error)?.message) + JSON.stringify((error as { errors?: unknown }).errors ?? ''))) throw error;
      }
    }
    if (created.length > 0) await untilLed(admin, created, readyWithinMs);
  } finally {
    await admin.close();
  }
}

/** Waits until the broker's metadata gives each topic all its partitions, each with a leader; throws past the deadline. */
async function untilLed(admin: Admin, specs: readonly TopicSpec[], withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      const metadata = await admin.metadata({ topics: specs.map((s) => s.name), forceUpdate: true });
      const led = specs.every((spec) => {
        const topic = metadata.topics.get(spec.name);
        return topic !== undefined && topic.partitions.length >= spec.partitions && topic.partitions.every((p) => p !== undefined && p.leader >= 0);
      });
      if (led) return;
    } catch {
      // Not known yet (UNKNOWN_TOPIC_OR_PARTITION): ask again.
    }
    if (Date.now() > deadline) throw new Error(`topics ${specs.map((s) => s.name).join(', ')} have no leader ${withinMs} ms after they were created`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function deleteTopics(brokers: string[], names: string[]): Promise<void> {
  const admin = new Admin({ clientId: 'surge-topic-admin', bootstrapBrokers: brokers });
  try {
    await admin.deleteTopics({ topics: names });
  } finally {
    await admin.close();
  }
}

/** The next offset to be written on each partition (the high watermark): what a follower must have read to be caught up. */
export async function endOffsets(brokers: string[], spec: TopicSpec): Promise<Map<number, bigint>> {
  const admin = new Admin({ clientId: 'surge-topic-admin', bootstrapBrokers: brokers, retries: 2, retryDelay: 250 });
  try {
    const partitions = Array.from({ length: spec.partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
    const listed = await admin.listOffsets({ topics: [{ name: spec.name, partitions }] });
    return new Map((listed[0]?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
  } finally {
    await admin.close();
  }
}
