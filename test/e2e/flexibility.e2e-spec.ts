import { Consumer, stringDeserializer } from '@platformatic/kafka';
import type { Pool } from 'pg';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { DEMO_PERIOD, demoAccount } from '@surge-test/fixtures/demo-population.generator';
import { type BillingTestStores, openBillingTestStores } from '@surge-test/support/billing-stores.fixture';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

/**
 * Issue 17, the story end to end on BUILT services and the real stack: flexibility (port 4609, its own
 * database), billing (4602, its own stores), billing-events (4603: billing's Kafka side, which takes
 * flex.earned-value.v1 into billing's flexibility_credits, under this test's topic prefix) and the registry
 * (4605, on billing's database like in production, which applies flex.membership.v1's category change). The
 * member, a category D customer, enrols a battery, a dryer (allow) and an induction stove (protected in the
 * evening) and the registry moves her to C, with a history row, on registry.v1; the programme dispatches an
 * 18:00-19:00 event; the stove is protected with its reason and preference version; she is told the issue's
 * words; her VEN reports (OpenADR 3) her usage for the 14 days before and the event's half-hours, and the
 * settlement computes her baseline from that history (10 working days): 4.2 kWh, £2.40, whatever BASELINE
 * the VEN states; the credit is its own line on her next bill, once, however often it is redelivered.
 */
describe('flexibility end to end', () => {
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const flexKey = 'e2e-flex-programme-key-0123456789';
  const billingKey = 'e2e-flex-billing-key-0123456789';
  const prefix = `${uniqueName('e2e-flex')}.`;
  const flexDb = uniqueName('e2e_flex');
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  let stores: BillingTestStores;
  let flexPool: Pool;
  let flex: RunningService;
  let billing: RunningService;
  let billingEvents: RunningService;
  let timeline: RunningService;
  let registry: RunningService;
  const registryKey = 'e2e-flex-registry-staff-key-0123456789';
  const timelineKey = 'e2e-flex-timeline-staff-key-0123456789';
  let privateKeyPem: string;
  let consumer: Consumer<string, Buffer, string, string> | undefined;
  const me = demoAccount(5, 'E2EF');
  const someoneElse = demoAccount(6, 'E2EF');
  // 12 April 2022, 18:00-19:00 London (BST, so 17:00-18:00Z): inside the demo bill period.
  const windowStart = '2022-04-12T17:00:00Z';
  const windowEnd = '2022-04-12T18:00:00Z';

  beforeAll(async () => {
    stores = await openBillingTestStores('e2e_flex_billing', { count: 8, prefix: 'E2EF' }, 2);
    await ensurePostgresDatabase(admin, flexDb);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${flexDb}`;
    flexPool = createPostgresPool(url.toString(), { max: 2 });
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    const auth = { JWT_PUBLIC_KEY: keys.publicKeyPem, JWT_ISSUER: issuer, JWT_AUDIENCE: audience };
    flex = await startService('flexibility', 4609, {
      ...auth,
      DATABASE_URL: url.toString(),
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      API_KEYS: `programme:${sha256Hex(flexKey)}:flex:manage`,
      FLEX_RELAY_IDLE_MS: '200',
    });
    billing = await startService('billing', 4602, {
      ...auth,
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: testEnv.REDIS_URL,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: stores.chName,
      CLICKHOUSE_USER: testEnv.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: testEnv.CLICKHOUSE_PASSWORD,
      API_KEYS: `staff:${sha256Hex(billingKey)}:billing:run|billing:read`,
      BILLING_QUEUE_PREFIX: uniqueName('e2e-flex-billing'),
      KAFKA_BROKERS: '127.0.0.1:1',
    });
    billingEvents = await startService('billing-events', 4603, {
      DATABASE_URL: stores.databaseUrl,
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      FLEX_CREDITS_GROUP_ID: uniqueName('e2e-flex-credits'),
    });
    // She is a passive consumer (D) in the registry before she enrols; the registry's migrations (run at its
    // start) give every seeded account its first history row.
    await stores.pool.query(`UPDATE accounts SET category = 'D' WHERE account_id = $1`, [me.accountId]);
    registry = await startService('registry', 4605, {
      ...auth,
      DATABASE_URL: stores.databaseUrl,
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      API_KEYS: `staff:${sha256Hex(registryKey)}:registry:read`,
      REGISTRY_FLEX_MEMBERSHIP_GROUP_ID: uniqueName('e2e-flex-registry'),
      REGISTRY_RELAY_IDLE_MS: '200',
    });
    // The account timeline (issue 16) reads the flex.* facts and billing's bills from the same topics.
    timeline = await startService('timeline', 4606, {
      ...auth,
      DATABASE_URL: url.toString(),
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      API_KEYS: `staff:${sha256Hex(timelineKey)}:timeline:read`,
      TIMELINE_KAFKA_GROUP_ID: uniqueName('e2e-flex-timeline'),
      TIMELINE_MAX_BATCH_WAIT_MS: '50',
    });
  }, 120_000);

  afterAll(async () => {
    await consumer?.close(true).catch(() => undefined);
    await timeline?.stop();
    await registry?.stop();
    await billingEvents?.stop();
    await flex?.stop();
    await billing?.stop();
    await flexPool?.end();
    await stores?.drop();
    await admin.query(`DROP DATABASE IF EXISTS ${flexDb} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, ['flex.dispatch.v1', 'flex.notifications.v1', 'flex.earned-value.v1', 'flex.membership.v1', 'registry.v1'].map((t) => `${prefix}${t}`)).catch(() => undefined);
  });

  const call = async (base: string, method: 'GET' | 'POST' | 'PUT', path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const json = (await res.json()) as Record<string, any>;
    return { status: res.status, body: res.status >= 400 ? (json.error as Record<string, any>) : json };
  };
  const f = (method: 'GET' | 'POST' | 'PUT', path: string, headers: Record<string, string>, body?: unknown) => call(flex.url, method, path, headers, body);
  const programme = { 'x-api-key': flexKey };
  const tokenOf = async (a: typeof me) => ({
    authorization: `Bearer ${await issueCustomerToken(privateKeyPem, { sub: `c-${a.accountId}`, acc: a.accountId, sp: a.supplyPoints.map((s) => s.supplyPointId), ms: a.supplyPoints.map((s) => s.meterSerial) }, { issuer, audience })}`,
  });

  it('enrols (D moves to C in the registry), dispatches, protects the stove, notifies her, pays her from her reported usage history and credits her next bill once', async () => {
    const her = await tokenOf(me);
    const enrolled = await f('POST', `/v1/flex/accounts/${me.accountId}/enrolment`, her, {
      region: '14',
      category: 'D',
      devices: [
        { deviceId: `${me.accountId}-battery`, kind: 'battery', preference: { mode: 'allow' } },
        { deviceId: `${me.accountId}-dryer`, kind: 'dryer', preference: { mode: 'allow' } },
        { deviceId: `${me.accountId}-stove`, kind: 'stove', name: 'Induction stove', preference: { mode: 'allow' } },
      ],
    });
    expect(enrolled.status).toBe(201);
    // A D customer who enrols moves to C (and the change is published for the registry).
    expect(enrolled.body).toMatchObject({ category: 'C', categoryChange: { from: 'D', to: 'C' } });
    // The registry, the owner of accounts, applies it from flex.membership.v1: a new history row, the old kept.
    const account = await eventually(async () => {
      const r = await call(registry.url, 'GET', `/v1/accounts/${me.accountId}`, { 'x-api-key': registryKey });
      return r.body.account?.category === 'C' ? r.body : undefined;
    }, 30_000);
    expect(account.history.categories.map((v: { version: number; category: string; recordedBy: string }) => [v.version, v.category, v.recordedBy])).toEqual([
      [1, 'D', 'migration'],
      [2, 'C', `flexibility:${me.accountId}:category-D-C`],
    ]);
    // Dinner is the line: the stove is protected in the evening. A new version; the first is kept.
    const pref = await f('PUT', `/v1/flex/accounts/${me.accountId}/devices/${me.accountId}-stove/preference`, her, { mode: 'allow', windows: [{ mode: 'protect', from: '17:00', to: '20:00' }] });
    expect(pref.status).toBe(200);
    expect(pref.body.history.map((v: { version: number; mode: string }) => v.version)).toEqual([1, 2]);

    // Object-level authorization: another member cannot see or change hers (404), bad input is a 400 with a code.
    const other = await tokenOf(someoneElse);
    expect((await f('GET', `/v1/flex/accounts/${me.accountId}/devices`, other)).body.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await f('PUT', `/v1/flex/accounts/${me.accountId}/devices/${me.accountId}-stove/preference`, other, { mode: 'protect' })).status).toBe(404);
    const bad = await f('PUT', `/v1/flex/accounts/${me.accountId}/devices/${me.accountId}-stove/preference`, her, { mode: 'allow', windows: [{ mode: 'protect', from: '25:00', to: '20:00' }] });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect((await f('POST', '/v1/flex/programmes', her, { programmeId: 'P', name: 'x' })).status).toBe(403);

    expect((await f('POST', '/v1/flex/programmes', programme, { programmeId: 'EVENING-PEAK', name: 'Evening peak' })).status).toBe(201);
    const event = await f('POST', '/v1/flex/programmes/EVENING-PEAK/events', programme, {
      eventId: 'EP-2022-04-12',
      windowStart,
      windowEnd,
      target: { regions: ['14'] },
      requestedKw: '500',
      pricePencePerKwh: '57.15',
    });
    expect(event.status).toBe(201);
    const dispatched = await f('POST', '/v1/flex/events/EP-2022-04-12/dispatch', programme);
    expect(dispatched.body).toMatchObject({ devices: 3, dispatched: 2, protected: 1, members: 1, alreadyDispatched: false });
    // A retried dispatch decides nothing again.
    expect((await f('POST', '/v1/flex/events/EP-2022-04-12/dispatch', programme)).body).toMatchObject({ devices: 3, alreadyDispatched: true });

    const activity = await f('GET', `/v1/flex/accounts/${me.accountId}/activity`, her);
    const stove = activity.body.decisions.find((d: { kind: string }) => d.kind === 'stove');
    expect(stove).toMatchObject({ action: 'protect', reason: 'protect-window', preferenceVersion: 2, explanation: 'Stove protected: preference v2 protects it 17:00-20:00.' });
    expect(activity.body.decisions.find((d: { kind: string }) => d.kind === 'dryer')).toMatchObject({ action: 'dispatch', resumeAt: '2022-04-12T17:45:00.000Z' });
    expect(activity.body.notifications).toEqual([expect.objectContaining({ moment: 'start', text: 'Battery dispatching now. Dryer paused; will resume at 6:45. Dinner uninterrupted.' })]);

    // Her devices report through OpenADR 3 (as a VEN would, with her token): usage and baseline per half-hour.
    const oadrEvents = await f('GET', '/openadr3/events?programID=EVENING-PEAK', her);
    expect(oadrEvents.body[0]).toMatchObject({ id: 'EP-2022-04-12', objectType: 'EVENT', programID: 'EVENING-PEAK', intervalPeriod: { start: '2022-04-12T17:00:00.000Z', duration: 'PT1H' } });
    // The event asks for USAGE including history; her VEN sends the same half-hours on the 14 days before
    // (29 March to 11 April: 10 working days alternating 2.4 and 2.8 kWh, a weekend at 9) and 0.5 in each
    // half-hour of the event. The BASELINE it states (9.9) is its own side's figure and is not what is paid.
    expect(oadrEvents.body[0].reportDescriptors).toEqual([expect.objectContaining({ payloadType: 'USAGE', historical: true })]);
    const half = (at: number, kwh: number) => ({ intervalPeriod: { start: new Date(at).toISOString(), duration: 'PT30M' }, payloads: [{ type: 'USAGE', values: [kwh] }, { type: 'BASELINE', values: [9.9] }] });
    const usage = [14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1].flatMap((daysBack) => {
      const day = Date.parse(windowStart) - daysBack * 86_400_000;
      const weekday = new Date(day).getUTCDay();
      const kwh = weekday === 0 || weekday === 6 ? [9, 9] : daysBack % 2 ? [2.4, 2.8] : [2.8, 2.4];
      return [half(day, kwh[0]!), half(day + 1_800_000, kwh[1]!)];
    });
    const report = {
      programID: 'EVENING-PEAK',
      eventID: 'EP-2022-04-12',
      clientName: 'her-home-ven',
      reportName: `${me.accountId}-EP-2022-04-12`,
      resources: [{ resourceName: 'home', intervals: [...usage, half(Date.parse(windowStart), 0.5), half(Date.parse(windowStart) + 1_800_000, 0.5)].map((i, id) => ({ id, ...i })) }],
    };
    expect((await f('POST', '/openadr3/reports', her, report)).status).toBe(201);
    expect((await f('POST', '/openadr3/reports', other, report)).status).toBe(404);

    const settled = await f('POST', '/v1/flex/events/EP-2022-04-12/settlement', programme);
    expect(settled.body.credits).toEqual([{ accountId: me.accountId, deliveredKwh: '4.2', earnedPence: '240', text: 'You contributed 4.2 kWh. You earned £2.40.' }]);
    expect((await f('POST', '/v1/flex/events/EP-2022-04-12/settlement', programme)).body.settledMembers).toBe(0);

    // The facts are on the backbone for the timeline: her dispatch record names the protected stove and why.
    const seen: Array<{ topic: string; value: Record<string, any> }> = [];
    consumer = new Consumer<string, Buffer, string, string>({
      groupId: uniqueName('e2e-flex-reader'),
      clientId: uniqueName('e2e-flex-reader'),
      bootstrapBrokers: testEnv.KAFKA_BROKERS,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    const stream = await consumer.consume({ topics: ['dispatch', 'notifications', 'membership', 'earned-value'].map((t) => `${prefix}flex.${t}.v1`), mode: 'earliest', autocommit: false });
    stream.on('data', (m) => seen.push({ topic: m.topic, value: JSON.parse(m.value.toString()) }));
    await eventually(async () => seen.length >= 6, 30_000);
    const dispatchRecord = seen.find((s) => s.topic.endsWith('flex.dispatch.v1'))!.value;
    expect(dispatchRecord.devices.find((d: { kind: string }) => d.kind === 'stove')).toMatchObject({ action: 'protect', reason: 'protect-window', preferenceVersion: 2 });
    expect(seen.filter((s) => s.topic.endsWith('flex.notifications.v1')).map((s) => s.value.moment).sort()).toEqual(['end', 'start']);
    expect(seen.find((s) => s.value.change === 'category-change-requested')?.value).toMatchObject({ accountId: me.accountId, categoryFrom: 'D', categoryTo: 'C' });

    // billing-events stores the credit; the next bill run puts it on her bill as its own line.
    await eventually(async () => (await stores.pool.query('SELECT 1 FROM flexibility_credits WHERE account_id = $1', [me.accountId])).rowCount === 1, 30_000);
    const staff = { 'x-api-key': billingKey };
    const run = await call(billing.url, 'POST', '/v1/bill-runs', { ...staff, 'idempotency-key': uniqueName('flex-run') }, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end });
    expect(run.status).toBe(202);
    await eventually(async () => ((await call(billing.url, 'GET', `/v1/bill-runs/${run.body.runId}`, staff)).body.status === 'completed' ? true : null), 90_000, 500);
    const bills = await call(billing.url, 'GET', `/v1/accounts/${me.accountId}/bills`, her);
    expect(bills.body.items).toHaveLength(1);
    const bill = await call(billing.url, 'GET', `/v1/accounts/${me.accountId}/bills/${bills.body.items[0].billId}`, her);
    const credit = bill.body.lines.filter((l: { kind: string }) => l.kind === 'flexibility-credit');
    expect(credit).toEqual([expect.objectContaining({ amountPence: '-240', description: 'Flexibility credit: Evening peak, 12 Apr 2022 18:00-19:00, 4.2 kWh at 57.15p/kWh' })]);
    expect(bill.body.lines.map((l: { amountPence: string }) => BigInt(l.amountPence)).reduce((a: bigint, b: bigint) => a + b, 0n).toString()).toBe(bill.body.totals.totalPence);
    const applied = await stores.pool.query<{ bill_id: string }>('SELECT bill_id FROM flexibility_credits WHERE account_id = $1', [me.accountId]);
    expect(applied.rows).toEqual([{ bill_id: bills.body.items[0].billId }]);

    // Redelivered: the same credit again on the topic (a relay crash between ack and delete). A sentinel credit
    // for another account follows it, so once the sentinel is stored the redelivery has been handled too.
    const earned = seen.find((s) => s.topic.endsWith('flex.earned-value.v1'))!.value;
    const publisher = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('e2e-flex-redeliver'), deadlineMs: 10_000, maxBufferedRecords: 10, maxBatchRecords: 10, lingerMs: 0, maxInFlightRequests: 1, lanes: 1 });
    const sentinel = { ...earned, creditId: `EP-2022-04-12:${someoneElse.accountId}`, accountId: someoneElse.accountId };
    await publisher.publish([earned, sentinel].map((v) => ({ topic: `${prefix}flex.earned-value.v1`, key: v.accountId, value: JSON.stringify(v) })));
    await publisher.close();
    await eventually(async () => (await stores.pool.query('SELECT 1 FROM flexibility_credits WHERE account_id = $1', [someoneElse.accountId])).rowCount === 1, 30_000);
    expect((await stores.pool.query('SELECT bill_id FROM flexibility_credits WHERE account_id = $1', [me.accountId])).rows).toEqual(applied.rows);
    // And the same bill run again: no second bill, the credit still on the first.
    const again = await call(billing.url, 'POST', '/v1/bill-runs', { ...staff, 'idempotency-key': uniqueName('flex-run') }, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end });
    await eventually(async () => ((await call(billing.url, 'GET', `/v1/bill-runs/${again.body.runId}`, staff)).body.status === 'completed' ? true : null), 90_000, 500);
    expect((await call(billing.url, 'GET', `/v1/accounts/${me.accountId}/bills`, her)).body.items).toHaveLength(1);

    // Programme view: the stove protected in the evening by every member who has one; delivered by category.
    const view = await f('GET', '/v1/flex/programmes/EVENING-PEAK/view', programme);
    expect(view.body.participation).toMatchObject({ events: 1, members: 1, dispatched: 2, protected: 1 });
    expect(view.body.protection).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'stove', dayPart: 'evening', protectionRatePercent: 100, insight: '100% of members with a stove protect it in evening windows' })]),
    );
    expect(view.body.deliveredByCategory.C).toMatchObject({ members: 1, deliveredKwh: '4.2', earnedPence: '240' });

    // All of it on her timeline, for customer service: the dispatch with the protected stove, the words she was
    // told, what she earned, and the bill that carried the credit.
    const story = await eventually(async () => {
      const page = await call(timeline.url, 'GET', `/v1/accounts/${me.accountId}/timeline?limit=50`, { 'x-api-key': timelineKey });
      const kinds = ((page.body.items ?? []) as { kind: string }[]).map((e) => e.kind);
      return ['flexibility.dispatched', 'flexibility.notified', 'flexibility.earned', 'bill.issued'].every((k) => kinds.includes(k)) ? page.body.items : undefined;
    }, 30_000);
    const entry = (kind: string) => (story as { kind: string; summary: string }[]).find((e) => e.kind === kind)!;
    expect(entry('flexibility.dispatched').summary).toContain('protected stove');
    expect((story as { kind: string; summary: string }[]).some((e) => e.kind === 'flexibility.notified' && e.summary.includes('Dinner uninterrupted.'))).toBe(true);
    expect(entry('flexibility.earned').summary).toContain('earned £2.40');
    // And the registry's change of her category, from registry.v1.
    const registryChanges = await eventually(async () => {
      const page = await call(timeline.url, 'GET', `/v1/accounts/${me.accountId}/timeline?limit=50`, { 'x-api-key': timelineKey });
      const found = ((page.body.items ?? []) as Array<{ kind: string; details: { category?: string } }>).filter((e) => e.kind === 'registry.changed' && e.details.category === 'C');
      return found.length > 0 ? found : undefined;
    }, 30_000);
    expect(registryChanges).toHaveLength(1);
  }, 240_000);
});
