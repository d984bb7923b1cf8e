import { importPKCS8, SignJWT } from 'jose';
import type { CustomerClaims } from './authenticator.service';

/**
 * Issues customer tokens with a local private key: for development, tests and
 * load tests only. Production tokens come from the identity provider; the
 * services only ever hold the public key.
 */
export async function issueCustomerToken(
  privateKeyPem: string,
  claims: CustomerClaims,
  opts: { issuer: string; audience: string; algorithm?: 'ES256'; ttlSeconds?: number },
): Promise<string> {
  const key = await importPKCS8(privateKeyPem, opts.algorithm ?? 'ES256');
  return new SignJWT({ acc: claims.acc, sp: claims.sp, ms: claims.ms })
    .setProtectedHeader({ alg: opts.algorithm ?? 'ES256' })
    .setSubject(claims.sub)
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSeconds ?? 3600}s`)
    .sign(key);
}
