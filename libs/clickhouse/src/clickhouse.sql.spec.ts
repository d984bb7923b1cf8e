import { sqlInt, sqlString, sqlStringList } from './clickhouse.sql';

describe('ClickHouse literals', () => {
  it('escapes quotes and backslashes so input cannot end the literal', () => {
    expect(sqlString("O'Brien")).toBe("'O\\'Brien'");
    expect(sqlString('a\\')).toBe("'a\\\\'");
    expect(sqlString("x' OR 1=1 --")).toBe("'x\\' OR 1=1 --'");
  });
  it('lists and integers', () => {
    expect(sqlStringList(['a', 'b'])).toBe("'a','b'");
    expect(sqlInt(42)).toBe('42');
    expect(() => sqlInt(1.5)).toThrow(RangeError);
  });
});
