import { ACCOUNT_SNAPSHOT_SCHEMA, type AccountCategory, type RegistrySnapshotV1 } from './registry-change.event';

/** What a reading's judge needs about its register: built from registry.v1, never by calling the registry. */
export interface RegisterState {
  readonly accountId: string;
  readonly category: AccountCategory;
  readonly digits: number;
  /** Decimal string in kWh, or null when the registry knows none (the judge falls back to its default). */
  readonly eacKwh: string | null;
  readonly revision: bigint;
}

const registerKey = (supplyPointId: string, meterSerial: string, registerId: string) => `${supplyPointId}|${meterSerial}|${registerId}`;

/**
 * The consumer side of registry.v1 for services that judge readings (read-sink first): local state of
 * every register, built by applying snapshots in any order, any number of times. A snapshot replaces
 * everything known about its account only if its revision is higher than the one applied last for that
 * account (a redelivered or older record changes nothing); registers that left the account are dropped.
 * Pure and in memory: a consumer feeds it from the topic's beginning at start (compaction keeps one
 * record per account) and keeps feeding it; the registry being down only means no new changes.
 */
export class RegisterStateProjection {
  private readonly byRegister = new Map<string, RegisterState>();
  private readonly accounts = new Map<string, { revision: bigint; keys: string[] }>();

  /** Applies one snapshot; returns false when it was not newer than what is held (ignored). */
  apply(snapshot: RegistrySnapshotV1): boolean {
    if (snapshot.schema !== ACCOUNT_SNAPSHOT_SCHEMA) return false;
    const revision = BigInt(snapshot.revision);
    const held = this.accounts.get(snapshot.accountId);
    if (held && held.revision >= revision) return false;
    for (const k of held?.keys ?? []) this.byRegister.delete(k);
    const keys: string[] = [];
    for (const sp of snapshot.supplyPoints) {
      for (const m of sp.meters) {
        if (m.removedOn !== null) continue;
        for (const r of m.registers) {
          const k = registerKey(sp.supplyPointId, m.meterSerial, r.registerId);
          keys.push(k);
          this.byRegister.set(k, { accountId: snapshot.accountId, category: snapshot.category, digits: r.digits, eacKwh: r.eacKwh, revision });
        }
      }
    }
    this.accounts.set(snapshot.accountId, { revision, keys });
    return true;
  }

  register(supplyPointId: string, meterSerial: string, registerId: string): RegisterState | undefined {
    return this.byRegister.get(registerKey(supplyPointId, meterSerial, registerId));
  }

  get size(): number {
    return this.byRegister.size;
  }
}
