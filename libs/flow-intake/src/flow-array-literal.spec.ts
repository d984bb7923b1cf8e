// @ts-expect-error pg's own encoder (the reference), an internal module without types
import { prepareValue } from 'pg/lib/utils';
import { textArrayLiteral } from './flow.repository';

describe('the checkpoint\u2019s text[] literals', () => {
  it('are what pg writes for the same array (quotes and backslashes escaped, unicode as it is)', () => {
    for (const values of [['1200023305967'], ['ACC-1', 'ACC-2', 'ACC-1'], ['a"b', 'c\\d', '\\"', '', 'caf\u00e9 {x}, y', 'NULL', ' lead']]) {
      expect(textArrayLiteral(values)).toBe(prepareValue(values));
    }
    expect(textArrayLiteral([])).toBe('{}');
  });
});
