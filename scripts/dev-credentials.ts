/**
 * Local credentials for development, the demo and load tests:
 *   node dist/scripts/dev-credentials.js init <dir>     writes an ES256 key pair and a collector API key (idempotent)
 *   node dist/scripts/dev-credentials.js token <dir> <accountId> <supplyPointId,...> <meterSerial,...> [ttlSeconds]
 * Prints env assignments (init) or a bearer token (token).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { DEV_AUDIENCE, DEV_ISSUER } from './dev-identity.constants';


async function init(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const pub = join(dir, 'jwt-public.pem');
  if (!existsSync(pub)) {
    const { publicKeyPem, privateKeyPem } = await generateDevKeyPair();
    writeFileSync(pub, publicKeyPem);
    writeFileSync(join(dir, 'jwt-private.pem'), privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'collector-api-key'), randomBytes(24).toString('base64url'), { mode: 0o600 });
    writeFileSync(join(dir, 'staff-api-key'), randomBytes(24).toString('base64url'), { mode: 0o600 });
  }
  const collector = readFileSync(join(dir, 'collector-api-key'), 'utf8');
  const staff = readFileSync(join(dir, 'staff-api-key'), 'utf8');
  const apiKeys = [
    `collector:${sha256Hex(collector)}:readings:submit|readings:read|flows:submit`,
    `staff:${sha256Hex(staff)}:readings:read|readings:review|billing:run|billing:read|csat:read|registry:write|registry:read|timeline:read|flows:read|flex:manage`,
  ].join(',');
  process.stdout.write(`API_KEYS='${apiKeys}'\nJWT_ISSUER='${DEV_ISSUER}'\nJWT_AUDIENCE='${DEV_AUDIENCE}'\n`);
}

async function token(dir: string, account: string, sps: string, serials: string, ttl?: string): Promise<void> {
  const pem = readFileSync(join(dir, 'jwt-private.pem'), 'utf8');
  const t = await issueCustomerToken(
    pem,
    { sub: `customer-${account}`, acc: account, sp: sps.split(','), ms: serials.split(',') },
    { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, ttlSeconds: ttl ? Number(ttl) : 3600 },
  );
  process.stdout.write(`${t}\n`);
}

const [cmd, dir, ...rest] = process.argv.slice(2);
const run = cmd === 'init' && dir ? init(dir) : cmd === 'token' && dir && rest.length >= 3 ? token(dir, rest[0]!, rest[1]!, rest[2]!, rest[3]) : null;
if (!run) {
  console.error('usage: dev-credentials init <dir> | token <dir> <accountId> <supplyPointIds> <meterSerials> [ttlSeconds]');
  process.exit(2);
}
run.catch((e) => {
  console.error(e);
  process.exit(1);
});
