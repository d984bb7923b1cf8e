import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { DEV_AUDIENCE, DEV_ISSUER } from '../../scripts/dev-identity.constants';

/**
 * The demo's whole day (dist/scripts/demo-day.js, npm run build first) against
 * the four BUILT services on ports 3950-3953, with their own Kafka topic
 * prefix and consumer groups, ClickHouse database, PostgreSQL database and
 * queue prefix. The script must finish with exit 0; then the test checks,
 * through the APIs itself, that the bill has energy on both sides of 1 April
 * and that the survey answer was recorded exactly once.
 */
describe('demo day end to end', () => {
  const database = uniqueName('e2e_demo_day');
  const prefix = `${uniqueName('e2e_demo_day')}.`;
  const staffKey = 'e2e-demo-day-staff-key-0123456789';
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const pgUrl = new URL(testEnv.DATABASE_URL);
  pgUrl.pathname = `/${database}`;
  const state = mkdtempSync(join(tmpdir(), 'surge-demo-day-'));
  const services: RunningService[] = [];
  let env: Record<string, string>;
  let urls: Record<'api' | 'sink' | 'billing' | 'csat', string>;

  beforeAll(async () => {
    const keys = await generateDevKeyPair();
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
      API_KEYS: `staff:${sha256Hex(staffKey)}:readings:read|billing:run|billing:read|csat:read`,
      KAFKA_GROUP_ID: `${prefix}read-sink`,
      CSAT_KAFKA_GROUP_ID: `${prefix}csat`,
      CSAT_RELAY_IDLE_MS: '200',
      BILLING_QUEUE_PREFIX: uniqueName('e2e-demo-day'),
      BILLING_MARKS_RELAY_IDLE_MS: '200',
    };
    // read-sink first: it creates the ClickHouse database and meter_readings, which billing reads.
    const sink = await startService('read-sink', 3951, env);
    services.push(sink);
    const [billing, csat] = await Promise.all([startService('billing', 3952, env), startService('csat', 3953, env)]);
    services.push(billing, csat);
    const api = await startService('read-api', 3950, env);
    services.push(api);
    urls = { api: api.url, sink: sink.url, billing: billing.url, csat: csat.url };
  }, 90_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const ch = createClickHouse(clickHouseSettings(database));
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  });

  const staffGet = async (base: string, path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { 'x-api-key': staffKey } });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('runs the whole day: readings accepted, a bill split at 1 April, one survey answer, a refused second one', async () => {
    const summaryFile = join(state, 'summary.json');
    const script = join(__dirname, '..', '..', 'dist', 'scripts', 'demo-day.js');
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(
        process.execPath,
        [
          ...[script, '--state', state, '--read-api', urls.api, '--read-sink', urls.sink, '--billing', urls.billing, '--csat', urls.csat, '--summary', summaryFile],
          // Everything this test does not start points at a closed port, never at the default one: services a demo
          // left running on this machine (other keys) answered 401 to the day's timeline step and failed the run.
          ...['--prometheus', '--timeline', '--registry', '--customer-web', '--service-web', '--flow-intake', '--flexibility'].flatMap((o) => [o, 'http://127.0.0.1:3959']),
        ],
        // The seed (billing-cli, a child of the script) reads the stores from the environment.
        { env: { PATH: process.env.PATH ?? '', DATABASE_URL: env.DATABASE_URL!, CLICKHOUSE_URL: env.CLICKHOUSE_URL!, CLICKHOUSE_DATABASE: database }, timeout: 80_000 },
      ));
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`demo-day failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}\n${services.map((s) => s.output()).join('\n')}`);
    }
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    expect(summary).toMatchObject({ ok: true, failures: [] });
    expect(summary.readingIds).toHaveLength(3);
    expect(stdout).toMatch(/Meter Reading Day read .* -> accepted \(stands for 2022-04-01\)/);
    expect(stdout).toMatch(/-> HTTP 409 SURVEY_ALREADY_ANSWERED: /);
    expect(stdout).toMatch(/staff \(GET \/v1\/csat, csat:read\) for \d{4}-\d\d-\d\d: 1 response, 1 satisfied, CSAT 100%/);
    expect(stdout).toContain(`${urls.api}/openapi.json`);
    expect(stdout).toContain(`${urls.csat}/metrics`);
    expect(stdout).toMatch(/the whole day: every step done/);

    // The bill, as staff see it: energy before 1 April at the old rate and from 1 April at the new one, on actual reads.
    const bills = await staffGet(urls.billing, `/v1/accounts/${summary.accountId}/bills`);
    expect(bills.body.items).toHaveLength(1);
    const bill = (await staffGet(urls.billing, `/v1/accounts/${summary.accountId}/bills/${summary.billId}`)).body;
    expect(bill).toMatchObject({ estimated: false, period: { start: '2022-03-01', end: '2022-05-01' } });
    const energy = (bill.lines as { kind: string; periodFrom: string; periodTo: string; ratePence: string }[]).filter((l) => l.kind === 'energy');
    // periodTo is exclusive (the day after the last day covered).
    const before = energy.filter((l) => l.periodTo <= '2022-04-01');
    const after = energy.filter((l) => l.periodFrom >= '2022-04-01');
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(before.length + after.length).toBe(energy.length);
    expect(Number(after[0]!.ratePence)).toBeGreaterThan(Number(before[0]!.ratePence));

    // The survey: answered exactly once, counted once.
    const surveys = await staffGet(urls.csat, `/v1/accounts/${summary.accountId}/surveys`);
    const answered = (surveys.body.items as { id: string; answer: { score: number; comment: string } | null }[]).filter((s) => s.answer !== null);
    expect(answered).toEqual([expect.objectContaining({ id: summary.surveyId, answer: expect.objectContaining({ score: 5 }) })]);
    const dayStart = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const report = await staffGet(urls.csat, `/v1/csat?from=${dayStart.toISOString()}&to=${new Date(dayStart.getTime() + 86_400_000).toISOString()}`);
    expect(report.body.total).toEqual({ responses: 1, satisfied: 1, csat: 100 });
  }, 90_000);
});
