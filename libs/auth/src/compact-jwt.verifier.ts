import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { p1363ToDer } from './ecdsa-signature.converter';

export type JwtAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

export interface JwtRules {
  readonly algorithm: JwtAlgorithm;
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  /** iat and exp are required; iat may be at most this old (and not in the future beyond the tolerance). */
  readonly maxTokenAgeSeconds: number;
}

/** Why a token was refused: `too_old` is the iat rule (TOKEN_TOO_OLD), everything else `invalid`. */
export class JwtRejected extends Error {
  constructor(readonly reason: 'invalid' | 'too_old') {
    super(reason);
  }
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Verifies a compact JWS (three base64url parts) and its registered claims with node:crypto's synchronous
 * verify on a KeyObject. Measured against jose's jwtVerify (WebCrypto, a job on the thread pool and a promise
 * per call): ~190 us vs ~280 us of CPU per ES256 token on this machine (docs/benchmarks.md, read-api).
 * The rules are jose's, which this replaced on the request path (jose still signs in token.issuer.ts):
 * the header's alg must be the one configured (no "none", no algorithm switching), no `crit` extensions we do
 * not understand, issuer and audience exact, exp/iat required, exp and nbf with the clock tolerance, and the
 * age rule on iat (too old or in the future: `too_old`).
 */
export class CompactJwtVerifier {
  private readonly key: KeyObject;

  constructor(
    publicKeyPem: string,
    private readonly rules: JwtRules,
  ) {
    this.key = createPublicKey(publicKeyPem);
    const type = this.key.asymmetricKeyType;
    const fits = rules.algorithm === 'ES256' ? type === 'ec' && this.key.asymmetricKeyDetails?.namedCurve === 'prime256v1' : rules.algorithm === 'RS256' ? type === 'rsa' : type === 'ed25519';
    if (!fits) throw new Error(`JWT_PUBLIC_KEY is not a ${rules.algorithm} public key`);
  }

  /** The verified payload, or JwtRejected. `nowSeconds` is the clock (seconds since the epoch). */
  verify(token: string, nowSeconds: number): Record<string, unknown> {
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    if (first <= 0 || second <= first + 1 || second === token.length - 1 || token.indexOf('.', second + 1) !== -1) throw invalid();
    const h = token.slice(0, first);
    const p = token.slice(first + 1, second);
    const s = token.slice(second + 1);
    if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) throw invalid();
    const header = parseJson(h);
    if (header.alg !== this.rules.algorithm || header.crit !== undefined || header.b64 !== undefined) throw invalid();
    const signature = Buffer.from(s, 'base64url');
    if (this.rules.algorithm === 'ES256' && signature.length !== 64) throw invalid();
    const signed = Buffer.from(token.slice(0, second), 'ascii');
    let ok: boolean;
    try {
      if (this.rules.algorithm === 'EdDSA') ok = verify(null, signed, this.key, signature);
      else if (this.rules.algorithm === 'RS256') ok = verify('sha256', signed, this.key, signature);
      else {
        // DER with the bare KeyObject: on Node 24 the `{ key, dsaEncoding }` form costs ~60% more a call (ecdsa-signature.converter.ts).
        const der = p1363ToDer(signature);
        ok = der !== null && verify('sha256', signed, this.key, der);
      }
    } catch {
      ok = false;
    }
    if (!ok) throw invalid();
    const payload = parseJson(p);
    this.checkClaims(payload, nowSeconds);
    return payload;
  }

  private checkClaims(c: Record<string, unknown>, now: number): void {
    const { issuer, audience, clockToleranceSeconds: tol, maxTokenAgeSeconds } = this.rules;
    if (c.iss !== issuer) throw invalid();
    const aud = c.aud;
    if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) throw invalid();
    if (!isNumericDate(c.exp) || !isNumericDate(c.iat)) throw invalid();
    if (c.nbf !== undefined && (!isNumericDate(c.nbf) || c.nbf > now + tol)) throw invalid();
    if (c.exp <= now - tol) throw invalid();
    const age = now - c.iat;
    if (age - tol > maxTokenAgeSeconds || age < -tol) throw new JwtRejected('too_old');
  }
}

const invalid = () => new JwtRejected('invalid');
const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function parseJson(part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid();
  return value as Record<string, unknown>;
}
