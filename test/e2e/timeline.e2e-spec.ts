import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { encodeRegistrySnapshot } from '@surge/registry-contracts/registry-change.event';
import { accountSnapshot } from '@surge-test/fixtures/d0010-flow.stub';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { advanced, demoStartWithRoom } from '@surge-test/support/demo-customer.picker';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { DEV_AUDIENCE, DEV_ISSUER } from '../../scripts/dev-identity.constants';

// Browser globals for the callbacks that run inside the page (serialized by puppeteer).
declare const document: any;
declare const sessionStorage: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PORTS = { api: 4501, sink: 4502, billing: 4503, csat: 4504, timeline: 4506, web: 4507, billingEvents: 4508, flows: 4509 } as const;

// Units the spec reads past the demo's closing read: a held reading, then a flow reading and a later reading above
// that one. The demo is given a customer with room on its dials for the furthest (demoStartWithRoom).
const HELD_ADVANCE = 600;
const FLOW_ADVANCE = 40;
const LATER_ADVANCE = 150;

/**
 * The account timeline end to end (issue 16), on the BUILT services (ports 4501-4508, own topics, databases,
 * groups): the demo's day (dist/scripts/demo-day.js) submits readings (one mistyped and rejected with its
 * reason), bills the account and answers the survey; then a reading is held and staff review it (accept, with
 * a note); the staff and the customer timeline show all of it in order (the note for staff only), the
 * customer-service page in Chromium finds the account by MPAN and opens the reviewed reading with its note, the
 * rejected one, the bill's lines and the answer; a customer token cannot use the page; an unknown account is said so.
 * Then an industry flow (D0010) carries a reading for the account: the flow and its reading (channel D0010 flow) are on
 * the timeline, the flow with what the sink decided, and the page opens the flow.
 * Last the isolation: with the timeline stopped a reading is still taken and decided, and the timeline
 * catches up when it is back.
 */
describe('account timeline end to end', () => {
  const database = uniqueName('e2e_timeline');
  const prefix = `${uniqueName('e2e_timeline')}.`;
  const staffKey = 'e2e-timeline-staff-key-0123456789';
  const collectorKey = 'e2e-timeline-collector-key-0123456789';
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const pgUrl = new URL(testEnv.DATABASE_URL);
  pgUrl.pathname = `/${database}`;
  const state = mkdtempSync(join(tmpdir(), 'surge-timeline-'));
  const svc: Partial<Record<keyof typeof PORTS, RunningService>> = {};
  let env: Record<string, string>;
  let privateKeyPem: string;
  let browser: Browser | undefined;
  let reviewed: { readingId: string; value: string };
  let summary: { accountId: string; supplyPointId: string; meterSerial: string; readingIds: string[]; rejectedReadingId: string; billId: string; surveyId: string };
  const url = (p: keyof typeof PORTS) => `http://127.0.0.1:${PORTS[p]}`;

  beforeAll(async () => {
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    mkdirSync(join(state, 'dev'));
    writeFileSync(join(state, 'dev', 'jwt-private.pem'), keys.privateKeyPem);
    writeFileSync(join(state, 'dev', 'staff-api-key'), staffKey);
    await ensurePostgresDatabase(admin, database);
    env = {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: database,
      CLICKHOUSE_USER: testEnv.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: testEnv.CLICKHOUSE_PASSWORD,
      DATABASE_URL: pgUrl.toString(),
      REDIS_URL: testEnv.REDIS_URL,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: DEV_ISSUER,
      JWT_AUDIENCE: DEV_AUDIENCE,
      API_KEYS: `staff:${sha256Hex(staffKey)}:readings:read|readings:review|billing:run|billing:read|csat:read|timeline:read,collector:${sha256Hex(collectorKey)}:flows:submit`,
      KAFKA_GROUP_ID: `${prefix}read-sink`,
      CSAT_KAFKA_GROUP_ID: `${prefix}csat`,
      TIMELINE_KAFKA_GROUP_ID: `${prefix}timeline`,
      CSAT_RELAY_IDLE_MS: '200',
      BILLING_QUEUE_PREFIX: uniqueName('e2e-timeline'),
      BILLING_MARKS_RELAY_IDLE_MS: '200',
      BILL_EVENTS_IDLE_MS: '200',
      TIMELINE_MAX_BATCH_WAIT_MS: '50',
    };
    // read-sink first: it creates the ClickHouse database; billing's migrations before billing-events relays.
    svc.sink = await startService('read-sink', PORTS.sink, env);
    [svc.billing, svc.csat, svc.timeline] = await Promise.all([startService('billing', PORTS.billing, env), startService('csat', PORTS.csat, env), startService('timeline', PORTS.timeline, env)]);
    svc.billingEvents = await startService('billing-events', PORTS.billingEvents, env);
    svc.api = await startService('read-api', PORTS.api, env);
    svc.web = await startService('service-web', PORTS.web, {
      NODE_ENV: 'test',
      SERVICE_WEB_DEV_SIGN_IN: 'true',
      SERVICE_WEB_DEV_STAFF_KEY: staffKey,
      TIMELINE_URL: url('timeline'),
    });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(Object.values(svc).map((s) => s?.stop()));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const ch = createClickHouse(clickHouseSettings(database));
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  });

  const customerToken = (accountId: string, sp: string, serial: string) =>
    issueCustomerToken(privateKeyPem, { sub: `c-${accountId}`, acc: accountId, sp: [sp], ms: [serial] }, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
  const get = async (base: string, path: string, auth: { apiKey?: string; token?: string }) => {
    const res = await fetch(`${base}${path}`, { headers: { ...(auth.apiKey ? { 'x-api-key': auth.apiKey } : {}), ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}) } });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  const servicesOutput = () => Object.entries(svc).map(([k, s]) => `--- ${k}\n${s?.output() ?? ''}`).join('\n');

  it('the day on the timeline: a rejected reading with its reason, the bill, the survey answer, then a held reading reviewed and accepted, in order, for staff (with the review note) and for the customer (without)', async () => {
    const summaryFile = join(state, 'summary.json');
    const dayPrefix = `DAY${Date.now().toString(36).toUpperCase()}`;
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(
        process.execPath,
        [join(__dirname, '..', '..', 'dist', 'scripts', 'demo-day.js'), '--state', state, '--read-api', url('api'), '--read-sink', url('sink'), '--billing', url('billing'), '--csat', url('csat'),
          '--timeline', url('timeline'), '--service-web', url('web'), '--customer-web', 'http://127.0.0.1:4599', '--registry', 'http://127.0.0.1:4598', '--prometheus', 'http://127.0.0.1:4597', '--summary', summaryFile,
          '--prefix', dayPrefix, '--start', String(demoStartWithRoom(dayPrefix, Date.now(), HELD_ADVANCE + Math.max(FLOW_ADVANCE, LATER_ADVANCE)))],
        { env: { PATH: process.env.PATH ?? '', DATABASE_URL: env.DATABASE_URL!, CLICKHOUSE_URL: env.CLICKHOUSE_URL!, CLICKHOUSE_DATABASE: database }, timeout: 150_000 },
      ));
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`demo-day failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}\n${servicesOutput()}`);
    }
    summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    expect(summary).toMatchObject({ ok: true, failures: [] });
    expect(stdout).toMatch(/a mistyped read .* -> rejected NEGATIVE_ADVANCE/);
    expect(stdout).toContain(`${url('timeline')}/v1/accounts/${summary.accountId}/timeline`);
    expect(stdout).toMatch(/the customer's own view \(their token\): the same \d+ entries, without staff notes/);
    expect(stdout).toContain(`customer service page: ${url('web')}/`);

    // After the bill, a reading far above what the meter should have advanced is held; staff review it and accept it.
    const token = await customerToken(summary.accountId, summary.supplyPointId, summary.meterSerial);
    const closing = String((await get(url('api'), `/v1/meter-readings/${summary.readingIds[2]}`, { token })).body.value);
    const value = advanced(closing, HELD_ADVANCE);
    const sent = await fetch(`${url('api')}/v1/meter-readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ supplyPointId: summary.supplyPointId, meterSerial: summary.meterSerial, registerId: 'S', readAt: '2022-05-03T09:00:00Z', value }),
    });
    expect(sent.status).toBe(202);
    const heldId = ((await sent.json()) as { readingId: string }).readingId;
    const held = await eventually(async () => {
      const r = await get(url('api'), `/v1/meter-readings/${heldId}`, { token });
      return r.body?.status && r.body.status !== 'received' ? r.body : undefined;
    }, 30_000);
    expect(held.status).toBe('held');
    const decision = await fetch(`${url('api')}/v1/held-readings/${heldId}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': staffKey, 'idempotency-key': `review-${heldId}` },
      body: JSON.stringify({ decision: 'accept', note: 'Customer sent a photo of the meter: the reading is right.' }),
    });
    expect(decision.status).toBe(202);
    await eventually(async () => (await get(url('api'), `/v1/meter-readings/${heldId}`, { token })).body?.status === 'accepted', 30_000);
    reviewed = { readingId: heldId, value };

    const staff = await eventually(async () => {
      const r = await get(url('timeline'), `/v1/accounts/${summary.accountId}/timeline?limit=50`, { apiKey: staffKey });
      return r.status === 200 && r.body.items[0]?.kind === 'reading.accepted' && r.body.items[0]?.link.id === heldId ? r : undefined;
    }, 30_000);
    expect(staff.status).toBe(200);
    const items = staff.body.items as { id: string; kind: string; occurredAt: string; source: string; link: { type: string; id: string }; details: any; staffNote?: string | null }[];
    // Newest first, and in the order it happened.
    const times = items.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const story = items.filter((e) => e.kind !== 'survey.invited' && e.kind !== 'registry.changed');
    expect(story.map((e) => [e.kind, e.link.id])).toEqual([
      ['reading.accepted', reviewed.readingId],
      ['reading.held', reviewed.readingId],
      ['survey.answered', summary.surveyId],
      ['bill.issued', summary.billId],
      ['reading.accepted', summary.readingIds[2]],
      ['reading.accepted', summary.readingIds[1]],
      ['reading.rejected', summary.rejectedReadingId],
      ['reading.accepted', summary.readingIds[0]],
    ]);
    expect(story.map((e) => e.source)).toEqual(['read-sink', 'read-sink', 'csat', 'billing', 'read-sink', 'read-sink', 'read-sink', 'read-sink']);
    const invited = items.find((e) => e.kind === 'survey.invited' && e.link.id === summary.surveyId)!;
    expect(Date.parse(invited.occurredAt)).toBeLessThan(Date.parse(story[2]!.occurredAt));
    expect(story[0]!.details).toMatchObject({ reasonCode: 'ACCEPTED_ON_REVIEW', reviewed: true });
    expect(story[0]!.staffNote).toContain('Customer sent a photo of the meter: the reading is right.');
    expect(story[1]!.details).toMatchObject({ status: 'held', reasonCode: expect.any(String) });
    expect(story[6]!.details).toMatchObject({ status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', message: expect.any(String) });
    expect(story[3]!.details.lines.length).toBeGreaterThan(0);
    expect(story[2]!.details).toMatchObject({ score: 5, comment: expect.stringContaining('seconds') });
    expect(items.every((e) => typeof e.staffNote === 'string' || e.staffNote === null)).toBe(true);

    const own = await get(url('timeline'), `/v1/accounts/${summary.accountId}/timeline?limit=50`, { token });
    expect(own.status).toBe(200);
    expect((own.body.items as { id: string }[]).map((e) => e.id)).toEqual(items.map((e) => e.id));
    expect((own.body.items as object[]).some((e) => 'staffNote' in e)).toBe(false);
    expect(JSON.stringify(own.body)).not.toContain('photo of the meter');
    const mallory = await customerToken('someone-else', '1200000000009', 'X1');
    expect(await get(url('timeline'), `/v1/accounts/${summary.accountId}/timeline`, { token: mallory })).toMatchObject({ status: 404, body: { error: { code: 'ACCOUNT_NOT_FOUND' } } });
    expect(await get(url('timeline'), `/v1/account-lookup?q=${summary.supplyPointId}`, { token })).toMatchObject({ status: 403, body: { error: { code: 'INSUFFICIENT_SCOPE' } } });
    expect((await get(url('timeline'), `/v1/accounts/${summary.accountId}/timeline?kind=bill`, { apiKey: staffKey })).body.items.map((e: { kind: string }) => e.kind)).toEqual(['bill.issued']);
    // How far behind its sources the timeline ran, per source, on its /metrics.
    const metrics = await (await fetch(`${url('timeline')}/metrics`)).text();
    for (const source of ['read-sink', 'billing', 'csat']) expect(metrics).toMatch(new RegExp(`surge_timeline_freshness_seconds_count\\{source="${source}"\\} [1-9]`));
  }, 180_000);

  it('the customer-service page in Chromium: sign in, find the account by MPAN, open the reviewed reading (its note), the rejected one, the bill and the answer; unknown accounts and customer tokens are told plainly', async () => {
    const page: Page = await browser!.newPage();
    try {
      await page.goto(`${url('web')}/`, { waitUntil: 'load' });
      await page.waitForSelector('#staff-id', { visible: true });
      await page.type('#staff-id', 'agent.1');
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForSelector('#q', { visible: true });

      await page.type('#q', 'NOSUCH123');
      await page.click('#search-form button[type=submit]');
      await page.waitForFunction(() => document.querySelector('#search-message')?.textContent?.includes('No account found for'), { timeout: 10_000 });

      await page.$eval('#q', (el: any) => (el.value = ''));
      await page.type('#q', summary.supplyPointId);
      await page.click('#search-form button[type=submit]');
      await page.waitForFunction((id: string) => document.querySelector('#timeline-title')?.textContent?.includes(id), { timeout: 10_000 }, summary.accountId);
      await page.waitForFunction(() => document.querySelectorAll('#entries li').length >= 7, { timeout: 10_000 });
      const kinds = await page.$$eval('#entries li', (lis: any[]) => lis.map((li) => li.dataset.kind));
      expect(kinds.filter((k: string) => k !== 'survey.invited' && k !== 'registry.changed')).toEqual([
        'reading.accepted', 'reading.held', 'survey.answered', 'bill.issued', 'reading.accepted', 'reading.accepted', 'reading.rejected', 'reading.accepted',
      ]);

      const open = async (kind: string) => {
        await page.click(`#entries li[data-kind="${kind}"] button`);
        await page.waitForSelector('#detail', { visible: true });
        return page.$eval('#detail', (el: any) => el.textContent as string);
      };
      const decided = await open('reading.accepted'); // the newest: accepted on review
      expect(decided).toContain('ACCEPTED_ON_REVIEW');
      expect(decided).toContain('Staff note: Review');
      expect(decided).toContain('Customer sent a photo of the meter');
      const rejected = await open('reading.rejected');
      expect(rejected).toContain('NEGATIVE_ADVANCE');
      expect(rejected).toContain('Staff note: Correlation id');
      const bill = await open('bill.issued');
      expect(bill).toMatch(/Total£\d+\.\d\d/);
      expect(await page.$$eval('#bill-lines tbody tr', (rows: any[]) => rows.length)).toBeGreaterThan(0);
      const answer = await open('survey.answered');
      expect(answer).toContain('5 of 5');
      expect(answer).toContain('Submitted my Meter Reading Day read in seconds.');

      // A customer's token in this browser (the customer page's session) cannot search: the timeline refuses it.
      const token = await customerToken(summary.accountId, summary.supplyPointId, summary.meterSerial);
      await page.evaluate((t: string) => {
        sessionStorage.clear();
        sessionStorage.setItem('surge.session', JSON.stringify({ token: t }));
      }, token);
      await page.reload({ waitUntil: 'load' });
      await page.waitForSelector('#q', { visible: true });
      await page.type('#q', summary.accountId);
      await page.click('#search-form button[type=submit]');
      await page.waitForFunction(() => document.querySelector('#search-message')?.textContent?.includes('This page is for customer service staff'), { timeout: 10_000 });
      // And the server never lets a browser name an API key itself.
      const forged = await page.evaluate(async (key: string) => (await fetch('/api/timeline/v1/account-lookup?q=x', { headers: { 'x-api-key': key } })).status, staffKey);
      expect(forged).toBe(401);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('an industry flow with a reading for the account: the flow (file id, sender, what the sink decided) and its reading (channel D0010 flow) on the timeline, and on the page', async () => {
    // The registry's state of the account, as the registry would publish it (the demo seeds accounts without it):
    // flow-intake matches a flow's readings to accounts only through registry.v1.
    const token = await customerToken(summary.accountId, summary.supplyPointId, summary.meterSerial);
    const digits = reviewed.value.length;
    const snapshot = accountSnapshot({ accountId: summary.accountId, mpan: summary.supplyPointId, meterSerial: summary.meterSerial, registerId: 'S' });
    const point = snapshot.supplyPoints[0]!;
    const meter = point.meters[0]!;
    const registered = { ...snapshot, supplyPoints: [{ ...point, meters: [{ ...meter, registers: meter.registers.map((r) => ({ ...r, digits })) }] }] };
    const publisher = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('e2e-timeline'), deadlineMs: 10_000, maxBufferedRecords: 100, maxBatchRecords: 10, lingerMs: 1, maxInFlightRequests: 1, lanes: 1 });
    await publisher.publish([{ topic: resolveTopics(prefix).registry.name, key: summary.accountId, value: encodeRegistrySnapshot(registered) }]);
    await publisher.close();
    svc.flows = await startService('flow-intake', PORTS.flows, { ...env, KAFKA_GROUP_ID: `${prefix}flow-intake-outcomes`, FLOW_PROCESSOR_IDLE_MS: '200' });

    const fileId = `E2ETL${Date.now() % 100000}`;
    const value = `${advanced(reviewed.value, FLOW_ADVANCE)}.0`;
    const lines = [`ZHV|${fileId}|D0010002|D|UDMS|X|SRGE|20260101093000||||OPER|`, `026|${summary.supplyPointId}|V|`, `028|${summary.meterSerial}|R|`, `030|S|20220520000000|${value}|||T|N|`];
    const text = `${[...lines, `ZPT|${fileId}|${lines.length - 1}||1|20260101094500|`].join('\n')}\n`;
    const sent = await fetch(`${url('flows')}/v1/industry/flows`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-api-key': collectorKey }, body: text });
    expect(sent.status).toBe(202);
    const { flowId } = (await sent.json()) as { flowId: string };

    const flowEntry = await eventually(async () => {
      const r = await get(url('timeline'), `/v1/accounts/${summary.accountId}/timeline?kind=flow`, { apiKey: staffKey });
      const e = r.body?.items?.[0];
      return e && e.details.outcomes.undecided === 0 ? e : undefined;
    }, 60_000);
    expect(flowEntry).toMatchObject({
      kind: 'flow.ingested',
      source: 'flow-intake',
      summary: `Industry flow ${fileId} from D UDMS: 1 reading (1 accepted, 0 held for review, 0 rejected)`,
      link: { type: 'industry-flow', id: flowId, href: `/v1/industry/flows/${flowId}` },
      details: { fileId, readings: 1, outcomes: { accepted: 1, held: 0, rejected: 0, undecided: 0 } },
    });
    const readings = (await get(url('timeline'), `/v1/accounts/${summary.accountId}/timeline?kind=reading&limit=3`, { token })).body.items as { summary: string; details: { channel: string; flowId?: string } }[];
    expect(readings[0]).toMatchObject({ summary: expect.stringContaining('(D0010 flow) accepted'), details: { channel: 'd0010', flowId } });

    const page: Page = await browser!.newPage();
    try {
      await page.goto(`${url('web')}/`, { waitUntil: 'load' });
      await page.waitForSelector('#staff-id', { visible: true });
      await page.type('#staff-id', 'agent.2');
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForSelector('#q', { visible: true });
      await page.type('#q', summary.accountId);
      await page.click('#search-form button[type=submit]');
      await page.waitForSelector('#entries li[data-kind="flow.ingested"]', { timeout: 10_000 });
      expect(await page.$eval('#entries li[data-kind="flow.ingested"]', (li: any) => li.textContent as string)).toContain(`Industry flow ${fileId} from D UDMS: 1 reading (1 accepted`);
      await page.click('#entries li[data-kind="flow.ingested"] button');
      await page.waitForSelector('#detail', { visible: true });
      const detail = await page.$eval('#detail', (el: any) => el.textContent as string);
      expect(detail).toContain(`Industry flow ${fileId}`);
      expect(detail).toContain('Readings for this account1');
      expect(detail).toContain(`/v1/industry/flows/${flowId}`);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('with the timeline down, a reading is still taken and decided; the timeline catches up when it is back', async () => {
    await svc.timeline!.stop();
    svc.timeline = undefined;
    const token = await customerToken(summary.accountId, summary.supplyPointId, summary.meterSerial);
    const later = advanced(reviewed.value, LATER_ADVANCE);
    const res = await fetch(`${url('api')}/v1/meter-readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ supplyPointId: summary.supplyPointId, meterSerial: summary.meterSerial, registerId: 'S', readAt: '2022-06-01T09:00:00Z', value: later }),
    });
    expect(res.status).toBe(202);
    const { readingId } = (await res.json()) as { readingId: string };
    // Decided by read-sink while the timeline is down: ingestion does not wait for it.
    const decidedStatus = await eventually(async () => {
      const status = (await get(url('api'), `/v1/meter-readings/${readingId}`, { token })).body?.status as string | undefined;
      return status && status !== 'received' ? status : undefined;
    }, 30_000);

    svc.timeline = await startService('timeline', PORTS.timeline, env);
    const caughtUp = await eventually(async () => {
      const r = await get(url('timeline'), `/v1/accounts/${summary.accountId}/timeline?kind=reading&limit=5`, { apiKey: staffKey });
      return r.body?.items?.find((e: { link: { id: string } }) => e.link.id === readingId);
    }, 30_000);
    expect(caughtUp).toMatchObject({ kind: `reading.${decidedStatus}`, source: 'read-sink' });
  }, 90_000);
});
