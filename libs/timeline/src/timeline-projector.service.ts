import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import type { AccountIdentifiers, TimelineEntry } from './timeline-entry.model';
import { mapRecord, type TimelineTopicKind } from './timeline-entry.mapper';
import type { TimelineRepository } from './timeline.repository';

export interface ProjectorObserver {
  projected(entries: number, identifiers: number): void;
  /** Once per entry this batch stored (not for redeliveries): seconds from the fact to its entry on the timeline. */
  stored?(source: TimelineEntry['source'], seconds: number): void;
  /**
   * Once per entry this batch stored: seconds from its record reaching the topic (the record's timestamp) to its
   * entry on the timeline. The timeline's own part of `stored` (the rest is the source's, e.g. the sink's ClickHouse
   * write and outcome publish after its decision).
   */
  storedAfterTopic?(source: TimelineEntry['source'], seconds: number): void;
  skipped(record: ConsumedRecord, reason: 'malformed' | 'unknown-topic'): void;
}

const noop: ProjectorObserver = { projected: () => undefined, skipped: () => undefined };

/**
 * Builds the read model from a batch of records of any of the timeline's topics.
 *
 * Delivery: the consumer gives at least once and commits offsets only after `handle` resolved, and `handle`
 * resolves only after the repository committed the batch's entries (one transaction), so an entry is never
 * lost; a redelivered batch rewrites nothing (derived entry ids, highest registry revision wins). A store
 * failure throws: the same batch is retried, nothing is committed. A malformed record is skipped and
 * reported, never thrown, so it cannot stall its partition (the topic still holds it for anyone who looks).
 */
export class TimelineProjector {
  constructor(
    private readonly repository: TimelineRepository,
    /** Resolved topic name → which contract it carries. */
    private readonly topics: ReadonlyMap<string, TimelineTopicKind>,
    private readonly observer: ProjectorObserver = noop,
    private readonly clock: () => number = Date.now,
  ) {}

  async handle(batch: readonly ConsumedRecord[]): Promise<void> {
    const entries: TimelineEntry[] = [];
    const onTopicAt = new Map<string, number>();
    const identifiers: AccountIdentifiers[] = [];
    for (const record of batch) {
      const topic = this.topics.get(record.topic);
      if (!topic) {
        this.observer.skipped(record, 'unknown-topic');
        continue;
      }
      const mapped = mapRecord(topic, record.value);
      if (mapped.kind === 'skip') {
        if (mapped.reason === 'malformed') this.observer.skipped(record, 'malformed');
        continue;
      }
      if (mapped.kind === 'identifiers') {
        identifiers.push(mapped.identifiers);
        if (mapped.entry) entries.push(mapped.entry);
      } else entries.push(mapped.entry);
      const entry = mapped.entry;
      if (entry && !onTopicAt.has(entry.entryId)) onTopicAt.set(entry.entryId, record.timestamp);
    }
    const stored = await this.repository.apply(entries, identifiers);
    const now = this.clock();
    for (const e of entries) {
      if (!stored.has(e.entryId)) continue;
      this.observer.stored?.(e.source, Math.max(0, (now - Date.parse(e.occurredAt)) / 1000));
      const at = onTopicAt.get(e.entryId);
      if (at !== undefined && Number.isFinite(at) && at > 0) this.observer.storedAfterTopic?.(e.source, Math.max(0, (now - at) / 1000));
    }
    this.observer.projected(entries.length, identifiers.length);
  }
}
