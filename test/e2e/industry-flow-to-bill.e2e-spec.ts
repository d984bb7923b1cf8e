import { Consumer, stringDeserializer } from '@platformatic/kafka';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { flowReadingId } from '@surge/flow-intake/flow-id';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

interface FlowView {
  flowId: string;
  state: string;
  counts: Record<string, number> & { rejectedByReason: Record<string, number> };
  outcomes: { accepted: number; duplicates: number; held: number; rejected: number; undecided: number; heldByReason: Record<string, number> };
  links: { self: string; rejections: string; readings: string };
}
type ReadingSource = { from: 'reading'; readingId: string } | { from: string };
interface BillView {
  billId: string;
  lines: Array<{ kind: string; supplyPointId?: string; registerId?: string; kWh?: string; amountPence: string; estimated: boolean }>;
  readingSources: Array<{ supplyPointId: string; registerId: string; opening: ReadingSource; intermediate: ReadingSource[]; closing: ReadingSource }>;
}

const mpan = (n: number): string => {
  const first12 = `${10 + (n % 14)}${String(n).padStart(10, '0').slice(-10)}`;
  return `${first12}${mpanCheckDigit(first12)}`;
};

/**
 * From a D0010 file to a bill, on the BUILT services (registry, read-sink, flow-intake, billing; ports
 * 4420-4423), each store of their own: staff register a tariff and account A in the registry; a data
 * collector posts a flow with A's readings (one suspect), readings of supply point B that the registry does
 * not know yet, and a group with a bad MPAN. Every reading is decided with its line and reason (accepted,
 * held for review, held UNMATCHED_SUPPLY_POINT, rejected); B is then registered and its held readings are
 * released into the same pipeline and accepted; a bill run for March 2022 bills both accounts, and each
 * bill's opening and closing readings are the flow's readings (by reading id: flow id + line).
 */
describe('an industry flow, from the file to decided readings to a bill', () => {
  const database = uniqueName('e2e_flow_bill');
  const prefix = `${uniqueName('e2e-flow-bill')}.`;
  const topics = resolveTopics(prefix);
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const collectorKey = 'e2e-flowbill-collector-key-01234567';
  const staffKey = 'e2e-flowbill-staff-key-0123456789012';
  const tag = uniqueName('fb').replace(/[^A-Za-z0-9]/g, '').slice(-8).toUpperCase();
  const n = 7_000_000 + Math.floor(Math.random() * 900_000);
  const a = { accountId: `FB-A-${tag}`, supplyPointId: mpan(n), meterSerial: `FA${tag}` };
  const b = { accountId: `FB-B-${tag}`, supplyPointId: mpan(n + 1), meterSerial: `FB${tag}` };
  const tariffId = `FB-TARIFF-${tag}`;
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const services: RunningService[] = [];
  let registry: RunningService;
  let flows: RunningService;
  let billing: RunningService;

  beforeAll(async () => {
    const keys = await generateDevKeyPair();
    await ensurePostgresDatabase(admin, database);
    const dbUrl = new URL(testEnv.DATABASE_URL);
    dbUrl.pathname = `/${database}`;
    const env = {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      DATABASE_URL: dbUrl.toString(),
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: database,
      CLICKHOUSE_USER: testEnv.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: testEnv.CLICKHOUSE_PASSWORD,
      REDIS_URL: testEnv.REDIS_URL,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      API_KEYS: [`collector:${sha256Hex(collectorKey)}:flows:submit`, `staff:${sha256Hex(staffKey)}:registry:write|registry:read|billing:run|billing:read`].join(','),
    };
    // read-sink first (it creates the ClickHouse database billing reads), billing before the registry (the
    // registry's migrations come after billing's, as in production).
    services.push(await startService('read-sink', 4421, { ...env, KAFKA_GROUP_ID: `${prefix}read-sink` }));
    billing = await startService('billing', 4423, { ...env, BILLING_QUEUE_PREFIX: uniqueName('e2e-flow-bill'), KAFKA_BROKERS: '127.0.0.1:1' });
    services.push(billing);
    registry = await startService('registry', 4420, { ...env, REGISTRY_RELAY_IDLE_MS: '200' });
    services.push(registry);
    flows = await startService('flow-intake', 4422, { ...env, KAFKA_GROUP_ID: `${prefix}flow-intake-outcomes`, FLOW_PROCESSOR_IDLE_MS: '200', FLOW_HELD_SWEEP_MS: '60000' });
    services.push(flows);
  }, 150_000);

  afterAll(async () => {
    for (const s of services.reverse()) await s.stop().catch(() => undefined);
    const ch = createClickHouse(clickHouseSettings(database));
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(topics).map((t) => t.name)).catch(() => undefined);
  });

  const staff = { 'content-type': 'application/json', 'x-api-key': staffKey };
  const post = async (url: string, path: string, body: unknown, headers: Record<string, string> = staff) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const get = async <T>(url: string, path: string, key: string): Promise<T> => (await (await fetch(`${url}${path}`, { headers: { 'x-api-key': key } })).json()) as T;
  const register = async (acct: typeof a) => {
    const account = await post(registry.url, '/v1/accounts', {
      accountId: acct.accountId,
      category: 'D',
      domestic: true,
      vatRate: '0.05',
      supplyPoints: [
        { supplyPointId: acct.supplyPointId, fuel: 'electricity', supplyStart: '2022-03-01', meters: [{ meterSerial: acct.meterSerial, installedOn: '2022-03-01', registers: [{ registerId: 'S', kind: 'import', digits: 6, unit: 'kWh', eacKwh: '3100' }] }] },
      ],
    });
    expect(account.status).toBe(201);
    expect((await post(registry.url, `/v1/accounts/${acct.accountId}/agreements`, { supplyPointId: acct.supplyPointId, tariffId, validFrom: '2022-03-01' })).status).toBe(201);
  };
  /** Resolves once the registry's outbox relay has put the account on registry.v1 (what flow-intake matches against). */
  const onRegistryTopic = async (accountId: string) => {
    const consumer = new Consumer<string, Buffer, string, string>({
      groupId: uniqueName('e2e-flow-bill-registry'),
      clientId: uniqueName('e2e-flow-bill-registry'),
      bootstrapBrokers: testEnv.KAFKA_BROKERS,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    try {
      const stream = await consumer.consume({ topics: [topics.registry.name], mode: 'earliest', autocommit: false });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${accountId} not on registry.v1 within 30 s`)), 30_000);
        stream.on('data', (m) => {
          if (m.key === accountId) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      await consumer.close(true).catch(() => undefined);
    }
  };
  const status = (flowId: string) => get<FlowView>(flows.url, `/v1/industry/flows/${flowId}`, collectorKey);
  const readingsCsv = async (flowId: string) => (await (await fetch(`${flows.url}/v1/industry/flows/${flowId}/readings.csv`, { headers: { 'x-api-key': collectorKey } })).text()).trim().split('\r\n');

  it('every reading decided with its line and reason, the unknown supply point held then released, and the bill made of the flow’s readings', async () => {
    const tariff = await post(registry.url, '/v1/tariffs', {
      tariffId,
      name: 'Flow e2e electricity',
      fuel: 'electricity',
      unitRates: [{ registerKind: 'import', validFrom: '2021-10-01', exVat: '20', incVat: '21' }],
      standingCharges: [{ validFrom: '2021-10-01', exVat: '23.809524', incVat: '25' }],
    });
    expect(tariff.status).toBe(201);
    await register(a);
    await onRegistryTopic(a.accountId);

    const fileId = `FB${tag}`;
    const lines = [
      `ZHV|${fileId}|D0010002|D|UDMS|X|SRGE|20220401093000||||OPER|`,
      `026|${a.supplyPointId}|V|`, // 2
      `028|${a.meterSerial}|R|`,
      '030|S|20220301000000|10000.0|||T|N|', // 4: A's opening
      '030|S|20220315000000|10150.0|||F|N|', // 5: suspect, held for review
      '030|S|20220331000000|10260.0|||T|N|', // 6: A's closing
      `026|${b.supplyPointId}|V|`, // 7: B, not on the registry yet
      `028|${b.meterSerial}|R|`,
      '030|S|20220301000000|20000.0|||T|N|', // 9
      '030|S|20220331000000|20310.0|||T|N|', // 10
      '026|1200023305960|V|', // 11: check digit fails, the group is rejected
      '028|X1|R|',
      '030|S|20220301000000|1.0|||T|N|',
    ];
    const file = `${[...lines, `ZPT|${fileId}|${lines.length - 1}||3|20220401094500|`].join('\n')}\n`;
    const sent = await fetch(`${flows.url}/v1/industry/flows`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-api-key': collectorKey }, body: file });
    expect(sent.status).toBe(202);
    const { flowId } = (await sent.json()) as FlowView;
    const id = (line: number) => flowReadingId(flowId, line);

    // Every reading decided: the processor done and the sink's decision in for each published one.
    const decided = await eventually(async () => {
      const v = await status(flowId);
      return v.state === 'done' && v.outcomes.undecided === 0 && v.outcomes.accepted + v.outcomes.held === 5 ? v : null;
    }, 60_000, 250);
    expect(decided.counts).toMatchObject({ readings: 6, readingsPublished: 3, readingsRejected: 1, groupsRejected: 1, heldUnmatched: 2, released: 0, heldForReview: 1, rejectedByReason: { INVALID_MPAN_CORE: 1 } });
    expect(decided.outcomes).toMatchObject({ accepted: 2, held: 3, rejected: 0, heldByReason: { SUSPECT_READING: 1, UNMATCHED_SUPPLY_POINT: 2 } });
    expect(await readingsCsv(flowId)).toEqual([
      'line,reading_id,mpan,status,reason_code,duplicate_of',
      `4,${id(4)},${a.supplyPointId},accepted,,`,
      `5,${id(5)},${a.supplyPointId},held,SUSPECT_READING,`,
      `6,${id(6)},${a.supplyPointId},accepted,,`,
      `9,${id(9)},${b.supplyPointId},held,UNMATCHED_SUPPLY_POINT,`,
      `10,${id(10)},${b.supplyPointId},held,UNMATCHED_SUPPLY_POINT,`,
    ]);
    const rejections = (await (await fetch(`${flows.url}${decided.links.rejections}`, { headers: { 'x-api-key': collectorKey } })).text()).trim().split('\r\n');
    expect(rejections).toHaveLength(2);
    expect(rejections[1]).toMatch(/^11,1200023305960,,,INVALID_MPAN_CORE,.+,1$/);

    // The registry learns B: its held readings go into the pipeline (same ids) and are accepted.
    await register(b);
    const released = await eventually(async () => {
      const v = await status(flowId);
      return v.counts.released === 2 && v.outcomes.undecided === 0 && v.outcomes.accepted === 4 ? v : null;
    }, 60_000, 250);
    expect(released.counts).toMatchObject({ readingsPublished: 5, heldUnmatched: 0, released: 2 });
    expect(released.outcomes.heldByReason).toEqual({ SUSPECT_READING: 1 });
    expect((await readingsCsv(flowId)).slice(4)).toEqual([`9,${id(9)},${b.supplyPointId},accepted,,`, `10,${id(10)},${b.supplyPointId},accepted,,`]);

    // A bill run for both accounts across March 2022.
    const run = await post(billing.url, '/v1/bill-runs', { periodStart: '2022-03-01', periodEnd: '2022-03-31', accountIds: [a.accountId, b.accountId] }, { ...staff, 'idempotency-key': `e2e-flow-bill-${tag}` });
    expect(run.status).toBe(202);
    const finished = await eventually(async () => {
      const s = await get<{ status: string; billed?: number }>(billing.url, `/v1/bill-runs/${run.body.runId}`, staffKey);
      return s.status === 'running' ? null : s;
    }, 60_000, 250);
    expect(finished).toMatchObject({ status: 'completed', billed: 2 });
    const billOf = async (accountId: string) => {
      const list = await get<{ items: Array<{ billId: string }> }>(billing.url, `/v1/accounts/${accountId}/bills`, staffKey);
      expect(list.items).toHaveLength(1);
      return get<BillView>(billing.url, `/v1/accounts/${accountId}/bills/${list.items[0]!.billId}`, staffKey);
    };
    for (const [acct, opening, closing, kWh] of [
      [a, 4, 6, 260],
      [b, 9, 10, 310],
    ] as const) {
      const bill = await billOf(acct.accountId);
      // The bill stands on the flow's readings: opening and closing are the flow's lines, nothing estimated.
      expect(bill.readingSources).toEqual([
        expect.objectContaining({ supplyPointId: acct.supplyPointId, registerId: 'S', opening: expect.objectContaining({ from: 'reading', readingId: id(opening) }), intermediate: [], closing: expect.objectContaining({ from: 'reading', readingId: id(closing) }) }),
      ]);
      const energy = bill.lines.filter((l) => l.kind === 'energy');
      expect(energy.length).toBeGreaterThan(0);
      expect(energy.reduce((s, l) => s + Number(l.kWh), 0)).toBeCloseTo(kWh, 6);
      expect(bill.lines.every((l) => !l.estimated)).toBe(true);
    }
  }, 240_000);
});
