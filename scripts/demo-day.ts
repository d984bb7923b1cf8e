/**
 * The demo's whole day for one customer, through public interfaces only (the
 * billing CLI's seed command, then the services' HTTP APIs):
 *   1. a billing account ready for Meter Reading Day (billing-cli seed);
 *   2. the customer submits an opening read (1 March), the Meter Reading Day
 *      read (31 March) and a closing read (30 April) to read-api and waits for
 *      each to be accepted; after the opening read, a mistyped read (lower than
 *      it) is rejected with its reason;
 *   3. billing staff run the bill for March and April; the customer reads the
 *      bill: usage before 1 April at the old rates, after it at the new ones;
 *   4. csat invited the customer after the accepted reading; they answer once,
 *      a second answer is refused, staff read the day's CSAT;
 *   5. the account's timeline (when the timeline service answers): the day's story as customer service
 *      and the customer see it, the timeline URL and the customer-service page;
 *   6. the URLs to open.
 * Exits 1 if any step failed: a demo that lies is worse than none. Every wait
 * has a deadline.
 *
 *   node dist/scripts/demo-day.js [--state .stack] [--read-api URL] [--read-sink URL] [--billing URL] [--csat URL]
 *        [--timeline URL] [--service-web URL] [--prometheus URL] [--start N] [--prefix P] [--summary FILE]
 *   node dist/scripts/demo-day.js --urls-only [--read-api URL ...]     only step 6: the pages to open
 *
 * --state holds the dev credentials (dev/jwt-private.pem, dev/staff-api-key).
 * Each run uses a new account (a new block of demo account numbers every
 * second, a prefix from the clock), so re-running never meets the previous
 * run's readings, bill or survey throttle. The seed child process gets this
 * process's environment (DATABASE_URL and the rest, as billing-cli reads them).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { DEV_AUDIENCE, DEV_ISSUER } from './dev-identity.constants';
import {
  type BillViewForDemo,
  billProblems,
  DEMO_DAY_PERIOD,
  type DemoDayCustomer,
  demoDayStart,
  describeBill,
  pickDemoDayCustomer,
  plannedReadings,
} from './demo-day.plan';

const { values: opts } = parseArgs({
  options: {
    state: { type: 'string', default: '.stack' },
    'read-api': { type: 'string', default: 'http://127.0.0.1:3000' },
    'read-sink': { type: 'string', default: 'http://127.0.0.1:3001' },
    billing: { type: 'string', default: 'http://127.0.0.1:3002' },
    csat: { type: 'string', default: 'http://127.0.0.1:3003' },
    prometheus: { type: 'string', default: 'http://127.0.0.1:9090' },
    'customer-web': { type: 'string', default: 'http://127.0.0.1:3004' },
    registry: { type: 'string', default: 'http://127.0.0.1:3005' },
    timeline: { type: 'string', default: 'http://127.0.0.1:3006' },
    'service-web': { type: 'string', default: 'http://127.0.0.1:3007' },
    'flow-intake': { type: 'string', default: 'http://127.0.0.1:3009' },
    flexibility: { type: 'string', default: 'http://127.0.0.1:3010' },
    start: { type: 'string' },
    prefix: { type: 'string' },
    summary: { type: 'string' },
    'urls-only': { type: 'boolean', default: false },
  },
});

const SERVICES = { 'read-api': opts['read-api'], 'read-sink': opts['read-sink'], billing: opts.billing, csat: opts.csat } as const;
const REQUEST_TIMEOUT_MS = 15_000;
const DECIDED_WITHIN_MS = 60_000;
const BILL_RUN_WITHIN_MS = 90_000;
const MARKED_BILLED_WITHIN_MS = 30_000;
const INVITED_WITHIN_MS = 30_000;
const REPORTED_WITHIN_MS = 30_000;
const TIMELINE_WITHIN_MS = 30_000;

/** A step's failure: its message is what the person running the demo reads. */
class StepFailed extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer<T> {
  status: number;
  body: T;
  retryAfterS: number | null;
}

type ErrorBody = { error?: { code?: string; message?: string } };

async function call<T = Record<string, any>>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  auth: { token?: string; apiKey?: string },
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
        ...(auth.apiKey ? { 'x-api-key': auth.apiKey } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    throw new StepFailed(`cannot reach ${base}${path}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  const retryAfter = res.headers.get('retry-after');
  return { status: res.status, body: parsed as T, retryAfterS: retryAfter === null ? null : Number(retryAfter) || 1 };
}

const errorOf = (a: Answer<unknown>): string => {
  const e = (a.body as ErrorBody)?.error;
  return e ? `${e.code}: ${e.message}` : String(typeof a.body === 'string' ? a.body.slice(0, 200) : JSON.stringify(a.body)).slice(0, 200);
};

/**
 * Polls until `probe` returns a value; at the deadline, StepFailed naming
 * `what` and the last thing the probe reported seeing.
 */
async function waitFor<T>(what: string, withinMs: number, probe: (seen: (s: string) => undefined) => Promise<T | undefined>, everyMs = 300): Promise<T> {
  const deadline = Date.now() + withinMs;
  let last = 'nothing yet';
  const seen = (s: string): undefined => {
    last = s;
    return undefined;
  };
  for (;;) {
    const r = await probe(seen);
    if (r !== undefined) return r;
    if (Date.now() > deadline) throw new StepFailed(`${what}: not within ${withinMs / 1000} s (last seen: ${last})`);
    await sleep(everyMs);
  }
}

const say = (line = '') => console.log(line);
const dayStartIso = () => new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000).toISOString();
const dayEndIso = () => new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000).toISOString();

/** Each service's base URL and the pages it serves (probed: only what answers is listed), then Prometheus. */
async function printUrls(): Promise<void> {
  for (const [name, base] of Object.entries({ ...SERVICES, registry: opts.registry, timeline: opts.timeline, 'flow-intake': opts['flow-intake'], flexibility: opts.flexibility })) {
    const paths: string[] = [];
    for (const p of ['/health/ready', '/metrics', '/openapi.json']) {
      const a = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
      if (a?.ok) paths.push(p);
      await a?.body?.cancel().catch(() => undefined);
    }
    say(`  ${name.padEnd(12)} ${base}${paths.length ? `  ${paths.map((p) => `${base}${p}`).join('  ')}` : '  (not answering)'}`);
  }
  const page = await fetch(`${opts['customer-web']}/`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
  await page?.body?.cancel().catch(() => undefined);
  say(`  ${'customer page'.padEnd(10)} ${page?.ok ? `${opts['customer-web']}/  (open it in a browser; sign in with any account number: the development sign-in)` : `${opts['customer-web']} (not answering)`}`);
  const service = await fetch(`${opts['service-web']}/`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
  await service?.body?.cancel().catch(() => undefined);
  say(`  ${'service page'.padEnd(10)} ${service?.ok ? `${opts['service-web']}/  (customer service: sign in with any staff id, the development sign-in; search an account id, MPAN or serial)` : `${opts['service-web']} (not answering)`}`);
  const prom = await fetch(`${opts.prometheus}/-/ready`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
  await prom?.body?.cancel().catch(() => undefined);
  say(`  ${'prometheus'.padEnd(10)} ${prom?.ok ? `${opts.prometheus}  ${opts.prometheus}/alerts` : `${opts.prometheus} (not running here)`}`);
}

const heading = (n: number, title: string) => say(`\n--- ${n}. ${title}`);

interface Summary {
  ok: boolean;
  failures: string[];
  accountId?: string;
  supplyPointId?: string;
  meterSerial?: string;
  readingIds: string[];
  rejectedReadingId?: string;
  timelineEntries?: number;
  runId?: string;
  billId?: string;
  surveyId?: string;
}

/**
 * A mistyped read just after the opening read: a lower value on the same meter. The sink rejects it with
 * NEGATIVE_ADVANCE and says why; it never counts towards the bill (only accepted reads do).
 */
async function mistypedRead(c: DemoDayCustomer, opening: { value: string; readAt: string } & Record<string, string>, token: string): Promise<string> {
  const lower = Math.max(0, Number(opening.value) - 5);
  const body = { ...opening, readAt: '2022-03-15T09:00:00Z', value: String(lower).padStart(c.register.digits, '0') };
  const sent = await waitFor('the mistyped read accepted by read-api', DECIDED_WITHIN_MS, async (seen) => {
    const a = await call<{ readingId?: string } & ErrorBody>(SERVICES['read-api'], 'POST', '/v1/meter-readings', { token }, body, { 'idempotency-key': `${c.account.accountId}-mistyped` });
    if (a.status === 202 && a.body.readingId) return a.body.readingId;
    if (a.status === 503 || a.status === 429) {
      await sleep((a.retryAfterS ?? 1) * 1000);
      return seen(`HTTP ${a.status} ${errorOf(a)}`);
    }
    throw new StepFailed(`mistyped read: HTTP ${a.status} ${errorOf(a)}`);
  });
  const decided = await waitFor(`mistyped read ${sent} decided`, DECIDED_WITHIN_MS, async (seen) => {
    const a = await call<{ status?: string; reason?: { code: string; message: string } }>(SERVICES['read-api'], 'GET', `/v1/meter-readings/${sent}`, { token });
    if (a.status === 200 && a.body.status && a.body.status !== 'received') return a.body;
    return seen(a.status === 200 ? `status ${a.body.status}` : `HTTP ${a.status}`);
  });
  say(`  ${'a mistyped read'.padEnd(23)} ${body.readAt.padEnd(26)} ${body.value}  ${'lower than the opening read'.padEnd(34)} HTTP 202 -> ${decided.status} ${decided.reason?.code ?? ''}: ${decided.reason?.message ?? ''}`);
  if (decided.status !== 'rejected') throw new StepFailed(`the mistyped read was ${decided.status}, expected rejected with its reason`);
  return sent;
}

async function main(): Promise<number> {
  if (opts['urls-only']) {
    say('=== open these');
    await printUrls();
    return 0;
  }
  const state = opts.state;
  let privateKeyPem: string;
  let staffKey: string;
  try {
    privateKeyPem = readFileSync(join(state, 'dev', 'jwt-private.pem'), 'utf8');
    staffKey = readFileSync(join(state, 'dev', 'staff-api-key'), 'utf8').trim();
  } catch (e) {
    console.error(`no dev credentials in ${join(state, 'dev')} (npm run bootstrap writes them): ${(e as Error).message}`);
    return 1;
  }
  const summary: Summary = { ok: false, failures: [], readingIds: [] };
  const step = async (name: string, run: () => Promise<void>): Promise<boolean> => {
    try {
      await run();
      return true;
    } catch (e) {
      const message = e instanceof StepFailed ? e.message : String((e as Error)?.stack ?? e);
      summary.failures.push(`${name}: ${message}`);
      say(`FAILED (${name}): ${message}`);
      return false;
    }
  };

  say('=== the whole day for one customer: readings across the price change, their bill, their survey');

  // 1. The account, as billing's seed makes every demo account.
  let customer: DemoDayCustomer | undefined;
  const seeded = await step('billing account', async () => {
    heading(1, 'a billing account ready for Meter Reading Day');
    const start = opts.start !== undefined ? Number(opts.start) : demoDayStart(Date.now());
    if (!Number.isInteger(start) || start < 0 || start >= 1e9 - 100) throw new StepFailed('--start must be a whole number below 999,999,900');
    const prefix = opts.prefix ?? `DAY${Date.now().toString(36).toUpperCase()}`;
    customer = pickDemoDayCustomer(start, prefix);
    const c = customer;
    summary.accountId = c.account.accountId;
    summary.supplyPointId = c.supplyPoint.supplyPointId;
    summary.meterSerial = c.supplyPoint.meterSerial;
    const cli = join(__dirname, 'billing-cli.js');
    say(`$ node dist/scripts/billing-cli.js seed --accounts 1 --offset ${c.n} --prefix ${prefix}`);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'seed', '--accounts', '1', '--offset', String(c.n), '--prefix', prefix], { timeout: 60_000 });
      say(`  ${stdout.trim()}`);
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new StepFailed(`billing-cli seed failed: ${(err.stderr ?? '').trim() || err.message}`);
    }
    // Billing itself knows the account now (staff view: no bills yet).
    const known = await call(SERVICES.billing, 'GET', `/v1/accounts/${c.account.accountId}/bills`, { apiKey: staffKey });
    if (known.status !== 200) throw new StepFailed(`billing does not know ${c.account.accountId}: HTTP ${known.status} ${errorOf(known)}`);
    say(`  account ${c.account.accountId}: category ${c.account.category} (passive consumer), domestic, VAT ${c.account.vatRate}`);
    say(`  supply point ${c.supplyPoint.supplyPointId} (electricity), meter ${c.supplyPoint.meterSerial}, register ${c.register.registerId} (${c.register.digits} dials, EAC ${c.register.eacKwh} kWh a year)`);
    say(`  tariff ${c.supplyPoint.tariffId} (the price cap: new rates from 1 April 2022)`);
  });

  let token = '';
  let readingsOk = false;
  let mrdReadingId: string | undefined;
  if (seeded && customer) {
    const c = customer;
    token = await issueCustomerToken(
      privateKeyPem,
      { sub: `customer-${c.account.accountId}`, acc: c.account.accountId, sp: [c.supplyPoint.supplyPointId], ms: [c.supplyPoint.meterSerial] },
      { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, ttlSeconds: 3600 },
    );
    // 2. Three readings, each decided before the next (as a customer would send them, weeks apart).
    readingsOk = await step('readings', async () => {
      heading(2, 'the customer submits three readings through read-api');
      for (const [i, r] of plannedReadings(c.register).entries()) {
        const body = { supplyPointId: c.supplyPoint.supplyPointId, meterSerial: c.supplyPoint.meterSerial, registerId: c.register.registerId, readAt: r.readAt, value: r.value };
        // The same Idempotency-Key on a retry names the same reading: a 503 is retried safely.
        const sent = await waitFor(`${r.label} accepted by read-api`, DECIDED_WITHIN_MS, async (seen) => {
          const a = await call<{ readingId?: string } & ErrorBody>(SERVICES['read-api'], 'POST', '/v1/meter-readings', { token }, body, { 'idempotency-key': `${c.account.accountId}-${i}` });
          if (a.status === 202 && a.body.readingId) return a.body.readingId;
          if (a.status === 503 || a.status === 429) {
            await sleep((a.retryAfterS ?? 1) * 1000);
            return seen(`HTTP ${a.status} ${errorOf(a)}`);
          }
          throw new StepFailed(`${r.label}: HTTP ${a.status} ${errorOf(a)}`);
        });
        summary.readingIds.push(sent);
        if (i === 1) mrdReadingId = sent;
        const decided = await waitFor(`${r.label} ${sent} decided`, DECIDED_WITHIN_MS, async (seen) => {
          const a = await call<{ status?: string; reason?: { code: string; message: string } }>(SERVICES['read-api'], 'GET', `/v1/meter-readings/${sent}`, { token });
          if (a.status === 200 && a.body.status && a.body.status !== 'received') return a.body;
          return seen(a.status === 200 ? `status ${a.body.status}` : `HTTP ${a.status}`);
        });
        const advance = r.advance === null ? 'opening value' : `advance ${r.advance} kWh (the EAC pro rata)`;
        say(`  ${r.label.padEnd(23)} ${r.readAt.padEnd(26)} ${r.value}  ${advance.padEnd(34)} HTTP 202 -> ${decided.status} (stands for ${r.standsFor})`);
        if (decided.status !== 'accepted') throw new StepFailed(`${r.label} was ${decided.status}: ${decided.reason?.code ?? ''} ${decided.reason?.message ?? ''}`);
        if (i === 0) summary.rejectedReadingId = await mistypedRead(c, body, token);
      }
    });
  }

  // 3. The bill run and the customer's bill.
  if (readingsOk && customer) {
    const c = customer;
    await step('bill', async () => {
      heading(3, `billing staff run the bill for ${DEMO_DAY_PERIOD.start} to ${DEMO_DAY_PERIOD.end} (end not billed); the customer reads it`);
      const started = await call<{ runId?: string; totalAccounts?: number } & ErrorBody>(
        SERVICES.billing,
        'POST',
        '/v1/bill-runs',
        { apiKey: staffKey },
        { periodStart: DEMO_DAY_PERIOD.start, periodEnd: DEMO_DAY_PERIOD.end, kind: 'bill', accountIds: [c.account.accountId] },
        { 'idempotency-key': `demo-day-${c.account.accountId}` },
      );
      if (started.status !== 202 || !started.body.runId) throw new StepFailed(`POST /v1/bill-runs: HTTP ${started.status} ${errorOf(started)}`);
      const runId = started.body.runId;
      summary.runId = runId;
      say(`  POST /v1/bill-runs -> 202, run ${runId} for ${started.body.totalAccounts} account`);
      const run = await waitFor(`bill run ${runId} finished`, BILL_RUN_WITHIN_MS, async (seen) => {
        const a = await call<{ status: string; billed: number; failed: number; skipped: number; alreadyBilled: number }>(SERVICES.billing, 'GET', `/v1/bill-runs/${runId}`, { apiKey: staffKey });
        if (a.status === 200 && a.body.status !== 'running') return a.body;
        return seen(a.status === 200 ? `${a.body.status}` : `HTTP ${a.status}`);
      }, 500);
      say(`  run ${run.status}: ${run.billed} billed, ${run.alreadyBilled} already billed, ${run.failed} failed`);
      // The account's bill for the period exists: issued by this run, or (a repeated demo) by an earlier one.
      if (run.status !== 'completed' || run.billed + run.alreadyBilled !== 1) {
        const f = await call<{ items?: { reasonCode: string; reason: string }[] }>(SERVICES.billing, 'GET', `/v1/bill-runs/${runId}/failures?limit=5`, { apiKey: staffKey });
        throw new StepFailed(`the run did not bill the account: ${(f.body.items ?? []).map((x) => `${x.reasonCode} ${x.reason}`).join('; ') || run.status}`);
      }
      const list = await call<{ items?: { billId: string }[] } & ErrorBody>(SERVICES.billing, 'GET', `/v1/accounts/${c.account.accountId}/bills`, { token });
      if (list.status !== 200 || list.body.items?.length !== 1) throw new StepFailed(`GET /v1/accounts/{id}/bills as the customer: HTTP ${list.status} ${list.status === 200 ? `${list.body.items?.length} bills` : errorOf(list)}`);
      const billId = list.body.items[0]!.billId;
      summary.billId = billId;
      const bill = await call<BillViewForDemo & ErrorBody>(SERVICES.billing, 'GET', `/v1/accounts/${c.account.accountId}/bills/${billId}`, { token });
      if (bill.status !== 200) throw new StepFailed(`GET the bill as the customer: HTTP ${bill.status} ${errorOf(bill)}`);
      say(`  bill ${billId}, ${bill.body.period.start} to ${bill.body.period.end} (end not billed):`);
      for (const line of describeBill(bill.body)) say(`    ${line}`);
      const problems = billProblems(bill.body);
      if (problems.length > 0) throw new StepFailed(`the bill is not what the readings should give: ${problems.join('; ')}`);
      // The read path learns "billed" from billing's outbox through ClickHouse, seconds later.
      const marked = await waitFor(`the Meter Reading Day read marked billed`, MARKED_BILLED_WITHIN_MS, async (seen) => {
        const a = await call<{ status?: string; bills?: { billId: string }[] }>(SERVICES['read-api'], 'GET', `/v1/meter-readings/${mrdReadingId}`, { token });
        if (a.status === 200 && a.body.status === 'billed' && a.body.bills?.some((b) => b.billId === billId)) return a.body;
        return seen(a.status === 200 ? `status ${a.body.status}` : `HTTP ${a.status}`);
      }, 500);
      say(`  read-api now answers the Meter Reading Day read as ${marked.status} on bill ${billId}`);
    });
  }

  // 4. The survey csat made of the reading outcome (reading.accepted on Kafka).
  if (readingsOk && customer) {
    const c = customer;
    await step('survey', async () => {
      heading(4, 'the survey: csat invited the customer after their accepted reading');
      type Survey = { id: string; readingId: string; status: string; channel: string; outcome: { status: string }; expiresAt: string; question: string };
      const invitations = await waitFor('an invitation in GET /v1/surveys', INVITED_WITHIN_MS, async (seen) => {
        const a = await call<{ items?: Survey[] }>(SERVICES.csat, 'GET', '/v1/surveys', { token });
        if (a.status === 200 && (a.body.items?.length ?? 0) > 0) return a.body.items!;
        return seen(a.status === 200 ? 'no invitation yet (csat invites per CSAT_SAMPLING_RATE, default 1, at most once per account per CSAT_MIN_DAYS_BETWEEN_INVITATIONS, default 30)' : `HTTP ${a.status} ${errorOf(a)}`);
      }, 500);
      const labels = plannedReadings(c.register).map((r) => r.label);
      const which = (readingId: string) => labels[summary.readingIds.indexOf(readingId)] ?? 'a reading';
      for (const s of invitations) say(`  invitation ${s.id}: about the ${which(s.readingId)} ${s.readingId} (${s.outcome.status}, ${s.channel}), open until ${s.expiresAt}`);
      say(`  (one invitation per account per 30 days: the later readings are not asked about again)`);
      const survey = invitations[0]!;
      summary.surveyId = survey.id;
      const dayStart = dayStartIso();
      const dayEnd = dayEndIso();
      const reportPath = `/v1/csat?from=${dayStart}&to=${dayEnd}&granularity=day&by=channel`;
      type Report = { total: { responses: number; satisfied: number; csat: number | null }; buckets: { channel?: string; responses: number; csat: number | null }[]; definition: string };
      const before = await call<Report & ErrorBody>(SERVICES.csat, 'GET', reportPath, { apiKey: staffKey });
      if (before.status !== 200) throw new StepFailed(`GET /v1/csat as staff: HTTP ${before.status} ${errorOf(before)}`);

      say(`  "${survey.question}"`);
      const comment = 'Submitted my Meter Reading Day read in seconds.';
      const answered = await call<{ status?: string; answer?: { score: number; satisfied: boolean } } & ErrorBody>(
        SERVICES.csat,
        'POST',
        `/v1/surveys/${survey.id}/answer`,
        { token },
        { score: 5, comment },
      );
      if (answered.status !== 201) throw new StepFailed(`answering the survey: HTTP ${answered.status} ${errorOf(answered)}`);
      say(`  POST /v1/surveys/${survey.id}/answer {score: 5, comment: "${comment}"} -> 201 ${answered.body.status}, satisfied ${answered.body.answer?.satisfied}`);
      const again = await call<ErrorBody>(SERVICES.csat, 'POST', `/v1/surveys/${survey.id}/answer`, { token }, { score: 1 });
      say(`  the same survey again {score: 1} -> HTTP ${again.status} ${errorOf(again)}`);
      if (again.status !== 409 || again.body.error?.code !== 'SURVEY_ALREADY_ANSWERED') throw new StepFailed('a second answer was not refused with 409 SURVEY_ALREADY_ANSWERED');

      const history = await call<{ items?: { id: string; status: string; answer: { score: number } | null }[] } & ErrorBody>(
        SERVICES.csat,
        'GET',
        `/v1/accounts/${c.account.accountId}/surveys`,
        { apiKey: staffKey },
      );
      const answeredCount = history.body.items?.filter((s) => s.answer !== null).length ?? 0;
      if (history.status !== 200 || answeredCount !== 1) throw new StepFailed(`customer service sees ${answeredCount} answers on the account (HTTP ${history.status}), expected exactly 1`);
      say(`  customer service (GET /v1/accounts/{id}/surveys): 1 answer on the account, score ${history.body.items!.find((s) => s.answer)!.answer!.score}`);

      // The day's figures come from ClickHouse, fed by csat's answer outbox: seconds behind the answer.
      const report = await waitFor("the answer in the day's CSAT", REPORTED_WITHIN_MS, async (seen) => {
        const a = await call<Report>(SERVICES.csat, 'GET', reportPath, { apiKey: staffKey });
        if (a.status === 200 && a.body.total.responses > before.body.total.responses) return a.body;
        return seen(a.status === 200 ? `${a.body.total.responses} responses` : `HTTP ${a.status}`);
      }, 500);
      say(`  staff (GET /v1/csat, csat:read) for ${dayStart.slice(0, 10)}: ${report.total.responses} ${report.total.responses === 1 ? 'response' : 'responses'}, ${report.total.satisfied} satisfied, CSAT ${report.total.csat ?? '-'}%`);
      for (const b of report.buckets) say(`    channel ${b.channel ?? '-'}: ${b.responses} ${b.responses === 1 ? 'response' : 'responses'}, CSAT ${b.csat ?? '-'}%`);
      say(`  (${report.definition})`);
    });
  }

  // 5. The account's story, as customer service and the customer see it (the timeline, built from the events).
  if (seeded && customer) {
    const c = customer;
    const ready = await fetch(`${opts.timeline}/health/ready`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
    await ready?.body?.cancel().catch(() => undefined);
    if (!ready?.ok) {
      heading(5, 'the account timeline');
      say(`  the timeline is not running at ${opts.timeline} (bash scripts/services.sh up timeline billing-events service-web); skipped`);
    } else {
      await step('timeline', async () => {
        heading(5, "the account timeline: the day's story from the services' events");
        type Entry = { id: string; kind: string; occurredAt: string; source: string; summary: string; staffNote?: string | null };
        const path = `/v1/accounts/${c.account.accountId}/timeline?limit=50`;
        const page = await waitFor('the bill and the survey answer on the timeline', TIMELINE_WITHIN_MS, async (seen) => {
          const a = await call<{ items?: Entry[] } & ErrorBody>(opts.timeline, 'GET', path, { apiKey: staffKey });
          const kinds = new Set((a.body.items ?? []).map((e) => e.kind));
          if (a.status === 200 && kinds.has('bill.issued') && kinds.has('survey.answered') && kinds.has('reading.rejected')) return a.body.items!;
          return seen(a.status === 200 ? `${a.body.items?.length ?? 0} entries so far` : `HTTP ${a.status} ${errorOf(a)}`);
        }, 500);
        summary.timelineEntries = page.length;
        say(`  GET ${opts.timeline}${path} (staff, timeline:read): ${page.length} entries, newest first`);
        for (const e of page.slice(0, 8)) say(`    ${e.occurredAt}  ${e.source.padEnd(9)} ${e.kind.padEnd(17)} ${e.summary}`);
        const own = await call<{ items?: Entry[] } & ErrorBody>(opts.timeline, 'GET', path, { token });
        if (own.status !== 200 || own.body.items?.length !== page.length || own.body.items.some((e) => 'staffNote' in e)) {
          throw new StepFailed(`the customer's own timeline: HTTP ${own.status}, ${own.body.items?.length ?? 0} entries (staff see ${page.length}), staff notes must be absent`);
        }
        say(`  the customer's own view (their token): the same ${page.length} entries, without staff notes`);
        say(`  customer service page: ${opts['service-web']}/  (search ${c.supplyPoint.supplyPointId} or ${c.supplyPoint.meterSerial})`);
      });
    }
  }

  // 6. Where to look.
  heading(6, 'open these');
  await printUrls();
  if (customer && seeded) {
    const c = customer;
    const bearer = `-H "authorization: Bearer $(node dist/scripts/dev-credentials.js token ${join(state, 'dev')} ${c.account.accountId} ${c.supplyPoint.supplyPointId} ${c.supplyPoint.meterSerial})"`;
    say('  as this customer (a dev token from dev-credentials):');
    say(`    curl ${bearer} ${SERVICES['read-api']}/v1/accounts/${c.account.accountId}/meter-readings`);
    if (summary.billId) say(`    curl ${bearer} ${SERVICES.billing}/v1/accounts/${c.account.accountId}/bills/${summary.billId}`);
    say(`    curl ${bearer} ${SERVICES.csat}/v1/surveys/${summary.surveyId ?? ''}`);
    say('  as staff:');
    say(`    curl -H "x-api-key: $(cat ${join(state, 'dev', 'staff-api-key')})" '${SERVICES.csat}/v1/csat?from=${dayStartIso()}&to=${dayEndIso()}&granularity=hour&by=channel,category,outcome'`);
  }

  summary.ok = summary.failures.length === 0;
  if (opts.summary) writeFileSync(opts.summary, `${JSON.stringify(summary, null, 2)}\n`);
  say(summary.ok ? '\nthe whole day: every step done' : `\nthe whole day: ${summary.failures.length} step(s) FAILED:\n  ${summary.failures.join('\n  ')}`);
  return summary.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
