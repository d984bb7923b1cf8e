import type { StoredFlow } from './flow.model';
import { toView } from './flow-status.service';

const flow = { flowId: 'f', state: 'done', receivedAt: 'now' } as unknown as StoredFlow;

describe('a flow\u2019s status', () => {
  it('sums the sink\u2019s decisions: accepted apart from duplicates, held and rejected by reason, undecided', () => {
    const v = toView(flow, {}, [
      { status: 'accepted', reasonCode: '', duplicate: false, n: 90 },
      { status: 'accepted', reasonCode: '', duplicate: true, n: 2 },
      { status: 'held', reasonCode: 'SUSPECT_READING', duplicate: false, n: 3 },
      { status: 'held', reasonCode: 'ADVANCE_EXCEEDS_TWICE_EXPECTED', duplicate: false, n: 1 },
      { status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', duplicate: false, n: 4 },
      { status: null, reasonCode: '', duplicate: false, n: 10 },
    ]);
    expect(v.outcomes).toEqual({
      accepted: 90,
      duplicates: 2,
      held: 4,
      rejected: 4,
      undecided: 10,
      heldByReason: { SUSPECT_READING: 3, ADVANCE_EXCEEDS_TWICE_EXPECTED: 1 },
      rejectedByReason: { NEGATIVE_ADVANCE: 4 },
    });
    expect(v.links).toEqual({ self: '/v1/industry/flows/f', rejections: '/v1/industry/flows/f/rejections.csv', readings: '/v1/industry/flows/f/readings.csv' });
  });
});
