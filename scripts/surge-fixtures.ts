/**
 * Customers for a surge run: each with an account, a supply point and meter
 * on their own token (so object-level authorization is exercised on every
 * request), plus a collector-read supply point, and the collector API key.
 *   node dist/scripts/surge-fixtures.js <stateDir> <runId> <customers> <out.json>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';
import { DEV_AUDIENCE, DEV_ISSUER } from './dev-identity.constants';

const [stateDir = '.stack', runId = 'run', count = '2000', out = 'fixtures.json'] = process.argv.slice(2);
const mpan = (n: number): string => {
  const first12 = `${10 + (n % 14)}${String(n).padStart(10, '0')}`;
  return `${first12}${mpanCheckDigit(first12)}`;
};

async function main(): Promise<void> {
  const privateKeyPem = readFileSync(join(stateDir, 'dev', 'jwt-private.pem'), 'utf8');
  const customers = [];
  for (let i = 0; i < Number(count); i++) {
    const accountId = `SRG-${runId}-${i}`;
    const supplyPointId = mpan(1_000_000 + i);
    const meterSerial = `K${String(i).padStart(8, '0')}`;
    const token = await issueCustomerToken(
      privateKeyPem,
      { sub: `cust-${accountId}`, acc: accountId, sp: [supplyPointId], ms: [meterSerial] },
      { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, ttlSeconds: 6 * 3600 },
    );
    customers.push({ accountId, supplyPointId, collectorSupplyPointId: mpan(5_000_000 + i), meterSerial, token });
  }
  const collectorKey = readFileSync(join(stateDir, 'dev', 'collector-api-key'), 'utf8');
  writeFileSync(out, JSON.stringify({ runId, collectorKey, customers }));
  console.log(`${customers.length} customers written to ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
