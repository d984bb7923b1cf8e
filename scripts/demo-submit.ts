/**
 * The demo's small surge: customers submit their Meter Reading Day readings
 * (a few of them wrong on purpose), a data collector sends a batch, and the
 * script waits until every accepted submission is decided and queryable,
 * then prints what became of each.
 *   node dist/scripts/demo-submit.js <stateDir> [apiUrl]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';
import { DEV_AUDIENCE, DEV_ISSUER } from './dev-identity.constants';

const [stateDir = '.stack', api = 'http://127.0.0.1:3000'] = process.argv.slice(2);
const privateKeyPem = readFileSync(join(stateDir, 'dev', 'jwt-private.pem'), 'utf8');
const collectorKey = readFileSync(join(stateDir, 'dev', 'collector-api-key'), 'utf8');

const mpan = (n: number): string => {
  const first12 = `${12 + (n % 10)}${String(100000 + n).padStart(10, '0')}`;
  return `${first12}${mpanCheckDigit(first12)}`;
};

interface Sent {
  who: string;
  body: Record<string, unknown>;
  status: number;
  answer: { readingId?: string; error?: { code: string; message: string } };
  token: string;
}

async function post(path: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as never };
}

async function main(): Promise<void> {
  const runTag = Date.now().toString(36);
  const sent: Sent[] = [];
  // Ten customers: an opening read on 1 March, then the Meter Reading Day read.
  for (let i = 0; i < 10; i++) {
    const account = `DEMO-${runTag}-${i}`;
    const sp = mpan(i);
    const serial = `D${String(i).padStart(7, '0')}`;
    const token = await issueCustomerToken(privateKeyPem, { sub: `cust-${account}`, acc: account, sp: [sp], ms: [serial] }, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
    const opening = { supplyPointId: sp, meterSerial: serial, registerId: 'S', readAt: '2022-03-01T09:00:00Z', value: String(10000 + i * 100) };
    const mrd = {
      ...opening,
      readAt: '2022-03-31T19:30:00+01:00',
      // customer 7 misreads a dial (negative advance), customer 8 types a value far too large
      value: i === 7 ? String(9000) : i === 8 ? String(99999) : String(10000 + i * 100 + 250),
    };
    for (const body of [opening, mrd]) {
      const r = await post('/v1/meter-readings', body, { authorization: `Bearer ${token}` });
      sent.push({ who: account, body, status: r.status, answer: r.body, token });
      await new Promise((r) => setTimeout(r, 30)); // opening before the MRD read, as a customer would
    }
  }
  // Bad input answers 4xx and changes nothing.
  const t0 = sent[0]!.token;
  for (const body of [
    { supplyPointId: '1000000000000', meterSerial: 'X1', registerId: 'S', readAt: '2022-03-31T09:00:00Z', value: '1' },
    { ...sent[0]!.body, readAt: '2099-01-01T00:00:00Z' },
  ]) {
    const r = await post('/v1/meter-readings', body, { authorization: `Bearer ${t0}` });
    sent.push({ who: 'bad input', body, status: r.status, answer: r.body, token: t0 });
  }
  // A data collector's batch.
  const batch = Array.from({ length: 20 }, (_, i) => ({
    accountId: `COLL-${runTag}-${i}`, supplyPointId: mpan(100 + i), meterSerial: `C${i}`, registerId: 'S', readAt: '2022-03-31T06:00:00Z', value: String(5000 + i), source: 'R',
  }));
  const br = await post('/v1/meter-readings/batch', { readings: batch }, { 'x-api-key': collectorKey });
  console.log(`collector batch: HTTP ${br.status}, ${(br.body as { results: unknown[] }).results?.length ?? 0} items answered`);

  console.log('\nsubmissions:');
  for (const s of sent) {
    console.log(`  ${s.who.padEnd(22)} ${String(s.body.readAt).padEnd(26)} ${String(s.body.value).padStart(6)}  → HTTP ${s.status} ${s.answer.readingId ?? s.answer.error?.code ?? ''}`);
  }

  // Wait until every 202 is decided, then show the outcome the customer sees.
  const accepted = sent.filter((s) => s.status === 202);
  const deadline = Date.now() + 60_000;
  const outcomes = new Map<string, { status: string; reason?: { code: string; message: string } }>();
  while (outcomes.size < accepted.length && Date.now() < deadline) {
    for (const s of accepted) {
      if (outcomes.has(s.answer.readingId!)) continue;
      const res = await fetch(`${api}/v1/meter-readings/${s.answer.readingId}`, { headers: { authorization: `Bearer ${s.token}` } });
      if (res.status === 200) {
        const v = (await res.json()) as { status: string; reason?: { code: string; message: string } };
        if (v.status !== 'received') outcomes.set(s.answer.readingId!, v);
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log('\nstored in ClickHouse and visible to each customer:');
  for (const s of accepted) {
    const o = outcomes.get(s.answer.readingId!);
    console.log(`  ${s.answer.readingId}  ${String(s.body.readAt).padEnd(26)} ${o?.status ?? 'NOT DECIDED'}${o?.reason ? `  ${o.reason.code}: ${o.reason.message}` : ''}`);
  }
  const missing = accepted.length - outcomes.size;
  console.log(`\n${accepted.length} readings answered 202, ${outcomes.size} decided and queryable, ${missing} missing`);
  if (missing > 0) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
