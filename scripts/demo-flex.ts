/**
 * The demo's flexibility step (issue 17), through public HTTP APIs only:
 *   1. registry staff create a tariff and a category D account (the member of the story), she submits an
 *      opening and a closing reading (12 March and 21 April 2022);
 *   2. she enrols a battery, a dryer (allow) and an induction stove, protected 17:00-20:00 (a second
 *      preference version; the first is kept) - enrolling moves her from D to C: the registry applies it from
 *      flex.membership.v1 (a new history row) and publishes it on registry.v1;
 *   3. the programme team creates an event 18:00-19:00 on 12 April 2022 at 57.15p/kWh and dispatches it:
 *      the dispatch record (dispatched and protected, with why) and her start notification are printed;
 *   4. her home's VEN posts an OpenADR 3 report: USAGE per half-hour for the event's half-hours on the 14
 *      days before (the event asks for history) and in the window; the settlement computes her baseline
 *      from that history (the previous 10 working days): "You contributed 4.2 kWh. You earned £2.40.";
 *   5. billing-events (billing's Kafka side) takes the credit from flex.earned-value.v1; her bill carries it as its own line.
 * Exits 1 if any step failed. Each run uses new ids (from the clock).
 *
 *   node dist/scripts/demo-flex.js [--state .stack] [--read-api URL] [--billing URL] [--registry URL] [--flexibility URL]
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
    billing: { type: 'string', default: 'http://127.0.0.1:3002' },
    registry: { type: 'string', default: 'http://127.0.0.1:3005' },
    flexibility: { type: 'string', default: 'http://127.0.0.1:3010' },
  },
});
const api = opts['read-api']!;
const billing = opts.billing!;
const registry = opts.registry!;
const flex = opts.flexibility!;

class StepFailed extends Error {}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(base: string, method: 'GET' | 'POST' | 'PUT', path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }> {
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
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const dir = join(opts.state!, 'dev');
  const staff = { 'x-api-key': readFileSync(join(dir, 'staff-api-key'), 'utf8').trim() };
  const pem = readFileSync(join(dir, 'jwt-private.pem'), 'utf8');
  const stamp = String(Date.now()).slice(-9);
  const accountId = `DEMO-FLEX-${stamp}`;
  const first12 = `238${stamp}`;
  const mpan = `${first12}${mpanCheckDigit(first12)}`;
  const meterSerial = `F${stamp}`;
  const tariffId = `DEMO-FLEX-TARIFF-${stamp}`;
  console.log(`=== flexibility: the member ${accountId} (category D) and her readings`);
  expectStatus('create the tariff', await call(registry, 'POST', '/v1/tariffs', staff, {
    tariffId, name: 'Demo flexible electricity', fuel: 'electricity',
    unitRates: [{ registerKind: 'import', validFrom: '2021-10-01', exVat: '26.990476', incVat: '28.34' }],
    standingCharges: [{ validFrom: '2021-10-01', exVat: '43.180952', incVat: '45.34' }],
  }), 201);
  expectStatus('create the account', await call(registry, 'POST', '/v1/accounts', staff, {
    accountId, category: 'D', domestic: true, vatRate: '0.05',
    supplyPoints: [{ supplyPointId: mpan, fuel: 'electricity', supplyStart: '2022-03-01', meters: [{ meterSerial, installedOn: '2022-03-01', registers: [{ registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', eacKwh: '2900' }] }] }],
  }), 201);
  expectStatus('put the account on the tariff', await call(registry, 'POST', `/v1/accounts/${accountId}/agreements`, staff, { supplyPointId: mpan, tariffId, validFrom: '2022-03-01' }), 201);
  const her = { authorization: `Bearer ${await issueCustomerToken(pem, { sub: `c-${accountId}`, acc: accountId, sp: [mpan], ms: [meterSerial] }, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE })}` };
  for (const [readAt, value] of [['2022-03-12', '01000'], ['2022-04-21', '01300']] as const) {
    // read-sink may not know the new register for a moment (it learns it from registry.v1): retry until accepted.
    await until(`reading ${value} on ${readAt} accepted`, 30_000, async () => {
      const r = expectStatus(`submit ${value}`, await call(api, 'POST', '/v1/meter-readings', { ...her, 'idempotency-key': `demo-flex-${stamp}-${readAt}` }, { supplyPointId: mpan, meterSerial, registerId: 'S', readAt, value, digits: 5 }), 202);
      const got = await call(api, 'GET', `/v1/meter-readings/${r.readingId}`, her);
      return got.body?.status === 'accepted' ? got.body : null;
    });
    console.log(`  reading ${value} on ${readAt}: accepted`);
  }

  console.log('=== she enrols her devices and says what may be paused');
  const enrolled = expectStatus('enrol', await call(flex, 'POST', `/v1/flex/accounts/${accountId}/enrolment`, her, {
    region: '23', category: 'D',
    devices: [
      { deviceId: `${accountId}-battery`, kind: 'battery', name: 'Home battery', preference: { mode: 'allow' } },
      { deviceId: `${accountId}-dryer`, kind: 'dryer', name: 'Dryer', preference: { mode: 'allow' } },
      { deviceId: `${accountId}-stove`, kind: 'stove', name: 'Induction stove', preference: { mode: 'allow' } },
    ],
  }), 201);
  console.log(`  enrolled 3 devices; category ${enrolled.categoryChange ? `${enrolled.categoryChange.from} -> ${enrolled.categoryChange.to} (published on flex.membership.v1 for the registry)` : enrolled.category}`);
  const moved = await until('the registry moves her to C', 30_000, async () => {
    const r = await call(registry, 'GET', `/v1/accounts/${accountId}`, staff);
    return r.body?.account?.category === 'C' ? r.body : null;
  });
  const latest = moved.history.categories[moved.history.categories.length - 1];
  console.log(`  registry: category C from ${latest.effectiveFrom} (history v${latest.version}, recorded by ${latest.recordedBy}; v1 D kept)`);
  const pref = expectStatus('protect the stove', await call(flex, 'PUT', `/v1/flex/accounts/${accountId}/devices/${accountId}-stove/preference`, her, { mode: 'allow', windows: [{ mode: 'protect', from: '17:00', to: '20:00' }] }), 200);
  console.log(`  induction stove: protect 17:00-20:00 (preference v${pref.version}; v1 kept)`);

  console.log('=== the programme team dispatches 18:00-19:00 on 12 April 2022');
  const programmeId = `DEMO-EVENING-${stamp}`;
  const eventId = `${programmeId}-0412`;
  expectStatus('create the programme', await call(flex, 'POST', '/v1/flex/programmes', staff, { programmeId, name: 'Evening peak' }), 201);
  expectStatus('create the event', await call(flex, 'POST', `/v1/flex/programmes/${programmeId}/events`, staff, {
    eventId, windowStart: '2022-04-12T17:00:00Z', windowEnd: '2022-04-12T18:00:00Z', target: { regions: ['23'] }, requestedKw: '3', pricePencePerKwh: '57.15',
  }), 201);
  const dispatched = expectStatus('dispatch', await call(flex, 'POST', `/v1/flex/events/${eventId}/dispatch`, staff), 200);
  console.log(`  ${dispatched.devices} devices decided: ${dispatched.dispatched} dispatched, ${dispatched.protected} protected`);
  const activity = expectStatus('her activity', await call(flex, 'GET', `/v1/flex/accounts/${accountId}/activity`, her), 200);
  for (const d of activity.decisions) console.log(`  ${d.action.padEnd(8)} ${d.kind.padEnd(8)} ${d.explanation}`);
  console.log(`  she is told: "${activity.notifications.find((n: { moment: string }) => n.moment === 'start').text}"`);

  console.log('=== her VEN reports (OpenADR 3), the event is settled');
  // The same London half-hours on the 14 days before (10 working days alternating 2.4 and 2.8 kWh, the
  // weekend's 9 left out by the baseline) and 0.5 kWh in each half-hour of the event.
  const windowStart = Date.parse('2022-04-12T17:00:00Z');
  const half = (at: number, kwh: number) => ({ intervalPeriod: { start: new Date(at).toISOString(), duration: 'PT30M' }, payloads: [{ type: 'USAGE', values: [kwh] }] });
  const history = Array.from({ length: 14 }, (_, i) => 14 - i).flatMap((back) => {
    const day = windowStart - back * 86_400_000;
    const weekend = [0, 6].includes(new Date(day).getUTCDay());
    const kwh = weekend ? [9, 9] : back % 2 ? [2.4, 2.8] : [2.8, 2.4];
    return [half(day, kwh[0]!), half(day + 1_800_000, kwh[1]!)];
  });
  expectStatus('report', await call(flex, 'POST', '/openadr3/reports', her, {
    programID: programmeId, eventID: eventId, clientName: 'demo-ven', reportName: `${eventId}-${accountId}`,
    resources: [{ resourceName: 'home', intervals: [...history, half(windowStart, 0.5), half(windowStart + 1_800_000, 0.5)].map((i, id) => ({ id, ...i })) }],
  }), 201);
  console.log(`  her VEN reported ${history.length + 2} half-hours of usage: 29 Mar to 11 Apr (history) and the event's two`);
  const settled = expectStatus('settle', await call(flex, 'POST', `/v1/flex/events/${eventId}/settlement`, staff), 200);
  console.log(`  she is told: "${settled.credits[0].text}"`);

  console.log('=== billing: the credit on her next bill');
  await sleep(3000); // the flexibility relay and billing-events move the credit (seconds)
  const run = expectStatus('start the bill run', await call(billing, 'POST', '/v1/bill-runs', { ...staff, 'idempotency-key': `demo-flex-run-${stamp}` }, { periodStart: '2022-03-12', periodEnd: '2022-04-21', accountIds: [accountId] }), 202);
  const done = await until('the bill run', 30_000, async () => {
    const s = await call(billing, 'GET', `/v1/bill-runs/${run.runId}`, staff);
    return s.body?.status && s.body.status !== 'running' ? s.body : null;
  });
  if (done.status !== 'completed' || done.billed !== 1) throw new StepFailed(`bill run ${run.runId}: ${JSON.stringify(done)}`);
  const list = expectStatus('list the bills', await call(billing, 'GET', `/v1/accounts/${accountId}/bills`, her), 200);
  const bill = expectStatus('fetch the bill', await call(billing, 'GET', `/v1/accounts/${accountId}/bills/${list.items[0].billId}`, her), 200);
  for (const l of bill.lines as Array<{ description: string; amountPence: string }>) console.log(`  ${l.description.padEnd(80)} ${(Number(l.amountPence) / 100).toFixed(2).padStart(9)}`);
  console.log(`  total ${bill.totals.total}`);
  if (!bill.lines.some((l: { kind: string }) => l.kind === 'flexibility-credit')) throw new StepFailed('the bill has no flexibility credit line (is billing-events running? npm run services -- status)');
  const view = expectStatus('programme view', await call(flex, 'GET', `/v1/flex/programmes/${programmeId}/view`, staff), 200);
  for (const p of view.protection) console.log(`  programme view: ${p.insight}`);
}

main().catch((error) => {
  console.error(error instanceof StepFailed ? `demo-flex FAILED: ${error.message}` : error);
  process.exit(1);
});
