import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import { RegisterStateProjection } from '@surge/registry-contracts/register-state.projection';
import { decodeRegistrySnapshot, RegistryRecordError } from '@surge/registry-contracts/registry-change.event';
import type { RegisterDirectory } from './reading-sink.service';

/**
 * read-sink's local copy of the registry: registry.v1 records applied to a RegisterStateProjection.
 *
 * Built by reading the compacted topic from its beginning at every start (nothing is persisted: compaction
 * keeps one record per account, so a rebuild reads each account once) and kept current by following it.
 * The registry service is never called: with it down the topic still holds the last state of every account,
 * so the sink keeps judging with it. Records are applied in any order and any number of times (the highest
 * revision per account wins), so a rebuild after a broker failure, which reads everything again, is harmless.
 * A record no consumer can use is counted and skipped, never a reason to stop.
 */
export class RegistryProjectionFeed implements RegisterDirectory {
  private readonly projection = new RegisterStateProjection();
  private skippedRecords = 0;

  constructor(private readonly onSkipped: (reason: string) => void = () => undefined) {}

  /** One record of registry.v1 (a tariff snapshot changes nothing here). */
  apply(record: ConsumedRecord): void {
    try {
      this.projection.apply(decodeRegistrySnapshot(record.value, record.key));
    } catch (error) {
      this.skippedRecords++;
      this.onSkipped(error instanceof RegistryRecordError ? error.reason : 'UNDECODABLE');
    }
  }

  register(supplyPointId: string, meterSerial: string, registerId: string) {
    return this.projection.register(supplyPointId, meterSerial, registerId);
  }

  get registers(): number {
    return this.projection.size;
  }

  get skipped(): number {
    return this.skippedRecords;
  }
}
