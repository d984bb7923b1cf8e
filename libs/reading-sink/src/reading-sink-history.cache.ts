import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import type { HistoricReading } from '@surge/reading-store/meter-reading.repository';
import { parseInstant } from '@surge/meter-domain/instant.model';
import { isEstimate, isReadingSource, type ReadingSource } from '@surge/meter-domain/reading.model';
import { isStoredValue } from '@surge/meter-domain/reading-value.parser';

/**
 * A register's accepted history as the sink judges a batch with it: complete (from ClickHouse, `floorMs`
 * -Infinity) or the kept tail (`floorMs` = the instant below which readings are not held here; see
 * RegisterHistoryCache). Sorted by readAt.
 */
export interface WorkingHistory {
  readonly partition: string;
  readonly history: HistoricReading[];
  readonly floorMs: number;
}

interface Entry {
  /** `topic:partition` the register's readings arrive on (key = supply point, so always the same one). */
  readonly partition: string;
  /** The tail: every accepted reading at or after the last actual (non-estimate) one; all of them when none is actual. */
  readonly tail: readonly HistoricReading[];
  /** The tail's first instant when it starts at an actual reading (older readings are not kept); -Infinity when the tail is the whole history. */
  readonly floorMs: number;
  /** The register's latest accepted instant (ms): the tail's last reading. */
  readonly latestMs: number;
}

/** A tail longer than this (a long run of estimates) is not kept: the register is read from ClickHouse instead. */
const MAX_TAIL = 16;

/**
 * What the sink keeps of recently seen registers between batches, so a register it has just written is not
 * read back from ClickHouse on its next reading (the history query was the largest ClickHouse cost per batch,
 * and parsing its answer a large part of the sink's).
 *
 * Compact: per register only the tail of its accepted history, from the last actual reading on (usually one or
 * two readings), not the whole history. Why that is enough, exactly, for a reading dated at or after the
 * register's latest accepted one (the plausibility checker, meter-domain, as the sink calls it: no supply start,
 * no meter exchange): such a reading is never backdated; readings at its own instant are at or after the latest,
 * so in the tail; its previous reading is the latest, and when that is an estimate the checker walks back to the
 * last actual one, the tail's first; readings after it can only be ones accepted in the same batch, which the
 * working copy holds. A reading dated before the latest (backdated, 2% of a surge) needs the readings around it:
 * `get` says so and the sink reads that register's whole history from ClickHouse for the batch. Adding a reading
 * dated before the tail's first changes neither the tail nor any later judgement, so such readings (a redelivery,
 * a review) are simply not added to a tail. A tail is kept only when every reading in the history parses (the
 * checker flags a malformed one wherever it is), and only up to MAX_TAIL readings.
 *
 * Why a kept tail equals what ClickHouse holds (the invariant the checks need):
 * - Only the sink writes a register's decisions, and one register's readings all arrive on one
 *   partition (key = supply point), which one consumer of the group owns at a time. So while this
 *   instance handles a partition's offsets without a gap, every accepted reading of its registers
 *   passed through this instance: the cache saw it.
 * - A register is kept with the partition it was seen on; met on another one (the topic gained
 *   partitions), its entry is dropped, whatever the offsets say.
 * - A gap or a rewind in a partition's offsets (a rebalance gave the partition to another consumer
 *   and back, a commit was lost, a restart) means another consumer may have decided readings this one
 *   did not see: every register of that partition is dropped and read again from ClickHouse. A restart
 *   starts empty: the first batch of every register reads ClickHouse.
 * - Another consumer may also have written readings that this one is then redelivered (it crashed
 *   before committing). Those arrive in offset order and are found by the sink's lookup of decided
 *   readings; the sink adds the accepted ones to the history it keeps, so the cache catches up
 *   before any later reading is judged.
 * - Updates are applied only after a batch's write was confirmed and its outcome events
 *   acknowledged (`commit`): a failed batch leaves the cache as it was, and its retry is judged
 *   against the same history.
 * - Bounded: at most `maxRegisters` registers, least recently used dropped first. A dropped register is
 *   simply read from ClickHouse again.
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

  constructor(private readonly maxRegisters: number) {}

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
   * The kept tail as a working copy the caller may change, when it is enough to judge the register's readings
   * of this batch: every one of them (those not decided before) dated at or after the register's latest accepted
   * instant (`earliestMs`, undefined when the batch judges none). Undefined otherwise: the caller reads the whole
   * history. Also undefined when the register is not kept, or was kept from another partition than the one its
   * reading now arrives on (the topic gained partitions, so key = supply point maps elsewhere: the partition it
   * came from may have stayed here without a gap while another consumer decided its readings on the new one);
   * such an entry is dropped.
   */
  get(registerKey: string, partition: string, earliestMs: number | undefined): WorkingHistory | undefined {
    const entry = this.entries.get(registerKey);
    if (!entry) return undefined;
    this.entries.delete(registerKey);
    if (entry.partition !== partition) {
      this.readings -= entry.tail.length;
      return undefined;
    }
    this.entries.set(registerKey, entry);
    if (earliestMs !== undefined && !(earliestMs >= entry.latestMs)) return undefined;
    return { partition, history: entry.tail.slice(), floorMs: entry.floorMs };
  }

  /**
   * After the batch is durable in ClickHouse and its outcome events acknowledged: the registers'
   * histories as they now stand (complete, or a kept tail with what the batch added), and where each
   * partition's offsets continue.
   */
  commit(batch: readonly ConsumedRecord[], histories: ReadonlyMap<string, WorkingHistory>): void {
    // Batches are handled one at a time in offset order: where this one ends is where the next must start.
    const ends = new Map<string, bigint>();
    for (const r of batch) {
      const p = partitionOf(r);
      const end = ends.get(p);
      if (end === undefined || r.offset + 1n > end) ends.set(p, r.offset + 1n);
    }
    for (const [p, end] of ends) this.nextOffset.set(p, end);
    for (const [key, working] of histories) {
      const old = this.entries.get(key);
      if (old) {
        this.readings -= old.tail.length;
        this.entries.delete(key);
      }
      const entry = entryOf(working);
      if (!entry) continue;
      this.entries.set(key, entry);
      this.readings += entry.tail.length;
    }
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxRegisters) break;
      this.entries.delete(key);
      this.readings -= entry.tail.length;
    }
  }

  get size(): { registers: number; readings: number } {
    return { registers: this.entries.size, readings: this.readings };
  }

  private dropPartition(partition: string): void {
    for (const [key, entry] of this.entries) {
      if (entry.partition !== partition) continue;
      this.entries.delete(key);
      this.readings -= entry.tail.length;
    }
  }
}

/**
 * A history reading found well formed, with its instant parsed: what a kept tail holds, so a tail is neither
 * checked nor parsed again at each batch's commit (that re-parse, and the WeakSet that remembered the check, were
 * ~5% of the sink's CPU). A value: never changed once made (the checker remembers its parse by identity too).
 */
export class KeptReading implements HistoricReading {
  private constructor(
    readonly readingId: string,
    readonly readAt: string,
    readonly value: string,
    readonly source: string,
    /** readAt in epoch ms. */
    readonly atMs: number,
  ) {}

  /** The reading as kept, or undefined when the checker would ignore it as malformed. */
  static of(h: HistoricReading): KeptReading | undefined {
    return h instanceof KeptReading ? h : KeptReading.from(h.readingId, h.readAt, h.value, h.source);
  }

  static from(readingId: string, readAt: string, value: string, source: string): KeptReading | undefined {
    const t = parseInstant(readAt);
    if (t === null || typeof readingId !== 'string' || !isReadingSource(source) || !isStoredValue(value)) return undefined;
    return new KeptReading(readingId, readAt, value, source, t);
  }
}

/** The entry to keep for a working history, or undefined when it cannot be kept exactly (see the class). */
function entryOf({ partition, history, floorMs: workingFloorMs }: WorkingHistory): Entry | undefined {
  const complete = workingFloorMs === -Infinity;
  if (history.length === 0) return complete ? { partition, tail: [], floorMs: -Infinity, latestMs: -Infinity } : undefined;
  // Every reading is checked, not only the tail's: one the checker would ignore as malformed flags every judgement
  // of the register wherever it is, so such a register is judged from ClickHouse. A KeptReading was checked when
  // made (a kept tail, a reading this instance accepted): nothing to parse again.
  const kept: KeptReading[] = [];
  let lastActual = -1;
  for (let i = 0; i < history.length; i++) {
    const k = KeptReading.of(history[i]!);
    if (!k) return undefined;
    if (i > 0 && k.atMs < kept[i - 1]!.atMs) return undefined; // not sorted: never expected, never trusted
    kept.push(k);
    if (!isEstimate(k.source as ReadingSource)) lastActual = i;
  }
  // Without an actual reading the tail is the whole history, which only a complete working copy has.
  if (lastActual < 0 && !complete) return undefined;
  const floorMs = lastActual < 0 ? -Infinity : kept[lastActual]!.atMs;
  let from = lastActual < 0 ? 0 : lastActual;
  while (from > 0 && kept[from - 1]!.atMs >= floorMs) from--;
  if (kept.length - from > MAX_TAIL) return undefined;
  return { partition, tail: kept.slice(from), floorMs, latestMs: kept.at(-1)!.atMs };
}

/** `topic:partition` names, made once per partition rather than once per record and pass (three passes a batch). */
const partitionNames = new Map<string, string[]>();
export const partitionOf = (r: Pick<ConsumedRecord, 'topic' | 'partition'>): string => {
  let names = partitionNames.get(r.topic);
  if (!names) partitionNames.set(r.topic, (names = []));
  return (names[r.partition] ??= `${r.topic}:${r.partition}`);
};
