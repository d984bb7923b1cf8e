/**
 * The demo's industry-flow step: a data collector's D0010 file through flow-intake.
 *   node dist/scripts/demo-flow.js [--state .stack] [--flows http://127.0.0.1:3006] [--registry http://127.0.0.1:3005]
 * Registers one account in the registry (so its readings match), uploads a small D0010 for it plus one supply
 * point the registry does not know, polls the flow's status to done and prints the counts, the status URL
 * and the rejection report's URL (with the report itself). Exits non-zero if any step failed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';

const { values: opts } = parseArgs({
  options: {
    state: { type: 'string', default: '.stack' },
    flows: { type: 'string', default: 'http://127.0.0.1:3006' },
    registry: { type: 'string', default: 'http://127.0.0.1:3005' },
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

  const account = await fetch(`${opts.registry}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': staffKey },
    body: JSON.stringify({
      accountId: known.accountId,
      category: 'A',
      domestic: true,
      vatRate: '0.05',
      supplyPoints: [
        { supplyPointId: known.supplyPointId, fuel: 'electricity', supplyStart: '2021-01-01', meters: [{ meterSerial: known.meterSerial, installedOn: '2021-01-01', registers: [{ registerId: 'S', kind: 'import', digits: 6, unit: 'kWh', eacKwh: '3100' }] }] },
      ],
    }),
  });
  if (account.status !== 201 && account.status !== 200) throw new Error(`registry refused the demo account: ${account.status} ${await account.text()}`);
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

  let status: { state: string; counts: Record<string, unknown> } | undefined;
  for (let i = 0; i < 120; i++) {
    const r = await fetch(`${opts.flows}${receipt.links.self}`, { headers: { 'x-api-key': collectorKey } });
    status = (await r.json()) as { state: string; counts: Record<string, unknown> };
    if (status.state === 'done' || status.state === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (status?.state !== 'done') throw new Error(`the flow did not finish: ${JSON.stringify(status)}`);
  console.log(`  state ${status.state}: ${JSON.stringify(status.counts)}`);
  const csv = await (await fetch(`${opts.flows}${receipt.links.rejections}`, { headers: { 'x-api-key': collectorKey } })).text();
  console.log(`  status:            curl -H "x-api-key: $(cat ${join(dev, 'collector-api-key')})" ${opts.flows}${receipt.links.self}`);
  console.log(`  rejection report:  curl -H "x-api-key: $(cat ${join(dev, 'collector-api-key')})" ${opts.flows}${receipt.links.rejections}`);
  for (const row of csv.trim().split('\r\n')) console.log(`    ${row}`);
}

main().catch((error) => {
  console.error(`demo flow FAILED: ${String((error as Error)?.message ?? error)}`);
  process.exit(1);
});
