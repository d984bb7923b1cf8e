import { laneOf } from './platformatic-event-publisher';

describe('laneOf: which producer lane a key uses', () => {
  it('is stable for a key (so one supply point keeps its order) and within range', () => {
    for (const lanes of [1, 2, 4, 7]) {
      for (let i = 0; i < 1000; i++) {
        const key = `10${String(i).padStart(11, '0')}`;
        const lane = laneOf(key, lanes);
        expect(lane).toBe(laneOf(key, lanes));
        expect(lane).toBeGreaterThanOrEqual(0);
        expect(lane).toBeLessThan(lanes);
      }
    }
  });

  it('spreads supply points roughly evenly', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[laneOf(`1${String(i * 7919).padStart(12, '0')}`, 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(2000);
  });
});
