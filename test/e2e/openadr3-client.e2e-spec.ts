import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';

const run = promisify(execFile);

/**
 * The device-facing side against an OpenADR 3 client no one here wrote: PyPI openadr3-client (ElaadNL,
 * Apache-2.0), installed by scripts/openadr3-client.setup.sh into a venv under .stack. The BUILT flexibility
 * service on port 4608 with its own database; the client (test/openadr3/openadr3-client.check.py) reads the
 * programs and events through its own OpenADR 3.0.1 models (the event's reportDescriptors ask for USAGE,
 * historical) and posts a report with USAGE for the 14 days before the event and the event's half-hours; the
 * settlement computes the baseline from that history (the 10 working days) and pays 4.2 kWh, £2.40.
 */
describe('OpenADR 3: a third-party VEN client', () => {
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const flexKey = 'e2e-oadr-programme-key-0123456789';
  const prefix = `${uniqueName('e2e-oadr')}.`;
  const db = uniqueName('e2e_oadr');
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  let flex: RunningService;
  let privateKeyPem: string;
  let python: string;

  beforeAll(async () => {
    python = (await run('bash', [join(__dirname, '..', '..', 'scripts', 'openadr3-client.setup.sh')], { timeout: 300_000 })).stdout.trim();
    await ensurePostgresDatabase(admin, db);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${db}`;
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    flex = await startService('flexibility', 4608, {
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      DATABASE_URL: url.toString(),
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      API_KEYS: `programme:${sha256Hex(flexKey)}:flex:manage`,
    });
  }, 360_000);

  afterAll(async () => {
    await flex?.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, ['flex.dispatch.v1', 'flex.notifications.v1', 'flex.earned-value.v1', 'flex.membership.v1'].map((t) => `${prefix}${t}`)).catch(() => undefined);
  });

  const call = async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${flex.url}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('reads programs and events with its own models and posts a report that the settlement pays', async () => {
    const accountId = 'E2E-OADR-1';
    const token = await issueCustomerToken(privateKeyPem, { sub: `c-${accountId}`, acc: accountId, sp: [], ms: [] }, { issuer, audience });
    const member = { authorization: `Bearer ${token}` };
    const staff = { 'x-api-key': flexKey };
    expect((await call('POST', `/v1/flex/accounts/${accountId}/enrolment`, member, { region: '14', category: 'C', devices: [{ deviceId: 'oadr-battery', kind: 'battery' }] })).status).toBe(201);
    expect((await call('POST', '/v1/flex/programmes', staff, { programmeId: 'OADR-PEAK', name: 'OpenADR evening peak' })).status).toBe(201);
    expect((await call('POST', '/v1/flex/programmes/OADR-PEAK/events', staff, { eventId: 'OADR-EV-1', windowStart: '2022-04-12T17:00:00Z', windowEnd: '2022-04-12T18:00:00Z', requestedKw: '5', pricePencePerKwh: '57.15' })).status).toBe(201);
    expect((await call('POST', '/v1/flex/events/OADR-EV-1/dispatch', staff)).body).toMatchObject({ devices: 1, dispatched: 1 });

    const { stdout } = await run(python, [join(__dirname, '..', 'openadr3', 'openadr3-client.check.py')], {
      // Loopback only: oauthlib refuses plain-http token endpoints unless told this is a test.
      env: { OAUTHLIB_INSECURE_TRANSPORT: '1', OADR_MEMBER_TOKEN: token, OADR_VTN_URL: `${flex.url}/openadr3`, OADR_PROGRAM_ID: 'OADR-PEAK', OADR_EVENT_ID: 'OADR-EV-1', PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    }).catch((e: { stderr?: string; stdout?: string }) => {
      throw new Error(`the openadr3-client check failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`);
    });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(seen).toMatchObject({ programs: ['OADR-PEAK'], event: 'OADR-EV-1', duration: '1:00:00', report: 'OADR-EV-1-pypi-ven', intervals: 30, historical: true });

    const settled = await call('POST', '/v1/flex/events/OADR-EV-1/settlement', staff);
    expect(settled.body.credits).toEqual([{ accountId, deliveredKwh: '4.2', earnedPence: '240', text: 'You contributed 4.2 kWh. You earned £2.40.' }]);
  }, 180_000);
});
