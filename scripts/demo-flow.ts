/**
 * The demo's industry-flow step: a data collector's D0010 file through flow-intake, to a bill.
 *   node dist/scripts/demo-flow.js [--state .stack] [--flows URL] [--registry URL] [--billing URL]
 * Registers a tariff and one account on it in the registry (so the flow's readings match), uploads a small
 * D0010 for it plus one supply point the registry does not know (held: UNMATCHED_SUPPLY_POINT, released once it
 * is registered), polls the flow's status until it is done and read-sink has decided its readings, prints the
 * counts, the status URL, the per-reading outcomes and the rejection report, then bills the account for March
 * 2022 from the flow's two readings, and prints the flow's entry on the account's timeline ("Industry flow <file
 * id> from <sender>: N readings", from industry-flows.v1) when the timeline service answers (skipped, saying
 * so, when it does not run). Exits non-zero if any step failed.
 *   [--timeline URL] (default http://127.0.0.1:3006)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';

const { values: opts } = parseArgs({
  options: {
    state: { type: 'string', default: '.stack' },
    flows: { type: 'string', default: 'http://127.0.0.1:3009' },
    registry: { type: 'string', default: 'http://127.0.0.1:3005' },
    billing: { type: 'string', default: 'http://127.0.0.1:3002' },
    timeline: { type: 'string', default: 'http://127.0.0.1:3006' },
  },
});

const mpan = (n: number): string => {
  const first12 = `${10 + (n % 14)}${String(n).padStart(10, '0').slice(-10)}`;
  return `${first12}${mpanCheckDigit(first12)}`;
};

async function main(): Promise<void> {
  const dev = join(opts.state!, 'dev');
  const collectorKey = readFileSync(join(dev, 'collector-api-key'), 'utf8').trim();
  const staffKey = readFileSync(join(dev, 'staff-api-key'), 'utf8').trim();
  const tag = Date.now().toString(36).toUpperCase();
  const n = 9_000_000 + (Date.now() % 900_000);
  const known = { accountId: `FLOW-DEMO-${tag}`, supplyPointId: mpan(n), meterSerial: `FD${tag.slice(-8)}` };
  const unknown = mpan(n + 1);

  const staffJson = { 'content-type': 'application/json', 'x-api-key': staffKey };
  const tariffId = `FLOW-DEMO-TARIFF-${tag}`;
  const tariff = await fetch(`${opts.registry}/v1/tariffs`, {
    method: 'POST',
    headers: staffJson,
    body: JSON.stringify({
      tariffId,
      name: 'Demo flow electricity',
      fuel: 'electricity',
      unitRates: [{ registerKind: 'import', validFrom: '2021-10-01', exVat: '20', incVat: '21' }],
      standingCharges: [{ validFrom: '2021-10-01', exVat: '23.809524', incVat: '25' }],
    }),
  });
  if (tariff.status !== 201) throw new Error(`registry refused the demo tariff: ${tariff.status} ${await tariff.text()}`);
  const account = await fetch(`${opts.registry}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': staffKey },
    body: JSON.stringify({
      accountId: known.accountId,
      category: 'A',
      domestic: true,
      vatRate: '0.05',
      supplyPoints: [
        { supplyPointId: known.supplyPointId, fuel: 'electricity', supplyStart: '2022-03-01', meters: [{ meterSerial: known.meterSerial, installedOn: '2022-03-01', registers: [{ registerId: 'S', kind: 'import', digits: 6, unit: 'kWh', eacKwh: '3100' }] }] },
      ],
    }),
  });
  if (account.status !== 201) throw new Error(`registry refused the demo account: ${account.status} ${await account.text()}`);
  const agreement = await fetch(`${opts.registry}/v1/accounts/${known.accountId}/agreements`, { method: 'POST', headers: staffJson, body: JSON.stringify({ supplyPointId: known.supplyPointId, tariffId, validFrom: '2022-03-01' }) });
  if (agreement.status !== 201) throw new Error(`registry refused the demo agreement: ${agreement.status} ${await agreement.text()}`);
  // The registry publishes the account on registry.v1 from its outbox right after the commit; flow-intake
  // matches against what is on the topic when it takes the flow. A moment, so the demo's account is there.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  console.log(`=== an industry flow (D0010) from a data collector: account ${known.accountId}, supply point ${known.supplyPointId}, meter ${known.meterSerial}`);

  const fileId = `DEMO${tag.slice(-6)}`;
  const lines = [
    `ZHV|${fileId}|D0010002|D|UDMS|X|SRGE|20220401093000||||OPER|`,
    `026|${known.supplyPointId}|V|`,
    `028|${known.meterSerial}|R|`,
    '030|S|20220301000000|10000.0|||T|N|',
    '030|S|20220331000000|10260.0|||T|N|',
    `026|${unknown}|V|`,
    '028|UNKNOWN01|R|',
    '030|S|20220331000000|5000.0|||T|N|',
  ];
  const file = `${[...lines, `ZPT|${fileId}|${lines.length - 1}||2|20220401094500|`].join('\n')}\n`;
  const post = await fetch(`${opts.flows}/v1/industry/flows`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-api-key': collectorKey }, body: file });
  const receipt = (await post.json()) as { flowId: string; links: { self: string; rejections: string } };
  if (post.status !== 202) throw new Error(`flow-intake answered ${post.status}: ${JSON.stringify(receipt)}`);
  console.log(`  POST /v1/industry/flows -> 202, flow ${receipt.flowId} (the raw file is durable in PostgreSQL)`);

  type Status = { state: string; counts: Record<string, unknown>; outcomes: { accepted: number; undecided: number; heldByReason: Record<string, number> } & Record<string, unknown> };
  let status: Status | undefined;
  for (let i = 0; i < 120; i++) {
    const r = await fetch(`${opts.flows}${receipt.links.self}`, { headers: { 'x-api-key': collectorKey } });
    status = (await r.json()) as Status;
    // The known account's readings may be held a moment if the registry's relay published it after the flow was matched.
    if (status.state === 'failed' || (status.state === 'done' && status.outcomes.undecided === 0 && status.outcomes.accepted >= 2)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (status?.state !== 'done' || status.outcomes.accepted !== 2 || status.outcomes.heldByReason.UNMATCHED_SUPPLY_POINT !== 1) {
    throw new Error(`the flow did not finish with its 2 readings accepted and the unknown supply point's held: ${JSON.stringify(status)}`);
  }
  console.log(`  state ${status.state}: ${JSON.stringify(status.counts)}`);
  console.log(`  read-sink decided: ${JSON.stringify(status.outcomes)}`);
  const csv = await (await fetch(`${opts.flows}${receipt.links.rejections}`, { headers: { 'x-api-key': collectorKey } })).text();
  const perReading = await (await fetch(`${opts.flows}${receipt.links.self}/readings.csv`, { headers: { 'x-api-key': collectorKey } })).text();
  console.log(`  status:            curl -H "x-api-key: $(cat ${join(dev, 'collector-api-key')})" ${opts.flows}${receipt.links.self}`);
  console.log(`  per reading (the unknown supply point held UNMATCHED_SUPPLY_POINT until the registry has it):`);
  for (const row of perReading.trim().split('\r\n')) console.log(`    ${row}`);
  console.log(`  rejection report:  curl -H "x-api-key: $(cat ${join(dev, 'collector-api-key')})" ${opts.flows}${receipt.links.rejections}`);
  for (const row of csv.trim().split('\r\n')) console.log(`    ${row}`);

  // The flow's readings bill like any accepted reading: 1 to 31 March, 260 kWh.
  const run = await fetch(`${opts.billing}/v1/bill-runs`, {
    method: 'POST',
    headers: { ...staffJson, 'idempotency-key': `demo-flow-run-${tag}` },
    body: JSON.stringify({ periodStart: '2022-03-01', periodEnd: '2022-03-31', accountIds: [known.accountId] }),
  });
  const started = (await run.json()) as { runId: string };
  if (run.status !== 202) throw new Error(`billing refused the bill run: ${run.status} ${JSON.stringify(started)}`);
  let done: { status: string; billed?: number } | undefined;
  for (let i = 0; i < 60 && (!done || done.status === 'running'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    done = (await (await fetch(`${opts.billing}/v1/bill-runs/${started.runId}`, { headers: { 'x-api-key': staffKey } })).json()) as { status: string; billed?: number };
  }
  if (done?.status !== 'completed' || done.billed !== 1) throw new Error(`bill run ${started.runId}: ${JSON.stringify(done)}`);
  const bills = (await (await fetch(`${opts.billing}/v1/accounts/${known.accountId}/bills`, { headers: { 'x-api-key': staffKey } })).json()) as { items: Array<{ billId: string }> };
  const billId = bills.items[0]!.billId;
  const bill = (await (await fetch(`${opts.billing}/v1/accounts/${known.accountId}/bills/${billId}`, { headers: { 'x-api-key': staffKey } })).json()) as {
    lines: Array<{ description: string; amountPence: string }>;
    totals: { total: string };
  };
  console.log(`  billed from the flow's readings (run ${started.runId}):`);
  for (const l of bill.lines) console.log(`    ${l.description.padEnd(72)} ${(Number(l.amountPence) / 100).toFixed(2).padStart(9)}`);
  console.log(`    total ${bill.totals.total}`);
  console.log(`  the bill:          curl -H "x-api-key: $(cat ${join(dev, 'staff-api-key')})" ${opts.billing}/v1/accounts/${known.accountId}/bills/${billId}`);

  // The flow on the account's story: flow-intake announces it on industry-flows.v1 once processed, the timeline
  // projects it (one entry per flow and account).
  const ready = await fetch(`${opts.timeline}/health/ready`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
  if (!ready?.ok) {
    console.log(`  the timeline is not running at ${opts.timeline} (bash scripts/services.sh up timeline); the flow's timeline entry is skipped`);
    return;
  }
  type Entry = { kind: string; occurredAt: string; summary: string; link?: { href?: string } };
  const path = `/v1/accounts/${known.accountId}/timeline?limit=50`;
  let entry: Entry | undefined;
  let last = '';
  for (let i = 0; i < 60 && !entry; i++) {
    const r = await fetch(`${opts.timeline}${path}`, { headers: { 'x-api-key': staffKey } });
    const body = (await r.json().catch(() => ({}))) as { items?: Entry[] };
    entry = body.items?.find((e) => e.kind === 'flow.ingested' && e.link?.href === receipt.links.self);
    last = r.ok ? `${body.items?.length ?? 0} entries, none for the flow yet` : `HTTP ${r.status}`;
    if (!entry) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!entry) throw new Error(`the flow's entry did not reach the account's timeline within 30 s (${last})`);
  console.log(`  on the account's timeline: ${entry.occurredAt}  ${entry.summary}`);
  console.log(`  the timeline:      curl -H "x-api-key: $(cat ${join(dev, 'staff-api-key')})" "${opts.timeline}${path}"`);
}

main().catch((error) => {
  console.error(`demo flow FAILED: ${String((error as Error)?.message ?? error)}`);
  process.exit(1);
});
