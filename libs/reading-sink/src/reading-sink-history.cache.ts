import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import type { HistoricReading } from '@surge/reading-store/meter-reading.repository';

interface Entry {
  /** `topic:partition` the register's readings arrive on (key = supply point, so always the same one). */
  readonly partition: string;
  readonly history: readonly HistoricReading[];
}

/**
 * The accepted history of recently seen registers, kept by the sink between batches so a register it
 * has just written is not read back from ClickHouse on its next reading (the history query was the
 * largest ClickHouse cost per batch, and parsing its answer a large part of the sink's).
 *
 * Why a cached history equals what ClickHouse holds (the invariant the checks need):
 * - Only the sink writes a register's decisions, and one register's readings all arrive on one
 *   partition (key = supply point), which one consumer of the group owns at a time. So while this
 *   instance handles a partition's offsets without a gap, every accepted reading of its registers
 *   passed through this instance: the cache saw it.
 * - A register is kept with the partition it was seen on; met on another one (the topic gained
 *   partitions), its entry is dropped, whatever the offsets say.
 * - A gap or a rewind in a partition's offsets (a rebalance gave the partition to another consumer
 *   and back, a commit was lost, a restart) means another consumer may have decided readings this one
 *   did not see: every register of that partition is dropped and read again from ClickHouse.
 * - Another consumer may also have written readings that this one is then redelivered (it crashed
 *   before committing). Those arrive in offset order and are found by the sink's lookup of decided
 *   readings; the sink adds the accepted ones to the history it keeps, so the cache catches up
 *   before any later reading is judged.
 * - Updates are applied only after a batch's write was confirmed and its outcome events
 *   acknowledged (`commit`): a failed batch leaves the cache as it was, and its retry is judged
 *   against the same history.
 * - Bounded: at most `maxReadings` historic readings, least recently used registers dropped first. A
 *   dropped register is simply read from ClickHouse again.
 * Not covered: a process other than the sink writing accepted readings for a register the sink has
 * cached. Today only the billing demo seeder writes meter_readings besides the sink, and it also runs
 * while the sink does (billing-cli seed in scripts/demo-day.ts): safe only because each seed is of
 * accounts the sink has never seen (a register is cached only after the sink handled a reading of it).
 * Seeding an account again, or any other writer, must go through the topic, or the sink must be
 * restarted after it.
 */
export class RegisterHistoryCache {
  /** Map order is recency: a touched entry is deleted and set again, so the first is the least recent. */
  private readonly entries = new Map<string, Entry>();
  /** Per partition, the offset after the last one this instance handled. */
  private readonly nextOffset = new Map<string, bigint>();
  private readings = 0;

  constructor(private readonly maxReadings: number) {}

  /** Before a batch is judged: drop every register of a partition whose offsets do not continue where this instance left off. */
  admit(batch: readonly ConsumedRecord[]): void {
    const first = new Map<string, bigint>();
    for (const r of batch) {
      const p = partitionOf(r);
      const seen = first.get(p);
      if (seen === undefined || r.offset < seen) first.set(p, r.offset);
    }
    for (const [p, offset] of first) {
      if (this.nextOffset.get(p) !== offset) this.dropPartition(p);
    }
  }

  /**
   * A copy the caller may change; undefined when the register is not cached, or was cached from another
   * partition than the one its reading now arrives on (the topic gained partitions, so key = supply point maps
   * elsewhere: the partition it came from may have stayed here without a gap while another consumer decided
   * its readings on the new one). Such an entry is dropped and the register read again from ClickHouse.
   */
  get(registerKey: string, partition: string): HistoricReading[] | undefined {
    const entry = this.entries.get(registerKey);
    if (!entry) return undefined;
    this.entries.delete(registerKey);
    if (entry.partition !== partition) {
      this.readings -= entry.history.length;
      return undefined;
    }
    this.entries.set(registerKey, entry);
    return entry.history.slice();
  }

  /**
   * After the batch is durable in ClickHouse and its outcome events acknowledged: the registers'
   * histories as they now stand, and where each partition's offsets continue.
   */
  commit(batch: readonly ConsumedRecord[], histories: ReadonlyMap<string, { partition: string; history: readonly HistoricReading[] }>): void {
    // Batches are handled one at a time in offset order: where this one ends is where the next must start.
    const ends = new Map<string, bigint>();
    for (const r of batch) {
      const p = partitionOf(r);
      const end = ends.get(p);
      if (end === undefined || r.offset + 1n > end) ends.set(p, r.offset + 1n);
    }
    for (const [p, end] of ends) this.nextOffset.set(p, end);
    for (const [key, { partition, history }] of histories) {
      const old = this.entries.get(key);
      if (old) {
        this.readings -= old.history.length;
        this.entries.delete(key);
      }
      // One register larger than the whole budget is never kept: it would evict everything else.
      if (history.length > this.maxReadings) continue;
      this.entries.set(key, { partition, history });
      this.readings += history.length;
    }
    for (const [key, entry] of this.entries) {
      if (this.readings <= this.maxReadings) break;
      this.entries.delete(key);
      this.readings -= entry.history.length;
    }
  }

  get size(): { registers: number; readings: number } {
    return { registers: this.entries.size, readings: this.readings };
  }

  private dropPartition(partition: string): void {
    for (const [key, entry] of this.entries) {
      if (entry.partition !== partition) continue;
      this.entries.delete(key);
      this.readings -= entry.history.length;
    }
  }
}

export const partitionOf = (r: Pick<ConsumedRecord, 'topic' | 'partition'>): string => `${r.topic}:${r.partition}`;
