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
}

/** Claims a customer token carries: the account and what is on it, so authorization needs no database call. */
export interface CustomerClaims {
  sub: string;
  acc: string;
  sp: string[];
  ms: string[];
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
    if (apiKey) return this.fromApiKey(apiKey);
    if (!authorization) throw unauthenticated('AUTHENTICATION_REQUIRED', 'Sign in first: send a bearer token (customers) or an X-API-Key (services).');
    const [scheme, token] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthenticated('INVALID_TOKEN', 'The Authorization header must be "Bearer <token>".');
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: [this.settings.jwtAlgorithm],
        clockTolerance: 30,
      });
      const c = payload as unknown as Partial<CustomerClaims>;
      if (typeof c.sub !== 'string' || typeof c.acc !== 'string' || !Array.isArray(c.sp) || !Array.isArray(c.ms)) {
        throw new Error('missing claims');
      }
      return { kind: 'customer', id: c.sub, accountId: c.acc, supplyPointIds: c.sp.map(String), meterSerials: c.ms.map(String) };
    } catch {
      throw unauthenticated('INVALID_TOKEN', 'Your session is invalid or has expired; sign in again.');
    }
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
