import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { DEMO_PERIOD, demoAccount } from '@surge-test/fixtures/demo-population.generator';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { type BillingTestStores, openBillingTestStores } from '@surge-test/support/billing-stores.fixture';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

/**
 * The customer's page in a real browser (Debian's chromium, headless, driven by
 * puppeteer-core): the BUILT read-api, read-sink, billing, csat and customer-web
 * on ports 4001-4005, with their own topics and databases. A customer signs in,
 * submits, sees the outcome, answers the survey once; a wrong reading is
 * explained at its field before anything is sent; with read-api down the page
 * retries by itself with the same Idempotency-Key and the reading lands once;
 * nobody else's readings or bills can be reached. Screenshots go to a
 * temporary folder, or to docs/screenshots (referenced from README.md) with
 * SURGE_UPDATE_SCREENSHOTS=1: a test run must not change the tree.
 */
// Browser globals for the callbacks that run inside the page (serialized by puppeteer); the Node program has no DOM types.
declare const document: any;
declare const window: any;
declare const sessionStorage: any;
type HTMLInputElement = { value: string };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.SURGE_UPDATE_SCREENSHOTS === '1' ? join(__dirname, '..', '..', 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'surge-shots-'));
const PORTS = { api: 4001, sink: 4002, billing: 4003, csat: 4004, web: 4005 } as const;

describe('customer-web in a real browser', () => {
  const prefix = `${uniqueName('e2e_cw')}.`;
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const staffKey = 'e2e-cw-staff-key-0123456789';
  let stores: BillingTestStores;
  let env: Record<string, string>;
  let webEnv: Record<string, string>;
  const svc: Partial<Record<keyof typeof PORTS, RunningService>> = {};
  let browser: Browser;
  let page: Page;
  const webUser = `CW-${Date.now().toString(36)}`;
  // A demo-population account with one single-rate electricity meter: it has bills across the 1 April price change.
  const billed = Array.from({ length: 12 }, (_, i) => demoAccount(i + 1, 'CW')).find((a) => a.supplyPoints.length === 1 && a.supplyPoints[0]!.registers.map((r) => r.registerId).join() === 'S')!;
  const otherAccount = demoAccount(billed.index === 1 ? 2 : 1, 'CW').accountId;

  beforeAll(async () => {
    stores = await openBillingTestStores('e2e_cw', { count: 12, prefix: 'CW' }, 2);
    const keys = await generateDevKeyPair();
    env = {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: stores.chName,
      CLICKHOUSE_USER: testEnv.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: testEnv.CLICKHOUSE_PASSWORD,
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: testEnv.REDIS_URL,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      API_KEYS: `staff:${sha256Hex(staffKey)}:billing:run|billing:read|readings:read|csat:read`,
      KAFKA_GROUP_ID: `${prefix}read-sink`,
      CSAT_KAFKA_GROUP_ID: `${prefix}csat`,
      CSAT_MIN_DAYS_BETWEEN_INVITATIONS: '0',
      CSAT_RELAY_IDLE_MS: '200',
      BILLING_QUEUE_PREFIX: uniqueName('e2e-cw'),
    };
    webEnv = {
      NODE_ENV: 'test',
      CUSTOMER_WEB_DEV_SIGN_IN: 'true',
      JWT_PRIVATE_KEY: keys.privateKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      READ_API_URL: `http://127.0.0.1:${PORTS.api}`,
      BILLING_URL: `http://127.0.0.1:${PORTS.billing}`,
      CSAT_URL: `http://127.0.0.1:${PORTS.csat}`,
      UPSTREAM_RETRY_AFTER_SECONDS: '1',
    };
    [svc.sink, svc.csat, svc.billing, svc.web] = await Promise.all([
      startService('read-sink', PORTS.sink, env),
      startService('csat', PORTS.csat, env),
      startService('billing', PORTS.billing, env),
      startService('customer-web', PORTS.web, webEnv),
    ]);
    svc.api = await startService('read-api', PORTS.api, env);
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 900, height: 900 });
    // Only so the test can inject axe-core; the page's own CSP allows no inline script.
    await page.setBypassCSP(true);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(Object.values(svc).map((s) => s?.stop()));
    await stores?.drop().catch(() => undefined);
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
  });

  const web = () => svc.web!.url;
  const outcomeText = () => page.$eval('#outcome', (e) => e.textContent ?? '');
  const waitOutcome = (text: string, timeout = 45_000) => page.waitForFunction((t) => document.querySelector('#outcome')?.textContent?.includes(t), { timeout, polling: 200 }, text);
  const signIn = async (account: string, meter?: { supplyPointId: string; meterSerial: string }) => {
    await page.goto(`${web()}/`, { waitUntil: 'load' });
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${web()}/`, { waitUntil: 'load' });
    await page.type('#account', account);
    if (meter) {
      await page.click('summary');
      await page.type('#sign-in-mpan', meter.supplyPointId);
      await page.type('#sign-in-serial', meter.meterSerial);
    }
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#digit-0', { visible: true });
  };
  const enterDigits = async (digits: string) => {
    for (let i = 0; i < digits.length; i++) {
      await page.$eval(`#digit-${i}`, (e) => ((e as HTMLInputElement).value = ''));
      await page.type(`#digit-${i}`, digits[i]!);
    }
  };
  /** What the page itself can fetch with the signed-in customer's token (object-level authorization). */
  const fetchAsPage = (path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> =>
    page.evaluate(
      async (p, i) => {
        const s = JSON.parse(sessionStorage.getItem('surge.session')!);
        const res = await fetch(p, { method: i.method ?? 'GET', headers: { authorization: `Bearer ${s.token}`, ...(i.body ? { 'content-type': 'application/json' } : {}) }, ...(i.body ? { body: JSON.stringify(i.body) } : {}) });
        return { status: res.status, body: await res.json().catch(() => null) };
      },
      path,
      init,
    );
  const submits: { key: string | undefined; status?: number }[] = [];
  const watchSubmits = (p: Page) =>
    p.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/read/v1/meter-readings')) submits.push({ key: r.headers()['idempotency-key'] });
    });

  it('refuses to start with the development sign-in outside development', async () => {
    await expect(startService('customer-web', 4010, { ...webEnv, NODE_ENV: 'production' }, 15_000)).rejects.toThrow(/only for local use/);
  });

  it('signs in, submits a valid reading and sees it accepted, then answers the survey once; a second answer is refused', async () => {
    watchSubmits(page);
    await signIn(webUser);
    // The page meets the accessibility check before and after feedback.
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
    const axe = async () =>
      page.evaluate(async () => {
        const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
        return (r.violations as { id: string; impact: string }[]).filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
      });
    expect(await axe()).toEqual([]);
    const today = await page.$eval('#read-date', (e) => (e as HTMLInputElement).value);
    expect(today).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    await enterDigits('01234');
    await page.click('#submit');
    await waitOutcome('Reading received', 15_000);
    await waitOutcome('Reading accepted');
    expect(submits).toHaveLength(1);
    await page.waitForSelector('#survey:not([hidden])', { timeout: 30_000 });
    expect(await axe()).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'submit-accepted.png'), fullPage: true });

    await page.click('#scale input[value="4"]');
    await page.type('#comment', 'Easy');
    await page.click('#survey button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#survey-done')?.textContent?.includes('Thank you'));
    const surveys = await fetchAsPage('/api/csat/v1/surveys');
    expect(surveys.status).toBe(200);
    const mine = await eventually(async () => {
      const r = (await fetchAsPage(`/api/csat/v1/accounts/${webUser}/surveys`)) as { status: number; body: any };
      return r.status === 200 && r.body.items.length > 0 ? (r.body.items as { id: string; status: string }[]) : undefined;
    }, 10_000);
    expect(mine).toEqual([expect.objectContaining({ status: 'answered' })]);
    // The answer is refused a second time, whatever the page shows.
    const surveyId = mine[0]!.id;
    const again = await fetchAsPage(`/api/csat/v1/surveys/${surveyId}/answer`, { method: 'POST', body: { score: 1 } });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'SURVEY_ALREADY_ANSWERED' } } });
  });

  it('explains a wrong reading at its field and sends nothing', async () => {
    const before = submits.length;
    await page.goto(`${web()}/`, { waitUntil: 'load' });
    await page.waitForSelector('#digit-0', { visible: true });
    await enterDigits('12a45');
    await page.$eval('#read-date', (e) => ((e as HTMLInputElement).value = '2099-01-01'));
    await page.click('#submit');
    const valueError = await page.$eval('#value-error', (e) => e.textContent ?? '');
    expect(valueError).toMatch(/digits only/);
    expect(await page.$eval('#read-date-error', (e) => e.textContent ?? '')).toMatch(/in the future/);
    // The error is tied to its field for assistive technology, and the field is marked invalid.
    expect(await page.$eval('#digit-0', (e) => [e.getAttribute('aria-invalid'), e.getAttribute('aria-describedby')])).toEqual(['true', 'value-error']);
    expect(await page.$eval('#read-date', (e) => [e.getAttribute('aria-invalid'), e.getAttribute('aria-describedby')])).toEqual(['true', 'read-date-error']);
    await page.screenshot({ path: join(SHOTS, 'inline-error.png'), fullPage: true });
    expect(submits.length).toBe(before);
  });

  it('a negative advance comes back rejected with its reason', async () => {
    await page.goto(`${web()}/`, { waitUntil: 'load' });
    await page.waitForSelector('#digit-0', { visible: true });
    await enterDigits('01000');
    await page.click('#submit');
    await waitOutcome('Reading rejected');
    expect(await outcomeText()).toMatch(/lower than|negative|previous/i);
  });

  it('with read-api unavailable the page says so, keeps the reading, retries with the same key, and it lands once', async () => {
    await svc.api!.stop();
    svc.api = undefined;
    const before = submits.length;
    await page.goto(`${web()}/`, { waitUntil: 'load' });
    await page.waitForSelector('#digit-0', { visible: true });
    await enterDigits('01300');
    await page.click('#submit');
    await page.waitForSelector('#outcome.waiting', { timeout: 10_000 });
    expect(await outcomeText()).toMatch(/has not been received yet/);
    expect(await outcomeText()).not.toMatch(/Reading received/);
    await page.screenshot({ path: join(SHOTS, 'retrying.png'), fullPage: true });
    svc.api = await startService('read-api', PORTS.api, env);
    await waitOutcome('Reading received');
    // Decided by the sink like any other: a 66-unit advance within minutes of the last reading may be held.
    await page.waitForSelector('#outcome:is(.accepted, .held)', { timeout: 45_000 });
    const attempts = submits.slice(before);
    expect(attempts.length).toBeGreaterThan(1);
    expect(new Set(attempts.map((a) => a.key)).size).toBe(1);
    const list = await fetchAsPage(`/api/read/v1/accounts/${webUser}/meter-readings?limit=50`);
    expect(list.status).toBe(200);
    expect((list.body.items as { value: string }[]).filter((r) => Number(r.value) === 1300)).toHaveLength(1);
    await page.click('nav a[href="/readings"]');
    await page.waitForFunction(() => document.querySelectorAll('#readings tr').length >= 3, { timeout: 10_000 });
  });

  it('shows the signed-in account\u2019s bills across the price change, and nobody else\u2019s readings or bills', async () => {
    const myReadings = await fetchAsPage(`/api/read/v1/accounts/${webUser}/meter-readings?limit=1`);
    const myReadingId = myReadings.body.items[0].readingId as string;
    const run = await fetch(`http://127.0.0.1:${PORTS.billing}/v1/bill-runs`, {
      method: 'POST',
      headers: { 'x-api-key': staffKey, 'content-type': 'application/json', 'idempotency-key': 'e2e-cw-run-0001' },
      body: JSON.stringify({ periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end }),
    });
    expect(run.status).toBe(202);
    const runId = ((await run.json()) as { runId: string }).runId;
    await eventually(async () => {
      const s = (await (await fetch(`http://127.0.0.1:${PORTS.billing}/v1/bill-runs/${runId}`, { headers: { 'x-api-key': staffKey } })).json()) as { status: string };
      return s.status !== 'running' ? s : undefined;
    }, 60_000, 500);

    const sp = billed.supplyPoints[0]!;
    await signIn(billed.accountId, { supplyPointId: sp.supplyPointId, meterSerial: sp.meterSerial });
    await page.click('nav a[href="/bills"]');
    await page.waitForSelector('#bills .bill li', { timeout: 15_000 });
    const lines = await page.$$eval('#bills li', (ls) => ls.map((l) => l.textContent ?? ''));
    expect(lines.some((l) => /2022-03/.test(l))).toBe(true);
    expect(lines.some((l) => /2022-04/.test(l))).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'bills.png'), fullPage: true });

    expect((await fetchAsPage(`/api/read/v1/accounts/${webUser}/meter-readings`)).status).toBe(404);
    expect((await fetchAsPage(`/api/read/v1/meter-readings/${myReadingId}`)).status).toBe(404);
    expect((await fetchAsPage(`/api/billing/v1/accounts/${otherAccount}/bills`)).status).toBe(404);
    expect((await fetchAsPage(`/api/billing/v1/accounts/${webUser}/bills`)).status).toBe(404);
  });
});
