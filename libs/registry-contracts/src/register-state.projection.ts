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
  /**
   * Kept compact because a consumer holds every register of the supplier (1,000,000 accounts is a migration the
   * registry is measured for): per register one small object of three fields (no BigInt, no copy of the key),
   * EAC strings shared between registers that have the same one, the revision once per account. Measured in
   * docs/benchmarks.md ("registry projection memory").
   */
  private readonly byRegister = new Map<string, { readonly accountId: string; readonly packed: number; readonly eacKwh: string | null }>();
  private readonly accounts = new Map<string, { revision: number | bigint; keys: string | string[] }>();
  private readonly eacs = new Map<string, string>();

  /** Applies one snapshot; returns false when it was not newer than what is held (ignored). */
  apply(snapshot: RegistrySnapshotV1): boolean {
    if (snapshot.schema !== ACCOUNT_SNAPSHOT_SCHEMA) return false;
    const big = BigInt(snapshot.revision);
    // A Number while exact (an outbox sequence stays far below 2^53): a BigInt per account costs memory.
    const revision = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    const held = this.accounts.get(snapshot.accountId);
    if (held && BigInt(held.revision) >= big) return false;
    if (held) for (const k of typeof held.keys === 'string' ? [held.keys] : held.keys) this.byRegister.delete(k);
    const keys: string[] = [];
    const accountId = snapshot.accountId;
    const category = CATEGORIES.indexOf(snapshot.category);
    for (const sp of snapshot.supplyPoints) {
      for (const m of sp.meters) {
        if (m.removedOn !== null) continue;
        for (const r of m.registers) {
          // Flattened: a concatenated key is a rope in V8, about 110 bytes a register more than the flat string.
          const k = flat(registerKey(sp.supplyPointId, m.meterSerial, r.registerId));
          keys.push(k);
          this.byRegister.set(k, { accountId, packed: r.digits * 8 + category, eacKwh: this.shared(r.eacKwh) });
        }
      }
    }
    this.accounts.set(snapshot.accountId, { revision, keys: keys.length === 1 ? keys[0]! : keys });
    return true;
  }

  register(supplyPointId: string, meterSerial: string, registerId: string): RegisterState | undefined {
    const e = this.byRegister.get(registerKey(supplyPointId, meterSerial, registerId));
    if (!e) return undefined;
    return { accountId: e.accountId, category: CATEGORIES[e.packed % 8]!, digits: Math.floor(e.packed / 8), eacKwh: e.eacKwh, revision: BigInt(this.accounts.get(e.accountId)!.revision) };
  }

  /**
   * The register's account and digits only: what a D0010 flow's matching needs a million times, without the
   * BigInt revision and category register() builds each call.
   */
  match(supplyPointId: string, meterSerial: string, registerId: string): { readonly accountId: string; readonly digits: number } | undefined {
    const e = this.byRegister.get(registerKey(supplyPointId, meterSerial, registerId));
    return e ? { accountId: e.accountId, digits: Math.floor(e.packed / 8) } : undefined;
  }

  get size(): number {
    return this.byRegister.size;
  }

  private shared(eac: string | null): string | null {
    if (eac === null) return null;
    const known = this.eacs.get(eac);
    if (known !== undefined) return known;
    // Bounded: past 100,000 distinct values each register keeps its own string.
    if (this.eacs.size < 100_000) this.eacs.set(eac, eac);
    return eac;
  }
}

const CATEGORIES: readonly AccountCategory[] = ['A', 'B', 'C', 'D'];

/** A flat copy of a string (JSON round trip: no rope, no slice of a larger string kept alive). */
const flat = (s: string): string => JSON.parse(JSON.stringify(s)) as string;
