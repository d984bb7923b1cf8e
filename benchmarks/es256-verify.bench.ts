/*
 * ES256 verification of a customer token on read-api's path: CompactJwtVerifier.verify, microseconds a token.
 *
 *   npm run build && node dist/benchmarks/es256-verify.bench.js [--rounds 40] [--per-round 200]
 *     [--compare <another build>/dist/libs/auth/src/compact-jwt.verifier.js]
 *
 * Issues one token the way the development identity does (token.issuer.ts) and verifies it rounds x per-round
 * times, printing the median round. --compare loads another build's verifier into this process and interleaves
 * the two round by round, so a busy machine slows both alike (separate runs on a busy machine are not
 * comparable). In process only; no server is touched.
 */
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CompactJwtVerifier } from '@surge/auth/compact-jwt.verifier';
import { issueCustomerToken } from '@surge/auth/token.issuer';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '40' }, 'per-round': { type: 'string', default: '200' }, compare: { type: 'string' } } });
const rounds = Number(values.rounds);
const perRound = Number(values['per-round']);

async function main(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const token = await issueCustomerToken(privatePem, { sub: 'cust-SRG-1', acc: 'SRG-1', sp: ['1200023305967'], ms: ['K00000001'] }, { issuer: 'https://id.surge.local', audience: 'surge-api', ttlSeconds: 3600 });
  const rules = { algorithm: 'ES256' as const, issuer: 'https://id.surge.local', audience: 'surge-api', clockToleranceSeconds: 30, maxTokenAgeSeconds: 12 * 3600 };
  const verifiers: Record<string, { verify(token: string, now: number): unknown }> = { 'this build': new CompactJwtVerifier(publicPem, rules) };
  if (values.compare) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const other = require(values.compare) as { CompactJwtVerifier: new (pem: string, r: typeof rules) => { verify(token: string, now: number): unknown } };
    verifiers[values.compare] = new other.CompactJwtVerifier(publicPem, rules);
  }
  const now = Math.floor(Date.now() / 1000);
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(verifiers).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, verifier] of Object.entries(verifiers)) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) verifier.verify(token, now);
      samples[name]!.push(Number(process.hrtime.bigint() - started) / perRound / 1000);
    }
  }
  console.log(`CompactJwtVerifier.verify, ES256, a ${token.length}-character customer token (${rounds} interleaved rounds of ${perRound}):`);
  for (const [name, s] of Object.entries(samples)) {
    s.sort((a, b) => a - b);
    console.log(`  ${name}: median ${s[s.length >> 1]!.toFixed(1)} us, p90 ${s[Math.floor(s.length * 0.9)]!.toFixed(1)} us`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
