import { decodeEarnedValue, type EarnedValueV1 } from '@surge/flexibility-contracts/flexibility.events';
import type { FlexibilityCreditRepository } from './flexibility-credit.repository';

export interface CreditIntakeObserver {
  stored(newCredits: number, records: number): void;
  /** A record that can never be a credit (not the contract): logged and skipped, the partition goes on. */
  poison(reason: string, key: string): void;
}

/**
 * flex.earned-value.v1 -> billing's flexibility_credits. At least once from Kafka (offsets committed after
 * this resolves), exactly once in the table (credit id is the primary key). PostgreSQL down: throws,
 * the batch is retried, nothing committed.
 */
export class FlexibilityCreditIntake {
  constructor(private readonly credits: FlexibilityCreditRepository, private readonly observer: CreditIntakeObserver) {}

  async handle(batch: ReadonlyArray<{ key: string; value: Buffer }>): Promise<void> {
    const good: EarnedValueV1[] = [];
    for (const r of batch) {
      try {
        good.push(decodeEarnedValue(r.value));
      } catch (e) {
        this.observer.poison(String((e as Error).message).slice(0, 300), r.key);
      }
    }
    // Last copy of a credit id in the batch wins the insert (they are identical: the same settled fact).
    const unique = [...new Map(good.map((c) => [c.creditId, c])).values()];
    this.observer.stored(await this.credits.store(unique), batch.length);
  }
}
