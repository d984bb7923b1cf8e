import { parseFlowDecimal } from './flow-decimal.parser';

describe('parseFlowDecimal NUM(9,1)', () => {
  const p = (raw: string) => {
    const r = parseFlowDecimal(raw, 9, 1);
    return r.ok ? r.value : r.problem;
  };

  it.each(['0', '0.0', '56311.0', '056311', '99999999.9', '99999999'])('keeps %s as written', (raw) => {
    expect(p(raw)).toBe(raw);
  });

  it.each([
    ['', 'EMPTY'],
    ['-1.0', 'NEGATIVE'],
    ['-', 'NOT_A_NUMBER'],
    ['1.', 'NOT_A_NUMBER'],
    ['.1', 'NOT_A_NUMBER'],
    ['1.2.3', 'NOT_A_NUMBER'],
    ['1e3', 'NOT_A_NUMBER'],
    [' 1', 'NOT_A_NUMBER'],
    ['+1', 'NOT_A_NUMBER'],
    ['1,000', 'NOT_A_NUMBER'],
    ['1.25', 'TOO_MANY_DECIMAL_PLACES'],
    ['123456789', 'TOO_MANY_DIGITS'],
    ['100000000.0', 'TOO_MANY_DIGITS'],
  ])('refuses "%s" as %s', (raw, problem) => {
    expect(p(raw)).toBe(problem);
  });
});
