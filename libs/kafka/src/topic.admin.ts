import { Admin } from '@platformatic/kafka';
import type { TopicSpec } from './topic.model';

/**
 * Creates missing topics with their partitions and config; existing topics
 * are left as they are (changing partition counts would reshuffle keys).
 * Safe to run at every start and from many instances at once.
 */
export async function ensureTopics(brokers: string[], specs: readonly TopicSpec[], replicas = 1): Promise<void> {
  const admin = new Admin({ clientId: 'surge-topic-admin', bootstrapBrokers: brokers, retries: 5, retryDelay: 500 });
  try {
    const existing = new Set(await admin.listTopics());
    for (const spec of specs) {
      if (existing.has(spec.name)) continue;
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
  } finally {
    await admin.close();
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
