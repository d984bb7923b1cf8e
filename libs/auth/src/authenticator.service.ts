import { createHash, timingSafeEqual } from 'node:crypto';
import { unauthenticated } from '@surge/errors/app.error';
import { CompactJwtVerifier, JwtRejected } from './compact-jwt.verifier';
import type { CustomerPrincipal, Principal, Scope } from './principal.model';
import { VerifiedTokenCache } from './verified-token.cache';

export interface ApiKeyEntry {
  readonly id: string;
  /** sha256 hex of the key: the key itself is never stored. */
  readonly sha256: string;
  readonly scopes: readonly Scope[];
}

export interface AuthenticatorSettings {
  readonly jwtPublicKeyPem: string;
  readonly jwtAlgorithm: 'ES256' | 'RS256' | 'EdDSA';
  readonly issuer: string;
  readonly audience: string;
  readonly apiKeys: readonly ApiKeyEntry[];
  /**
   * The oldest customer token taken (seconds since its iat), and the longest lifetime (exp - iat). A token
   * issued in the future (beyond the clock tolerance) or without iat/exp is refused.
   */
  readonly maxTokenAgeSeconds: number;
  /** Verified customer tokens kept (VerifiedTokenCache); 0 turns the cache off. Default 20,000. */
  readonly tokenCacheEntries?: number;
  /** Milliseconds since the epoch; tests move it. */
  readonly clock?: () => number;
}

const CLOCK_TOLERANCE_SECONDS = 30;

/** Claims a customer token carries: the account and what is on it, so authorization needs no database call. */
export interface CustomerClaims {
  sub: string;
  acc: string;
  sp: string[];
  ms: string[];
  /** Optional: the front end the customer signed in with ('web' | 'app'). */
  ch?: string;
}

/**
 * Resolves credentials to a Principal. Customers: bearer JWT, asymmetric
 * signature, issuer and audience checked, short clock tolerance. Services:
 * `X-API-Key`, compared by hash in constant time.
 */
export class Authenticator {
  private readonly verifier: CompactJwtVerifier;
  private readonly cache: VerifiedTokenCache;
  private readonly clock: () => number;

  private constructor(private readonly settings: AuthenticatorSettings) {
    this.verifier = new CompactJwtVerifier(settings.jwtPublicKeyPem, {
      algorithm: settings.jwtAlgorithm,
      issuer: settings.issuer,
      audience: settings.audience,
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
      maxTokenAgeSeconds: settings.maxTokenAgeSeconds,
    });
    this.cache = new VerifiedTokenCache(settings.tokenCacheEntries ?? 20_000);
    this.clock = settings.clock ?? Date.now;
  }

  static async create(settings: AuthenticatorSettings): Promise<Authenticator> {
    return new Authenticator(settings);
  }

  async authenticate(authorization: string | undefined, apiKey: string | undefined): Promise<Principal> {
    // Two credentials are never resolved by picking one: a bad token must not be papered over by a good key.
    if (apiKey !== undefined && authorization !== undefined) {
      throw unauthenticated('AMBIGUOUS_CREDENTIALS', 'Send either a bearer token (customers) or an X-API-Key (services), not both.');
    }
    if (apiKey) return this.fromApiKey(apiKey);
    if (!authorization) throw unauthenticated('AUTHENTICATION_REQUIRED', 'Sign in first: send a bearer token (customers) or an X-API-Key (services).');
    const [scheme, token] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthenticated('INVALID_TOKEN', 'The Authorization header must be "Bearer <token>".');
    const nowMs = this.clock();
    const cached = this.cache.get(token, nowMs);
    if (cached) return cached;
    let payload: Record<string, unknown>;
    try {
      payload = this.verifier.verify(token, Math.floor(nowMs / 1000));
    } catch (error) {
      if (error instanceof JwtRejected && error.reason === 'too_old') throw tokenTooOld(this.settings.maxTokenAgeSeconds);
      throw unauthenticated('INVALID_TOKEN', 'Your session is invalid or has expired; sign in again.');
    }
    const iat = payload.iat as number;
    const exp = payload.exp as number;
    // The age rule bounds the age, not the lifetime: a token valid for years is as good as a password, refuse it.
    if (exp - iat > this.settings.maxTokenAgeSeconds + CLOCK_TOLERANCE_SECONDS) {
      throw tokenTooOld(this.settings.maxTokenAgeSeconds);
    }
    const c = payload as unknown as Partial<CustomerClaims>;
    if (typeof c.sub !== 'string' || typeof c.acc !== 'string' || !Array.isArray(c.sp) || !Array.isArray(c.ms)) {
      throw unauthenticated('INVALID_TOKEN', 'Your session is invalid or has expired; sign in again.');
    }
    const principal: CustomerPrincipal = Object.freeze({
      kind: 'customer' as const,
      id: c.sub,
      accountId: c.acc,
      supplyPointIds: Object.freeze(c.sp.map(String)),
      meterSerials: Object.freeze(c.ms.map(String)),
      ...(c.ch === 'app' || c.ch === 'web' ? { channel: c.ch as 'web' | 'app' } : {}),
    });
    // Shared between requests, hence frozen. Good until exp and the end of the age window, whichever is first.
    this.cache.set(token, principal, Math.min(exp, iat + this.settings.maxTokenAgeSeconds) * 1000, nowMs);
    return principal;
  }

  private fromApiKey(apiKey: string): Principal {
    const digest = createHash('sha256').update(apiKey).digest();
    for (const entry of this.settings.apiKeys) {
      const expected = Buffer.from(entry.sha256, 'hex');
      if (expected.length === digest.length && timingSafeEqual(expected, digest)) {
        return { kind: 'service', id: entry.id, scopes: entry.scopes };
      }
    }
    throw unauthenticated('INVALID_API_KEY', 'The API key is not recognised.');
  }
}

const tokenTooOld = (maxSeconds: number) =>
  unauthenticated('TOKEN_TOO_OLD', `Your session token must be issued in the last ${Math.round(maxSeconds / 3600)} h, not in the future, and live no longer than that; sign in again.`);

/** Parses `id:sha256hex:scope|scope,id2:...` (config form of API keys). */
export function parseApiKeys(spec: string): ApiKeyEntry[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      // Scopes contain ':' themselves (readings:submit): split off the first two fields only.
      const [id, sha256, ...rest] = entry.split(':');
      const scopes = rest.join(':');
      if (!id || !sha256 || !/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`API key entry "${entry}" must be id:sha256hex:scope|scope`);
      return { id, sha256, scopes: (scopes ?? '').split('|').filter(Boolean) as Scope[] };
    });
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');
