import type { Pool, PoolClient } from 'pg';
import { membershipV1, type MembershipV1 } from '@surge/flexibility-contracts/flexibility.events';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { flexibilityCategoryMove } from './category-move.policy';
import { RegistryRepository } from './registry.repository';
import { translate } from './registry.service';

export interface MembershipIntakeObserver {
  /** Requests handled in this batch by outcome (a redelivered request is counted as `duplicate`). */
  handled(outcomes: Readonly<Record<string, number>>): void;
  /** A record that can never be a membership fact (not the contract): skipped, the partition goes on. */
  poison(reason: string, key: string): void;
}

export type MembershipOutcome = 'applied' | 'already-moved' | 'unknown-account' | 'not-allowed' | 'duplicate' | 'ignored';

/** Who the history row says recorded the change: the fact that asked for it, so an auditor can find it on the topic. */
export const recordedByFlexibility = (requestId: string): string => `flexibility:${requestId}`;

const londonDay = (at: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/**
 * flex.membership.v1 -> the registry's category history (issue 17: a D customer who enrols moves to C).
 *
 * The registry owns accounts; flexibility only asks. Each `category-change-requested` record is handled in
 * one PostgreSQL transaction that holds: the request's row in registry_membership_requests (its id is the
 * key: a redelivered record finds it and changes nothing), and, when the account is still D, a new
 * version row in registry_account_versions (effective from the London day of the enrolment, or the latest
 * version's day if that is later: history stays in date order), the accounts projection billing reads,
 * and the account's snapshot in the registry outbox (published on registry.v1 like every other change, so
 * read-sink, billing and the timeline see it). An account that is no longer D is not moved (a person
 * moved it since: their change stands); an unknown account is recorded, not retried forever.
 *
 * Delivery: at least once from Kafka (the consumer commits offsets only after this resolves), exactly once
 * in the history (the request id). PostgreSQL down: throws, the batch is retried, nothing committed.
 */
export class FlexMembershipIntake {
  private readonly repo = new RegistryRepository();

  constructor(private readonly pool: Pool, private readonly observer: MembershipIntakeObserver, private readonly onCommitted: () => void = () => undefined) {}

  async handle(batch: ReadonlyArray<{ key: string; value: Buffer }>): Promise<void> {
    const outcomes: Record<string, number> = {};
    let changed = false;
    for (const r of batch) {
      let fact: MembershipV1;
      try {
        fact = membershipV1.parse(JSON.parse(r.value.toString('utf8')));
        // Checked here, not by PostgreSQL: a bad instant would fail the transaction and stall the partition.
        if (Number.isNaN(Date.parse(fact.at))) throw new Error(`at ${JSON.stringify(fact.at).slice(0, 40)} is not an instant`);
      } catch (e) {
        this.observer.poison(String((e as Error).message).slice(0, 300), r.key);
        continue;
      }
      // In offset order, one transaction each: one account's requests keep their order (key = account id).
      const outcome = await this.apply(fact).catch((e: unknown) => {
        throw translate(e);
      });
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      changed ||= outcome === 'applied';
    }
    if (changed) this.onCommitted();
    if (Object.keys(outcomes).length > 0) this.observer.handled(outcomes);
  }

  /** One request, whole or not at all. */
  async apply(fact: MembershipV1): Promise<MembershipOutcome> {
    if (fact.change !== 'category-change-requested') return 'ignored';
    return inTransaction(this.pool, async (c) => {
      const claimed = await c.query(
        `INSERT INTO registry_membership_requests (request_id, account_id, category_from, category_to, outcome, requested_at)
         VALUES ($1, $2, $3, $4, 'not-allowed', $5) ON CONFLICT (request_id) DO NOTHING`,
        [fact.membershipEventId, fact.accountId, fact.categoryFrom ?? '-', fact.categoryTo ?? '-', fact.at],
      );
      if (!claimed.rowCount) return 'duplicate';
      const outcome = await this.decide(c, fact);
      if (outcome.kind !== 'applied') return this.settle(c, fact, outcome.kind, null);
      const latest = await this.repo.latestCategoryVersion(c, fact.accountId);
      const day = londonDay(new Date(fact.at));
      const effectiveFrom = day < latest.effectiveFrom ? latest.effectiveFrom : day;
      await this.repo.appendCategory(c, fact.accountId, latest.version + 1, effectiveFrom, outcome.to, recordedByFlexibility(fact.membershipEventId));
      const snapshot = (await this.repo.accountSnapshot(c, fact.accountId, 'account.category-changed'))!;
      await this.repo.enqueue(c, snapshot);
      return this.settle(c, fact, 'applied', latest.version + 1);
    });
  }

  private async decide(c: PoolClient, fact: MembershipV1): Promise<{ kind: 'applied'; to: string } | { kind: 'already-moved' | 'unknown-account' | 'not-allowed' }> {
    const { rows } = await c.query<{ category: string }>('SELECT category FROM accounts WHERE account_id = $1 FOR NO KEY UPDATE', [fact.accountId]);
    if (!rows[0]) return { kind: 'unknown-account' };
    return flexibilityCategoryMove(rows[0].category, fact.categoryFrom, fact.categoryTo);
  }

  private async settle(c: PoolClient, fact: MembershipV1, outcome: Exclude<MembershipOutcome, 'duplicate' | 'ignored'>, version: number | null): Promise<MembershipOutcome> {
    await c.query('UPDATE registry_membership_requests SET outcome = $2, category_version = $3 WHERE request_id = $1', [fact.membershipEventId, outcome, version]);
    return outcome;
  }
}
