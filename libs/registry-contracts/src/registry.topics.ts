export const REGISTRY_TOPICS = {
  /**
   * The registry's state (./registry-change.event.ts): one snapshot per change, key = account id or tariff:<id>.
   * Compacted, never deleted by age: the last record of each key is that entity's current state, so a new
   * consumer builds its local state by reading from the beginning.
   */
  registry: { name: 'registry.v1', partitions: 6, config: { 'cleanup.policy': 'compact', 'min.insync.replicas': '1', 'min.compaction.lag.ms': '60000' } },
} as const;
