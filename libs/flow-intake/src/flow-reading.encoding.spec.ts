import { flowLinesOf } from '@surge/industry-flow/flow-line.splitter';
import { parseD0010 } from '@surge/industry-flow/d0010.parser';
import type { D0010Reading } from '@surge/industry-flow/d0010.events';
import { canonicalReadingValue } from '@surge/meter-domain/reading-value.parser';
import { encodeSubmitted, type MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
import { flowIdOf, flowReadingId } from './flow-id';
import { FlowReadingIdHasher } from './flow-reading-id.hasher';
import { mapFlowReading, platformRegisterId } from './flow-reading.mapper';

// Routine, estimate (D), suspect flag, the sender's failed validation (mirrored 05 and unmirrored 99),
// withdrawn (W), a failed supply point status (F), a meter id with spaces and lower case, MD reset fields.
const FILE = `ZHV|F000000001|D0010002|D|UDMS|X|SRGE|20220401093000||||OPER|
026|1200023305967|V|
028|F75A 00802|R|
030|S|20220331000000|056311.0|||T|N|
030|01|20220401000000|056312.5|20220401000000|3|T|P|
026|1900001059816|V|
028|S95105287|D|
030|DY|20220331000000|81641.0|||T|N|
032|05|F|
030|NT|20220331000000|1641.0|||F|N|
030|S|20220331000000|0.0|||T|N|
032|99|F|
026|1200023305967|F|
028|ab 12 cd|W|
030|S|20221030013000|00000001.9|||T|N|
028|xyz|C|
030|NT|20220615120000|99999999.9|||T|P|
032||V|
ZPT|F000000001|17||3|20220401094500|
`;

const flowId = flowIdOf('D0010', 'D', 'UDMS', 'F000000001');
const ctx = { flowId, receivedAt: '2022-04-01T09:31:00.000Z' };

async function readings(): Promise<D0010Reading[]> {
  const out: D0010Reading[] = [];
  for await (const e of parseD0010(flowLinesOf(FILE))) if (e.kind === 'reading') out.push(e.reading);
  return out;
}

/** The event as the mapper built it before the template (pending object, then the spread with the account). */
function oldEvent(reading: D0010Reading, accountId: string, digits: number): MeterReadingSubmittedV1 {
  const pending = {
    schema: 'meter-reading.submitted.v1' as const,
    readingId: flowReadingId(ctx.flowId, reading.line),
    supplyPointId: reading.mpanCore,
    fuel: 'electricity' as const,
    meterSerial: reading.meterId.replace(/ /g, '').toUpperCase(),
    registerId: platformRegisterId(reading.registerId)!,
    readAt: reading.readAt,
    value: canonicalReadingValue(reading.value),
    unit: 'kWh' as const,
    source: reading.source,
    channel: 'd0010' as const,
    submittedAt: ctx.receivedAt,
    correlationId: `flow-${ctx.flowId}`,
    ...(reading.review
      ? { hold: { reasonCode: reading.review.reasonCode, message: reading.review.message, ...(reading.review.industryCode ? { industryCode: reading.review.industryCode } : {}) } }
      : {}),
  };
  return { ...pending, accountId, digits };
}

describe('a flow reading\u2019s record value (the event the mapper builds in one go, with the per-flow reading ids)', () => {
  it('is byte for byte what encodeSubmitted of the old event (pending object, then the spread) gave, for routine readings, estimates, suspect flags and every held reason', async () => {
    const all = await readings();
    expect(all).toHaveLength(7);
    expect(new Set(all.map((r) => r.review?.reasonCode ?? 'none'))).toEqual(
      new Set(['none', 'ADVANCE_EXCEEDS_TWICE_EXPECTED', 'SUSPECT_READING', 'SENDER_VALIDATION_FAILED', 'READING_WITHDRAWN', 'SUPPLY_POINT_VALIDATION_FAILED']),
    );
    expect(all.some((r) => r.estimated)).toBe(true);
    const lookup = (sp: string) => ({ accountId: `ACC-${sp.slice(-4)}`, digits: sp.startsWith('12') ? 8 : 5 });
    // With the per-flow hasher (the processor's way) and without it (flowReadingId): the same bytes.
    for (const c of [ctx, { ...ctx, readingIds: new FlowReadingIdHasher(flowId), correlationId: `flow-${flowId}` }]) {
      for (const r of all) {
        const mapped = mapFlowReading(r, c, lookup);
        if (mapped.kind !== 'reading') throw new Error(`line ${r.line} not matched`);
        const old = oldEvent(r, lookup(r.mpanCore).accountId, lookup(r.mpanCore).digits);
        expect(mapped.event).toEqual(old);
        // What the processor publishes (a string the publisher writes as UTF-8) and what it published before.
        expect(Buffer.from(JSON.stringify(mapped.event), 'utf8').equals(encodeSubmitted(old))).toBe(true);
      }
    }
  });
});
