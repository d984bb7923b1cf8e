import { flowLinesOf } from '@surge/industry-flow/flow-line.splitter';
import { parseD0010 } from '@surge/industry-flow/d0010.parser';
import type { D0010Reading } from '@surge/industry-flow/d0010.events';
import type { RegisterState } from '@surge/registry-contracts/register-state.projection';
import { flowIdOf, flowReadingId } from './flow-id';
import { lookupHeld, mapFlowReading, matchedReading, platformRegisterId } from './flow-reading.mapper';

const FILE = `ZHV|F000000001|D0010002|D|UDMS|X|SRGE|20220401093000||||OPER|
026|1200023305967|V|
028|F75A 00802|R|
030|S|20220331000000|056311.0|||T|N|
026|1900001059816|V|
028|S95105287|D|
030|DY|20220331000000|81641.0|||T|N|
032|05|F|
030|NT|20220331000000|1641.0|||T|N|
ZPT|F000000001|8||2|20220401094500|
`;

async function readings(): Promise<D0010Reading[]> {
  const out: D0010Reading[] = [];
  for await (const e of parseD0010(flowLinesOf(FILE))) if (e.kind === 'reading') out.push(e.reading);
  return out;
}

const state = (accountId: string): RegisterState => ({ accountId, category: 'A', digits: 6, eacKwh: null, revision: 1n });
const registry = new Map<string, RegisterState>([
  ['1200023305967|F75A00802|S', state('ACC-1')],
  ['1900001059816|S95105287|DAY', state('ACC-2')],
]);
const lookup = (sp: string, serial: string, reg: string) => registry.get(`${sp}|${serial}|${reg}`);
const flowId = flowIdOf('D0010', 'D', 'UDMS', 'F000000001');
const ctx = { flowId, receivedAt: '2022-04-01T09:31:00.000Z' };

describe('a D0010 reading as the platform\u2019s reading', () => {
  it('matches the registry by MPAN, serial without spaces and platform register, with the API\u2019s contract on channel d0010', async () => {
    const [routine] = await readings();
    const mapped = mapFlowReading(routine!, ctx, lookup);
    expect(mapped).toEqual({
      kind: 'reading',
      event: {
        schema: 'meter-reading.submitted.v1',
        readingId: flowReadingId(flowId, 4),
        accountId: 'ACC-1',
        supplyPointId: '1200023305967',
        fuel: 'electricity',
        meterSerial: 'F75A00802',
        registerId: 'S',
        readAt: '2022-03-30T23:00:00.000Z',
        value: '56311',
        unit: 'kWh',
        source: 'R',
        channel: 'd0010',
        submittedAt: '2022-04-01T09:31:00.000Z',
        correlationId: `flow-${flowId}`,
        digits: 6,
      },
    });
  });

  it('keeps an estimate an estimate and carries the sender\u2019s failed validation as a review', async () => {
    const [, day] = await readings();
    const mapped = mapFlowReading(day!, ctx, lookup);
    expect(mapped.kind === 'reading' && mapped.event).toMatchObject({ source: 'D', registerId: 'DAY', accountId: 'ACC-2', hold: { reasonCode: 'ADVANCE_EXCEEDS_TWICE_EXPECTED', industryCode: '05' } });
  });

  it('a register the registry does not know (yet) is held with UNMATCHED_SUPPLY_POINT, never dropped; released later as the same reading', async () => {
    const [, , night] = await readings();
    const mapped = mapFlowReading(night!, ctx, lookup);
    expect(mapped).toMatchObject({
      kind: 'held',
      held: { line: 9, readingId: flowReadingId(flowId, 9), supplyPointId: '1900001059816', meterSerial: 'S95105287', registerId: 'NIGHT', reasonCode: 'UNMATCHED_SUPPLY_POINT' },
    });
    if (mapped.kind !== 'held') throw new Error('held expected');
    expect(lookupHeld(mapped.held, lookup)).toBeUndefined();
    // The registry learns the register: the held reading is exactly what the flow would have published then.
    const later = new Map(registry).set('1900001059816|S95105287|NIGHT', state('ACC-2'));
    const laterLookup = (sp: string, serial: string, reg: string) => later.get(`${sp}|${serial}|${reg}`);
    const direct = mapFlowReading(night!, ctx, laterLookup);
    expect(direct.kind).toBe('reading');
    expect(matchedReading(mapped.held.reading, lookupHeld(mapped.held, laterLookup)!)).toEqual(direct.kind === 'reading' && direct.event);
  });

  it('a register id that names no platform register is a rejection with its line and reason', async () => {
    const [, , night] = await readings();
    expect(mapFlowReading({ ...night!, registerId: 'ZZ' }, ctx, lookup)).toMatchObject({
      kind: 'rejected',
      rejection: { line: 9, mpan: '1900001059816', meterId: 'S95105287', registerId: 'ZZ', reasonCode: 'UNKNOWN_REGISTER', readings: 1 },
    });
  });

  it('the same flow and line always name the same reading; another file id, another flow', () => {
    expect(flowIdOf('D0010', 'D', 'UDMS', 'F000000001')).toBe(flowId);
    expect(flowIdOf('D0010', 'D', 'UDMS', 'F000000002')).not.toBe(flowId);
    expect(flowIdOf('D0010', 'D', 'OTHR', 'F000000001')).not.toBe(flowId);
    expect(flowReadingId(flowId, 4)).toBe(flowReadingId(flowId, 4));
    expect(flowReadingId(flowId, 4)).not.toBe(flowReadingId(flowId, 5));
    // Pinned: ids already published must never change (a reprocessed or released reading names the same one).
    expect(flowId).toBe('8dc009f5-975f-5157-8293-8bf161bcfe73');
    expect(flowReadingId(flowId, 4)).toBe('09f3e9c4-51e5-59b8-a062-203e81bf93b0');
  });

  it.each([
    ['S', 'S'],
    ['01', 'S'],
    ['dy', 'DAY'],
    ['NT', 'NIGHT'],
    ['A1', 'EXPORT'],
    ['ZZ', null],
  ])('register %s is the platform\u2019s %s', (flow, platform) => {
    expect(platformRegisterId(flow)).toBe(platform);
  });
});
