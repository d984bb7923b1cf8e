import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { testMpan } from '@surge-test/fixtures/reading.stub';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

/**
 * The reading conventions of issue 13 item 5 over HTTP, on the built read-api and read-sink (ports 4050/4051):
 * a date-only readAt is 00:00 Europe/London that day, the value comes back as submitted ("10600", not
 * "10600.0"), and staff find a reading by id alone while a customer still sees only their own.
 */
describe('reading conventions end to end', () => {
  const database = uniqueName('e2e_conv');
  const prefix = `${uniqueName('e2e-conv')}.`;
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const staffKey = 'e2e-conv-staff-key-0123456789';
  let privateKeyPem: string;
  let api: RunningService;
  let sink: RunningService;

  const account = uniqueName('acct');
  const other = uniqueName('acct');
  const mpan = testMpan(4343);
  const serial = 'E2E0000043';

  beforeAll(async () => {
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    const env = {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: database,
      REDIS_URL: testEnv.REDIS_URL,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      API_KEYS: `staff:${sha256Hex(staffKey)}:readings:read`,
      KAFKA_GROUP_ID: `${prefix}read-sink`,
    };
    sink = await startService('read-sink', 4051, env);
    api = await startService('read-api', 4050, env);
  });

  afterAll(async () => {
    await api?.stop();
    await sink?.stop();
    const ch = createClickHouse(clickHouseSettings(database));
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
  });

  const token = (acc: string) => issueCustomerToken(privateKeyPem, { sub: `c-${acc}`, acc, sp: [mpan], ms: [serial] }, { issuer, audience });

  it('a date-only reading is taken as 00:00 London that day; its value and staff lookups are as submitted', async () => {
    const customer = await token(account);
    const res = await fetch(`${api.url}/v1/meter-readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}` },
      body: JSON.stringify({ supplyPointId: mpan, meterSerial: serial, registerId: 'S', readAt: '2022-03-31', value: '10600' }),
    });
    expect(res.status).toBe(202);
    const { readingId } = (await res.json()) as { readingId: string };

    const view = await eventually(async () => {
      const r = await fetch(`${api.url}/v1/meter-readings/${readingId}`, { headers: { authorization: `Bearer ${customer}` } });
      const body = (await r.json()) as { status: string; readAt: string; value: string };
      return r.status === 200 && body.status !== 'received' ? body : null;
    });
    expect(view).toMatchObject({ status: 'accepted', readAt: '2022-03-30T23:00:00.000Z', value: '10600' });

    // Staff: by id alone, or naming the account; another account named is 404.
    const staff = await fetch(`${api.url}/v1/meter-readings/${readingId}`, { headers: { 'x-api-key': staffKey } });
    expect(staff.status).toBe(200);
    expect(await staff.json()).toMatchObject({ readingId, accountId: account, value: '10600' });
    expect((await fetch(`${api.url}/v1/meter-readings/${readingId}?accountId=${other}`, { headers: { 'x-api-key': staffKey } })).status).toBe(404);
    // Another customer: 404, never the reading.
    const stranger = await fetch(`${api.url}/v1/meter-readings/${readingId}`, { headers: { authorization: `Bearer ${await token(other)}` } });
    expect(stranger.status).toBe(404);
  });
});
