import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { Authenticator, parseApiKeys, sha256Hex } from './authenticator.service';
import { importPKCS8, SignJWT } from 'jose';
import { issueCustomerToken } from './token.issuer';
import { CompactJwtVerifier } from './compact-jwt.verifier';
import { VerifiedTokenCache } from './verified-token.cache';

describe('parseApiKeys', () => {
  it('keeps scopes that contain colons (regression: they were split apart)', () => {
    const [entry] = parseApiKeys(`collector:${sha256Hex('k')}:readings:submit|readings:read`);
    expect(entry).toEqual({ id: 'collector', sha256: sha256Hex('k'), scopes: ['readings:submit', 'readings:read'] });
  });
  it('rejects malformed entries', () => {
    expect(() => parseApiKeys('x:nothex:readings:read')).toThrow(/sha256hex/);
  });
});

describe('Authenticator', () => {
  let keys: { publicKeyPem: string; privateKeyPem: string };
  let auth: Authenticator;
  beforeAll(async () => {
    keys = await generateDevKeyPair();
    auth = await Authenticator.create({
      jwtPublicKeyPem: keys.publicKeyPem, jwtAlgorithm: 'ES256', issuer: 'iss', audience: 'aud',
      apiKeys: parseApiKeys(`dc:${sha256Hex('secret-key')}:readings:submit`),
      maxTokenAgeSeconds: 3600,
    });
  });
  const claims = { sub: 'c1', acc: 'A1', sp: ['sp1'], ms: ['m1'] };
  const reason = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);

  it('accepts a customer token with the right issuer and audience', async () => {
    const t = await issueCustomerToken(keys.privateKeyPem, claims, { issuer: 'iss', audience: 'aud' });
    expect(await auth.authenticate(`Bearer ${t}`, undefined)).toEqual({ kind: 'customer', id: 'c1', accountId: 'A1', supplyPointIds: ['sp1'], meterSerials: ['m1'] });
  });
  it('rejects another issuer, another audience, an expired token, or another key', async () => {
    expect(await reason(auth.authenticate(`Bearer ${await issueCustomerToken(keys.privateKeyPem, claims, { issuer: 'evil', audience: 'aud' })}`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(`Bearer ${await issueCustomerToken(keys.privateKeyPem, claims, { issuer: 'iss', audience: 'other' })}`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(`Bearer ${await issueCustomerToken(keys.privateKeyPem, claims, { issuer: 'iss', audience: 'aud', ttlSeconds: -120 })}`, undefined))).toBe('INVALID_TOKEN');
    const other = await generateDevKeyPair();
    expect(await reason(auth.authenticate(`Bearer ${await issueCustomerToken(other.privateKeyPem, claims, { issuer: 'iss', audience: 'aud' })}`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(undefined, undefined))).toBe('AUTHENTICATION_REQUIRED');
    expect(await reason(auth.authenticate('Basic abc', undefined))).toBe('INVALID_TOKEN');
  });
  it('resolves API keys by hash with their scopes', async () => {
    expect(await auth.authenticate(undefined, 'secret-key')).toEqual({ kind: 'service', id: 'dc', scopes: ['readings:submit'] });
    expect(await reason(auth.authenticate(undefined, 'wrong'))).toBe('INVALID_API_KEY');
  });

  const signed = async (iat: number, exp: number) =>
    new SignJWT({ acc: 'A1', sp: ['sp1'], ms: ['m1'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('c1')
      .setIssuer('iss')
      .setAudience('aud')
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await importPKCS8(keys.privateKeyPem, 'ES256'));
  const nowS = () => Math.floor(Date.now() / 1000);

  it('refuses a bearer token and an API key together, even when the key is valid (regression: the key won)', async () => {
    const t = await issueCustomerToken(keys.privateKeyPem, claims, { issuer: 'iss', audience: 'aud' });
    expect(await reason(auth.authenticate('Bearer not-a-token', 'secret-key'))).toBe('AMBIGUOUS_CREDENTIALS');
    expect(await reason(auth.authenticate(`Bearer ${t}`, 'secret-key'))).toBe('AMBIGUOUS_CREDENTIALS');
  });

  it('refuses tokens issued in the future, too long ago, or living for years (regression: all accepted)', async () => {
    expect(await reason(auth.authenticate(`Bearer ${await signed(nowS() + 3600, nowS() + 7200)}`, undefined))).toBe('TOKEN_TOO_OLD');
    expect(await reason(auth.authenticate(`Bearer ${await signed(nowS() - 7200, nowS() + 600)}`, undefined))).toBe('TOKEN_TOO_OLD');
    expect(await reason(auth.authenticate(`Bearer ${await signed(nowS(), nowS() + 3 * 365 * 86400)}`, undefined))).toBe('TOKEN_TOO_OLD');
    expect(await reason(auth.authenticate(`Bearer ${await signed(nowS() - 60, nowS() + 3000)}`, undefined))).toBe('ok');
  });

  it('refuses tokens whose header or signature is not the configured ES256 one (alg none, HS256, a changed payload)', async () => {
    const good = await signed(nowS() - 60, nowS() + 3000);
    const [h, p, sig] = good.split('.');
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const otherPayload = b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), acc: 'A2' });
    expect(await reason(auth.authenticate(`Bearer ${b64({ alg: 'none' })}.${p}.`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(`Bearer ${b64({ alg: 'HS256' })}.${p}.${sig}`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(`Bearer ${b64({ alg: 'ES256', crit: ['x'], x: 1 })}.${p}.${sig}`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(`Bearer ${h}.${otherPayload}.${sig}`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(`Bearer ${h}.${p}.${sig}.x`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(`Bearer ${good}`, undefined))).toBe('ok');
  });
});

describe('Authenticator: verified-token cache', () => {
  let keys: { publicKeyPem: string; privateKeyPem: string };
  beforeAll(async () => {
    keys = await generateDevKeyPair();
  });
  const reason = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: string }) => e.code);
  const token = async (iat: number, exp: number) =>
    new SignJWT({ acc: 'A1', sp: ['sp1'], ms: ['m1'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('c1')
      .setIssuer('iss')
      .setAudience('aud')
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await importPKCS8(keys.privateKeyPem, 'ES256'));
  const make = async (clock: () => number, tokenCacheEntries?: number) =>
    Authenticator.create({ jwtPublicKeyPem: keys.publicKeyPem, jwtAlgorithm: 'ES256', issuer: 'iss', audience: 'aud', apiKeys: [], maxTokenAgeSeconds: 3600, clock, ...(tokenCacheEntries === undefined ? {} : { tokenCacheEntries }) });

  it('verifies a token once, then answers from the cache', async () => {
    const verify = jest.spyOn(CompactJwtVerifier.prototype, 'verify');
    try {
      const t0 = 1_900_000_000_000;
      const auth = await make(() => t0);
      const t = await token(t0 / 1000 - 10, t0 / 1000 + 600);
      const first = await auth.authenticate(`Bearer ${t}`, undefined);
      expect(await auth.authenticate(`Bearer ${t}`, undefined)).toBe(first);
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });

  it('never serves a cached token past its exp, nor past the age window (regression guard for the cache)', async () => {
    let now = 1_900_000_000_000;
    const auth = await make(() => now);
    const s = now / 1000;
    const shortLived = await token(s - 10, s + 60);
    expect(await reason(auth.authenticate(`Bearer ${shortLived}`, undefined))).toBe('ok');
    now += 61_000 + 30_000; // past exp and the clock tolerance
    expect(await reason(auth.authenticate(`Bearer ${shortLived}`, undefined))).toBe('INVALID_TOKEN');
    now = 1_900_000_000_000;
    const old = await token(s - 3500, s + 100); // lifetime 3,600 s: allowed; age window ends at iat + 3,600
    expect(await reason(auth.authenticate(`Bearer ${old}`, undefined))).toBe('ok');
    now += 100_000 + 31_000;
    expect(await reason(auth.authenticate(`Bearer ${old}`, undefined))).not.toBe('ok');
  });

  it('never stores a refusal: a refused token stays refused, a good one next to it is verified on its own', async () => {
    const now = 1_900_000_000_000;
    const auth = await make(() => now);
    const good = await token(now / 1000 - 10, now / 1000 + 600);
    const bad = `${good.slice(0, -4)}AAAA`;
    expect(await reason(auth.authenticate(`Bearer ${bad}`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(`Bearer ${bad}`, undefined))).toBe('INVALID_TOKEN');
    expect(await reason(auth.authenticate(`Bearer ${good}`, undefined))).toBe('ok');
    expect(await reason(auth.authenticate(`Bearer ${bad}`, undefined))).toBe('INVALID_TOKEN');
  });

  it('is bounded: the oldest entry goes first', () => {
    const cache = new VerifiedTokenCache(2);
    const p = { kind: 'customer' as const, id: 'c', accountId: 'A', supplyPointIds: [], meterSerials: [] };
    cache.set('a', p, 10_000, 0);
    cache.set('b', p, 10_000, 0);
    cache.set('c', p, 10_000, 0);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('c', 1)).toBe(p);
    expect(cache.get('c', 10_000)).toBeUndefined();
    cache.set('x'.repeat(4096), p, 10_000, 0); // bounded in bytes too: an outsized token is verified each time
    expect(cache.get('x'.repeat(4096), 1)).toBeUndefined();
  });
});
