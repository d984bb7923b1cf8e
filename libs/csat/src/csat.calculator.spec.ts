import { combine, csatPercent, isSatisfied, summariseScores } from './csat.calculator';

describe('CSAT maths', () => {
  it('satisfied means a score of 4 or 5', () => {
    expect([1, 2, 3, 4, 5].map(isSatisfied)).toEqual([false, false, false, true, true]);
  });

  it('CSAT = answers scoring 4 or 5 / all answers x 100', () => {
    expect(summariseScores([5, 4, 3, 2, 1])).toEqual({ responses: 5, satisfied: 2, csat: 40 });
    expect(summariseScores([5, 5, 5, 4])).toEqual({ responses: 4, satisfied: 4, csat: 100 });
    expect(csatPercent(88, 100)).toBe(88);
    expect(csatPercent(2, 3)).toBe(66.67);
    expect(csatPercent(1, 3)).toBe(33.33);
    expect(csatPercent(1, 8)).toBe(12.5);
  });

  it('no answers is no figure, not 0%', () => {
    expect(csatPercent(0, 0)).toBeNull();
    expect(summariseScores([])).toEqual({ responses: 0, satisfied: 0, csat: null });
  });

  it('rejects impossible counts', () => {
    expect(() => csatPercent(3, 2)).toThrow(RangeError);
    expect(() => csatPercent(-1, 2)).toThrow(RangeError);
    expect(() => csatPercent(0.5, 2)).toThrow(RangeError);
  });

  it('disjoint groups add up to the same figure as all answers together', () => {
    expect(combine([{ responses: 3, satisfied: 2 }, { responses: 1, satisfied: 1 }])).toEqual(summariseScores([5, 4, 1, 4]));
  });
});
