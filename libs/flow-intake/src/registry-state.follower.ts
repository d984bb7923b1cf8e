import { randomUUID } from 'node:crypto';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import { RegisterStateProjection, type RegisterState } from '@surge/registry-contracts/register-state.projection';
import { decodeRegistrySnapshot } from '@surge/registry-contracts/registry-change.event';

/** Where the end of the topic is now (libs/kafka topic.admin endOffsets). */
export type EndOffsets = () => Promise<ReadonlyMap<number, bigint>>;

/**
 * This process's copy of the registry, built from registry.v1 (compacted: one snapshot per account) into a
 * RegisterStateProjection, never by calling the registry. The consumer reads from the beginning in a group of
 * its own (a fresh id per process), so every instance holds the whole projection.
 *
 * `caughtUp()` is true once every record that was on the topic when it was asked has been applied: the
 * processor asks before it matches a flow, so a reading is never rejected as unknown for want of a
 * registry change that was already published.
 */
export class RegistryStateFollower {
  readonly projection = new RegisterStateProjection();
  private readonly applied = new Map<number, bigint>();
  private changeListener: (supplyPointIds: readonly string[]) => void = () => undefined;

  constructor(
    private readonly consumer: BatchConsumer,
    private readonly endOffsets: EndOffsets,
    private readonly onUndecodable: (record: ConsumedRecord) => void = () => undefined,
  ) {}

  /** A group id no other process uses: offsets of this group are never shared, each start reads from the beginning. */
  static groupId(prefix: string): string {
    return `${prefix}flow-intake-registry-${randomUUID()}`;
  }

  async start(): Promise<void> {
    await this.consumer.start(async (batch) => this.apply(batch));
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  /** Told the supply points of every account snapshot that changed the projection (what may release held readings). */
  onChange(listener: (supplyPointIds: readonly string[]) => void): void {
    this.changeListener = listener;
  }

  apply(batch: readonly ConsumedRecord[]): void {
    for (const record of batch) {
      try {
        const snapshot = decodeRegistrySnapshot(record.value, record.key);
        if (this.projection.apply(snapshot) && 'supplyPoints' in snapshot) this.changeListener(snapshot.supplyPoints.map((sp) => sp.supplyPointId));
      } catch {
        this.onUndecodable(record);
      }
      const seen = this.applied.get(record.partition);
      if (seen === undefined || record.offset > seen) this.applied.set(record.partition, record.offset);
    }
  }

  async caughtUp(): Promise<boolean> {
    const ends = await this.endOffsets();
    for (const [partition, end] of ends) {
      if (end === 0n) continue;
      const seen = this.applied.get(partition);
      if (seen === undefined || seen < end - 1n) return false;
    }
    return true;
  }

  register(supplyPointId: string, meterSerial: string, registerId: string): RegisterState | undefined {
    return this.projection.register(supplyPointId, meterSerial, registerId);
  }

  /** The register's account and digits (RegisterStateProjection.match): the flow processor's lookup. */
  match(supplyPointId: string, meterSerial: string, registerId: string): { readonly accountId: string; readonly digits: number } | undefined {
    return this.projection.match(supplyPointId, meterSerial, registerId);
  }
}
