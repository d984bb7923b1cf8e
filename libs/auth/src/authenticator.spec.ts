import { generateDevKeyPair } from '@surge/testing/dev-keys';
import { Authenticator, parseApiKeys, sha256Hex } from './authenticator';
import { importPKCS8, SignJWT } from 'jose';
import { issueCustomerToken } from './token.issuer';

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
});
