import type { ConsumedRecord } from './kafka-record';

/**
 * Handles one batch. Resolve only when every record's effect is durable (or
 * the record was dead-lettered). Throw to have the SAME batch retried after a
 * backoff, without committing anything: use that for retriable failures
 * (a database down). Poison records must not throw: dead-letter them and
 * resolve, or the partition stalls.
 */
export type BatchHandler = (batch: readonly ConsumedRecord[]) => Promise<void>;

/**
 * Consumes topics in a consumer group.
 *
 * Delivery guarantee: at least once. Offsets are committed only after the
 * handler resolved for the batch that contains them, so a crash between the
 * handler's write and the commit redelivers the batch: handlers must be
 * idempotent. Within a partition, batches are handled in offset order and
 * never concurrently.
 */
export interface BatchConsumer {
  start(handler: BatchHandler): Promise<void>;
  /** Stops fetching, lets the batch in hand finish (and commit), then leaves the group. */
  stop(): Promise<void>;
  /** Lag per partition as last observed (for metrics and autoscaling). */
  lag(): ReadonlyMap<string, number>;
  /** In its group and fetching: the instance is ready. False while it rebuilds itself after a broker failure. */
  isHealthy(): boolean;
  /** False once it has given up rebuilding itself: the process must be restarted (liveness). */
  isLive(): boolean;
}
