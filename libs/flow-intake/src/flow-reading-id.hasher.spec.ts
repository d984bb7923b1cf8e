import { flowIdOf, flowReadingId } from './flow-id';
import { FlowReadingIdHasher } from './flow-reading-id.hasher';

describe('a flow\u2019s reading ids, one SHA-1 block a reading', () => {
  it('are the ids flowReadingId gives (node:crypto), for lines of every length', () => {
    const flowId = flowIdOf('D0010', 'D', 'UDMS', 'F000000001');
    const hasher = new FlowReadingIdHasher(flowId);
    const lines = [1, 2, 9, 10, 99, 100, 4711, 65_535, 999_999, 1_000_000, 2_638_464, 123_456_789, 2 ** 31, 9_007_199_254_740_991];
    for (let l = 1; l < 5000; l += 7) lines.push(l);
    for (const line of lines) expect(hasher.idOf(line)).toBe(flowReadingId(flowId, line));
  });

  it('handles prefixes of any length (one or two last blocks, a prefix over a block)', () => {
    for (const flowId of ['', 'x', 'a'.repeat(27), 'a'.repeat(28), 'a'.repeat(35), 'a'.repeat(37), 'a'.repeat(100), 'f\u00e9l\u00e9'])
      for (const line of [1, 42, 1_000_000, 123_456_789_012]) expect(new FlowReadingIdHasher(flowId).idOf(line)).toBe(flowReadingId(flowId, line));
  });
});
