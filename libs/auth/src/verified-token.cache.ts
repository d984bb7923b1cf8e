import type { CustomerPrincipal } from './principal.model';

/**
 * Customer tokens already verified, keyed by the whole token (signature included, so a token differing in one
 * byte is a miss and is verified). A customer's page makes several calls with one token: ES256 is paid once.
 * Only successes are stored; a refused token is verified again every time, as before.
 * An entry is good until `goodUntilMs`: the token's exp and the end of its age window (iat + the max age),
 * whichever comes first, with no clock tolerance added, so a cached token is never taken later than the
 * verifier itself would take it.
 * Bounded: at most `maxEntries` (oldest inserted evicted first), and a token longer than MAX_CACHED_TOKEN_CHARS is
 * not kept (ours are ~0.5 KB; a header may carry up to 16 KB). So 20,000 entries are ~50 MB at the very worst,
 * ~20 MB in practice, inside read-api's 300 MB budget.
 */
export const MAX_CACHED_TOKEN_CHARS = 2048;

export class VerifiedTokenCache {
  private readonly entries = new Map<string, { readonly principal: CustomerPrincipal; readonly goodUntilMs: number }>();

  constructor(private readonly maxEntries = 20_000) {}

  get(token: string, nowMs: number): CustomerPrincipal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (nowMs >= entry.goodUntilMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, principal: CustomerPrincipal, goodUntilMs: number, nowMs: number): void {
    if (this.maxEntries <= 0 || goodUntilMs <= nowMs || token.length > MAX_CACHED_TOKEN_CHARS) return;
    if (this.entries.size >= this.maxEntries) {
      // Map iterates in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { principal, goodUntilMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
