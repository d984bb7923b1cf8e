import { createHash, timingSafeEqual } from 'node:crypto';
import { importSPKI, jwtVerify, type CryptoKey, type KeyObject } from 'jose';
import { unauthenticated } from '@surge/errors/app.error';
import type { Principal, Scope } from './principal';

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
  private constructor(
    private readonly key: CryptoKey | KeyObject,
    private readonly settings: AuthenticatorSettings,
  ) {}

  static async create(settings: AuthenticatorSettings): Promise<Authenticator> {
    return new Authenticator(await importSPKI(settings.jwtPublicKeyPem, settings.jwtAlgorithm), settings);
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
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: [this.settings.jwtAlgorithm],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['iat', 'exp'],
        maxTokenAge: this.settings.maxTokenAgeSeconds,
      }));
    } catch (error) {
      if ((error as { claim?: unknown }).claim === 'iat') throw tokenTooOld(this.settings.maxTokenAgeSeconds);
      throw unauthenticated('INVALID_TOKEN', 'Your session is invalid or has expired; sign in again.');
    }
    // jose bounds the age, not the lifetime: a token valid for years is as good as a password, refuse it.
    if (Number(payload.exp) - Number(payload.iat) > this.settings.maxTokenAgeSeconds + CLOCK_TOLERANCE_SECONDS) {
      throw tokenTooOld(this.settings.maxTokenAgeSeconds);
    }
    const c = payload as unknown as Partial<CustomerClaims>;
    if (typeof c.sub !== 'string' || typeof c.acc !== 'string' || !Array.isArray(c.sp) || !Array.isArray(c.ms)) {
      throw unauthenticated('INVALID_TOKEN', 'Your session is invalid or has expired; sign in again.');
    }
    const channel = c.ch === 'app' || c.ch === 'web' ? { channel: c.ch as 'web' | 'app' } : {};
    return { kind: 'customer', id: c.sub, accountId: c.acc, supplyPointIds: c.sp.map(String), meterSerials: c.ms.map(String), ...channel };
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
