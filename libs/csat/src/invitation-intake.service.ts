import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import { planInvitations, throttleLookupRange, type InvitationPolicy, type SkipReason } from './invitation.policy';
import type { InvitationRepository, OutcomeInteraction, RecordedDecision } from './invitation.repository';
import { decodeOutcome, MalformedOutcomeError } from './reading-outcome.decoder';

export interface IntakeObserver {
  invited(count: number): void;
  skipped(reason: SkipReason | 'malformed', count: number): void;
  malformed(record: ConsumedRecord, reason: string, detail: string): void;
}

const noopObserver: IntakeObserver = { invited: () => undefined, skipped: () => undefined, malformed: () => undefined };

/**
 * Turns a batch of reading outcome events into survey invitations.
 *
 * Guarantees, given the BatchConsumer's commit-after-resolve contract:
 * - Idempotent: a redelivered batch (crash between our commit and Kafka's
 *   offset commit) decides the same way and stores nothing new: at most one
 *   invitation per interaction, the throttle still holds.
 * - A malformed event is logged and skipped, never retried: it can never
 *   succeed and must not stall the partition. (CSAT is not worth a reading
 *   outcome's dead-letter topic; the event remains in Kafka for inspection.)
 * - A database failure throws: the whole batch is retried after a backoff,
 *   nothing committed. So CSAT catches up after any outage from Kafka's
 *   retained outcomes, and ingestion never waits for CSAT.
 */
export class InvitationIntakeService {
  constructor(
    private readonly repository: InvitationRepository,
    private readonly policy: InvitationPolicy,
    private readonly observer: IntakeObserver = noopObserver,
    private readonly clock: () => number = Date.now,
  ) {}

  async handle(batch: readonly ConsumedRecord[]): Promise<RecordedDecision[]> {
    const interactions: OutcomeInteraction[] = [];
    for (const record of batch) {
      try {
        interactions.push(decodeOutcome(record.value));
      } catch (error) {
        const reason = error instanceof MalformedOutcomeError ? error.reason : 'UNDECODABLE';
        this.observer.malformed(record, reason, String((error as Error)?.message ?? error));
        this.observer.skipped('malformed', 1);
      }
    }
    if (interactions.length === 0) return [];
    const now = this.clock();
    const results = await this.repository.record(interactions, throttleLookupRange(interactions, this.policy), ({ history }) =>
      planInvitations(interactions, history, this.policy, now),
    );
    const skipped = new Map<SkipReason, number>();
    let invited = 0;
    for (const r of results) {
      if (r.invitationId) invited++;
      else if (!r.decision.invite) skipped.set(r.decision.reason, (skipped.get(r.decision.reason) ?? 0) + 1);
    }
    if (invited > 0) this.observer.invited(invited);
    for (const [reason, n] of skipped) this.observer.skipped(reason, n);
    return results;
  }
}
