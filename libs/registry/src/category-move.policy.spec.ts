import { flexibilityCategoryMove } from './category-move.policy';

describe('the category change flexibility may ask for', () => {
  it('moves a D account to C', () => {
    expect(flexibilityCategoryMove('D', 'D', 'C')).toEqual({ kind: 'applied', to: 'C' });
  });

  it('leaves an account that has moved since (a person changed it) as it is', () => {
    expect(flexibilityCategoryMove('B', 'D', 'C')).toEqual({ kind: 'already-moved' });
    expect(flexibilityCategoryMove('C', 'D', 'C')).toEqual({ kind: 'already-moved' });
  });

  it('takes no other move from flexibility (B and A are commercial changes; never down)', () => {
    expect(flexibilityCategoryMove('D', 'D', 'B')).toEqual({ kind: 'not-allowed' });
    expect(flexibilityCategoryMove('C', 'C', 'D')).toEqual({ kind: 'not-allowed' });
    expect(flexibilityCategoryMove('D', null, null)).toEqual({ kind: 'not-allowed' });
  });
});
