import { encodeSubmitted } from '@surge/reading-contracts/meter-reading-submitted.event';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { OutgoingRecord } from '@surge/kafka/kafka-record';
import { lookupHeld, matchedReading, type RegisterLookup } from './flow-reading.mapper';
import type { FlowRepository, WaitingReading } from './flow.repository';

export interface HeldReadingReleaserOptions {
  readonly topic: string;
  /** Held readings read (and at most published) per round trip. */
  readonly pageSize: number;
}

/**
 * Publishes flow readings that were held because the registry did not know their supply point, meter or
 * register (industry_flow_held), once this process's registry.v1 projection knows it.
 *
 * Guarantees:
 * - Never dropped: a held reading stays in PostgreSQL until it is released; nothing expires it.
 * - Published once in effect: the event is the one the flow would have published (same reading id, from
 *   flow id + line), with the account and digits the registry now gives. It is published (acks=all) before
 *   it is marked released, in one transaction with its per-reading row and the flow's counts. A crash or a
 *   second releaser in between republishes the same id, which the sink stores once; the counts move only
 *   for rows this transaction found still waiting.
 * - When: at once for a registry change about a supply point this process knows to be waiting (its own
 *   holds, and what the last sweep read), and at every sweep (start-up, once the registry is read to its
 *   end, then every sweep interval) for all of them, which covers another instance's holds and a restart.
 * - Order: a released reading reaches the sink after later readings of its register that were not held
 *   (a customer's, say): the sink judges it as a late read against the history it then has.
 */
export class HeldReadingReleaser {
  /** Supply points with readings held (as far as this process knows); bounded by what is held. */
  private readonly waiting = new Set<string>();
  /** Of those, the ones a registry change or a new hold makes worth looking at now. */
  private readonly dirty = new Set<string>();
  private sweepDue = true;

  constructor(
    private readonly flows: FlowRepository,
    private readonly publisher: EventPublisher,
    private readonly lookup: RegisterLookup,
    private readonly options: HeldReadingReleaserOptions,
    private readonly onReleased: (readings: number) => void = () => undefined,
  ) {}

  /** The processor committed holds for these supply points. */
  held(supplyPointIds: Iterable<string>): void {
    for (const id of supplyPointIds) {
      this.waiting.add(id);
      this.dirty.add(id);
    }
  }

  /** registry.v1 brought a newer snapshot of an account with these supply points. */
  registryChanged(supplyPointIds: Iterable<string>): void {
    for (const id of supplyPointIds) if (this.waiting.has(id)) this.dirty.add(id);
  }

  /** Asks for a look at every held reading on the next `releaseDue` (another instance's holds, a missed change). */
  sweep(): void {
    this.sweepDue = true;
  }

  get pending(): boolean {
    return this.sweepDue || this.dirty.size > 0;
  }

  /** Releases what the registry now matches; returns how many readings this call released. */
  async releaseDue(): Promise<number> {
    if (this.sweepDue) {
      this.sweepDue = false;
      try {
        const all = await this.flows.waitingSupplyPoints();
        this.waiting.clear();
        for (const id of all) {
          this.waiting.add(id);
          this.dirty.add(id);
        }
      } catch (error) {
        this.sweepDue = true;
        throw error;
      }
    }
    if (this.dirty.size === 0) return 0;
    const ids = [...this.dirty];
    this.dirty.clear();
    let released = 0;
    try {
      for (let i = 0; i < ids.length; i += 1000) released += await this.releaseFor(ids.slice(i, i + 1000));
    } catch (error) {
      // Kafka or PostgreSQL: look at them all again next time.
      for (const id of ids) this.dirty.add(id);
      throw error;
    }
    return released;
  }

  private async releaseFor(supplyPointIds: readonly string[]): Promise<number> {
    let released = 0;
    let after: WaitingReading | undefined;
    const stillWaiting = new Set<string>();
    for (;;) {
      const page = await this.flows.waitingReadings(supplyPointIds, this.options.pageSize, after);
      if (page.length === 0) break;
      after = page[page.length - 1];
      const due: (WaitingReading & { accountId: string })[] = [];
      const records: OutgoingRecord[] = [];
      for (const w of page) {
        const state = lookupHeld(w, this.lookup);
        if (!state) {
          stillWaiting.add(w.supplyPointId);
          continue;
        }
        const event = matchedReading(w.reading, state);
        due.push({ ...w, accountId: state.accountId });
        records.push({ topic: this.options.topic, key: event.supplyPointId, value: encodeSubmitted(event), headers: { 'correlation-id': event.correlationId, schema: event.schema } });
      }
      if (records.length > 0) {
        await this.publisher.publish(records);
        const n = await this.flows.markReleased(due);
        released += n;
        if (n > 0) this.onReleased(n);
      }
      if (page.length < this.options.pageSize) break;
    }
    for (const id of supplyPointIds) if (!stillWaiting.has(id)) this.waiting.delete(id);
    // A hold committed while this ran is found by the pass its held() call asked for; it re-adds itself here.
    for (const id of stillWaiting) this.waiting.add(id);
    return released;
  }
}
