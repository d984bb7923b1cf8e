/**
 * The demo's registry step (issue 13), through public HTTP APIs only, as docs/runbook.md "Onboard a supplier's
 * first account" tells a new user to do it:
 *   1. registry staff create a tariff across the 1 April 2022 price change and an account on it (supply point,
 *      meter, a 5-digit register with its EAC), then the agreement;
 *   2. read-sink learns the register from registry.v1 (its /health/ready counts the registers it knows);
 *   3. the customer submits three readings: 99950 (12 March), 150 (1 April: the dials rolled over, 200 kWh,
 *      accepted) and 550 (21 April: 400 kWh, more than twice the expected, held for review);
 *   4. review staff find it in the queue and accept it with a note; the customer sees it accepted;
 *   5. billing staff bill the account for 12 March to 21 April; the bill and the URLs are printed.
 * Exits 1 if any step failed. Each run uses a new account, supply point, meter and tariff id (from the clock).
 *
 *   node dist/scripts/demo-registry.js [--state .stack] [--read-api URL] [--read-sink URL] [--billing URL] [--registry URL]
 *
 * --state holds the dev credentials (dev/jwt-private.pem, dev/staff-api-key; the staff key has registry:write,
 * readings:review and billing:run).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';
import { DEV_AUDIENCE, DEV_ISSUER } from './dev-identity.constants';

const { values: opts } = parseArgs({
  options: {
    state: { type: 'string', default: '.stack' },
    'read-api': { type: 'string', default: 'http://127.0.0.1:3000' },
    'read-sink': { type: 'string', default: 'http://127.0.0.1:3001' },
    billing: { type: 'string', default: 'http://127.0.0.1:3002' },
    registry: { type: 'string', default: 'http://127.0.0.1:3005' },
  },
});
const api = opts['read-api']!;
const sink = opts['read-sink']!;
const billing = opts.billing!;
const registry = opts.registry!;

class StepFailed extends Error {}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(base: string, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new StepFailed(`${method} ${base}${path}: ${String((error as Error).message ?? error)} (is the service up? npm run services -- status)`);
  }
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

function expectStatus(what: string, r: { status: number; body: any }, status: number): any {
  if (r.status !== status) throw new StepFailed(`${what}: HTTP ${r.status} ${r.body?.error?.code ?? ''} ${r.body?.error?.message ?? JSON.stringify(r.body)}`);
  return r.body;
}

async function until<T>(what: string, withinMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new StepFailed(`${what}: not within ${withinMs / 1000} s`);
    await sleep(150);
  }
}

async function main(): Promise<void> {
  const dir = join(opts.state!, 'dev');
  const staff = { 'x-api-key': readFileSync(join(dir, 'staff-api-key'), 'utf8').trim() };
  const pem = readFileSync(join(dir, 'jwt-private.pem'), 'utf8');
  const started = Date.now();
  const stamp = String(started).slice(-9);
  const accountId = `DEMO-REG-${stamp}`;
  const first12 = `239${stamp}`;
  const mpan = `${first12}${mpanCheckDigit(first12)}`;
  const meterSerial = `R${stamp}`;
  const tariffId = `DEMO-REG-TARIFF-${stamp}`;
  console.log(`=== registry: onboard account ${accountId} (MPAN ${mpan}, meter ${meterSerial}) on tariff ${tariffId}`);

  expectStatus('create the tariff', await call(registry, 'POST', '/v1/tariffs', staff, {
    tariffId, name: 'Demo flexible electricity', fuel: 'electricity',
    unitRates: [
      { registerKind: 'import', validFrom: '2021-10-01', validTo: '2022-04-01', exVat: '20', incVat: '21' },
      { registerKind: 'import', validFrom: '2022-04-01', exVat: '26.990476', incVat: '28.34' },
    ],
    standingCharges: [
      { validFrom: '2021-10-01', validTo: '2022-04-01', exVat: '23.809524', incVat: '25' },
      { validFrom: '2022-04-01', exVat: '43.180952', incVat: '45.34' },
    ],
  }), 201);
  console.log('  tariff: 20p/kWh and 23.81p/day until 31 March, 26.99p/kWh and 43.18p/day from 1 April (ex VAT)');
  const before = Number((await call(sink, 'GET', '/health/ready', {})).body?.registry?.registers ?? 0);
  expectStatus('create the account', await call(registry, 'POST', '/v1/accounts', staff, {
    accountId, category: 'D', domestic: true, vatRate: '0.05',
    supplyPoints: [{ supplyPointId: mpan, fuel: 'electricity', supplyStart: '2022-03-01', meters: [{ meterSerial, installedOn: '2022-03-01', registers: [{ registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', eacKwh: '2900' }] }] }],
  }), 201);
  expectStatus('put the account on the tariff', await call(registry, 'POST', `/v1/accounts/${accountId}/agreements`, staff, { supplyPointId: mpan, tariffId, validFrom: '2022-03-01' }), 201);
  console.log('  account: category D, domestic, VAT 5%; register S, 5 digits, EAC 2,900 kWh; agreement from 2022-03-01');
  await until('read-sink learning the register from registry.v1', 15_000, async () => {
    const n = Number((await call(sink, 'GET', '/health/ready', {})).body?.registry?.registers ?? 0);
    return n > before ? n : null;
  });
  console.log('  read-sink knows the register (from registry.v1, without calling the registry)');

  const customer = { authorization: `Bearer ${await issueCustomerToken(pem, { sub: `c-${accountId}`, acc: accountId, sp: [mpan], ms: [meterSerial] }, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE })}` };
  const submit = async (readAt: string, value: string) => {
    const r = expectStatus(`submit ${value} on ${readAt}`, await call(api, 'POST', '/v1/meter-readings', customer, { supplyPointId: mpan, meterSerial, registerId: 'S', readAt, value, digits: 5 }), 202);
    const decided = await until(`reading ${value} decided`, 20_000, async () => {
      const got = await call(api, 'GET', `/v1/meter-readings/${r.readingId}`, customer);
      return got.status === 200 && got.body.status !== 'received' ? got.body : null;
    });
    console.log(`  reading ${value} on ${readAt} -> ${decided.status}${decided.reason ? ` (${decided.reason.code})` : ''}`);
    return decided;
  };
  console.log('=== the customer submits readings');
  const opening = await submit('2022-03-12', '99950');
  const rollover = await submit('2022-04-01', '150');
  if (rollover.status !== 'accepted') throw new StepFailed(`the rollover 99950 -> 150 was ${rollover.status}: ${rollover.reason?.message}`);
  console.log('    (the dials passed 99999: 200 kWh in 20 days, within twice what EAC 2,900 expects)');
  const held = await submit('2022-04-21', '550');
  if (held.status !== 'held') throw new StepFailed(`550 on 2022-04-21 was ${held.status}, expected held for review`);
  console.log(`    the customer is told: "${held.reason.message}"`);

  console.log('=== review staff (readings:review)');
  const queue = expectStatus('list held readings', await call(api, 'GET', '/v1/held-readings?reason=ADVANCE_EXCEEDS_TWICE_EXPECTED&category=D&limit=50', staff), 200);
  console.log(`  GET /v1/held-readings: ${queue.items.length} held for ADVANCE_EXCEEDS_TWICE_EXPECTED on category D accounts`);
  const decision = expectStatus('accept the held reading', await call(api, 'POST', `/v1/held-readings/${held.readingId}/decision`, { ...staff, 'idempotency-key': `demo-review-${stamp}` }, { decision: 'accept', note: 'Photo of the meter shows 00550.' }), 202);
  const accepted = await until('the decision applied', 20_000, async () => {
    const got = await call(api, 'GET', `/v1/meter-readings/${held.readingId}`, customer);
    return got.body?.status === 'accepted' ? got.body : null;
  });
  console.log(`  review ${decision.reviewId}: accepted -> the customer now sees ${accepted.status} (${accepted.reason?.code})`);

  console.log('=== billing staff bill 2022-03-12 to 2022-04-21');
  const run = expectStatus('start the bill run', await call(billing, 'POST', '/v1/bill-runs', { ...staff, 'idempotency-key': `demo-reg-run-${stamp}` }, { periodStart: '2022-03-12', periodEnd: '2022-04-21', accountIds: [accountId] }), 202);
  const done = await until('the bill run', 30_000, async () => {
    const s = await call(billing, 'GET', `/v1/bill-runs/${run.runId}`, staff);
    return s.body?.status && s.body.status !== 'running' ? s.body : null;
  });
  if (done.status !== 'completed' || done.billed !== 1) throw new StepFailed(`bill run ${run.runId}: ${JSON.stringify(done)}`);
  const list = expectStatus('list the bills', await call(billing, 'GET', `/v1/accounts/${accountId}/bills`, customer), 200);
  const billId = list.items[0].billId as string;
  const bill = expectStatus('fetch the bill', await call(billing, 'GET', `/v1/accounts/${accountId}/bills/${billId}`, customer), 200);
  for (const l of bill.lines as Array<{ description: string; amountPence: string }>) console.log(`  ${l.description.padEnd(72)} ${(Number(l.amountPence) / 100).toFixed(2).padStart(9)}`);
  console.log(`  total ${bill.totals.total} (net ${bill.totals.netPence}p + VAT ${bill.totals.vatPence}p)${bill.totals.totalPence === '16943' ? ', to the penny what docs/runbook.md works out by hand' : ''}`);
  if (bill.totals.totalPence !== '16943') throw new StepFailed(`the bill's total is ${bill.totals.totalPence}p, expected 16943p (docs/runbook.md)`);

  console.log('=== open');
  console.log(`  the account and its history  curl -H "x-api-key: $(cat ${join(dir, 'staff-api-key')})" ${registry}/v1/accounts/${accountId}`);
  console.log(`  the reviewed reading         ${api}/v1/meter-readings/${held.readingId}  (its audit trail: .../reviews)`);
  console.log(`  the opening reading          ${api}/v1/meter-readings/${opening.readingId}`);
  console.log(`  the bill                     ${billing}/v1/accounts/${accountId}/bills/${billId}`);
  console.log(`  the APIs                     ${registry}/openapi.json  ${api}/openapi.json  ${billing}/openapi.json`);
  console.log(`registry demo: every step done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(error instanceof StepFailed ? `registry demo FAILED: ${error.message}` : error);
  process.exit(1);
});
