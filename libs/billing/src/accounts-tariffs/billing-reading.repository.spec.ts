import fc from 'fast-check';
import { type RegisterReading, registerReadingKey } from './billing-account.model';
import { readingRowsOf, unescapeTsv } from './billing-reading.repository';

// The parse as it was before issue 18's fifth round (split and map a row): the reference readingRowsOf is held to.
function splitParse(text: string): Map<string, RegisterReading[]> {
  const result = new Map<string, RegisterReading[]>();
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    if (f.length < 8) continue;
    const [sp, serial, reg, readingId, readAt, value, source, rolledOver] = f.map(unescapeTsv) as [string, string, string, string, string, string, string, string];
    const key = registerReadingKey(sp, serial, reg);
    const list = result.get(key) ?? [];
    list.push({ readingId, readAt: `${readAt.replace(' ', 'T')}Z`, value, source, rolledOver: rolledOver === '1' });
    result.set(key, list);
  }
  return result;
}

describe('readingRowsOf (the TabSeparated answer of the readings query)', () => {
  it('reads rows into readings per register, undoing TSV escapes', () => {
    const text = 'SP1\tE1\tS\tr-1\t2022-03-01 09:00:00\t100.5\tC\t0\nSP1\tE1\tS\tr-2\t2022-04-01 09:00:00\t120\tR\t1\nSP2\tG1\tG\tr\\t3\t2022-04-01 09:00:00\t7\tC\t0\n';
    const rows = readingRowsOf(text);
    expect([...rows.keys()]).toEqual([registerReadingKey('SP1', 'E1', 'S'), registerReadingKey('SP2', 'G1', 'G')]);
    expect(rows.get(registerReadingKey('SP1', 'E1', 'S'))).toEqual([
      { readingId: 'r-1', readAt: '2022-03-01T09:00:00Z', value: '100.5', source: 'C', rolledOver: false },
      { readingId: 'r-2', readAt: '2022-04-01T09:00:00Z', value: '120', source: 'R', rolledOver: true },
    ]);
    expect(rows.get(registerReadingKey('SP2', 'G1', 'G'))?.[0]?.readingId).toBe('r\t3');
  });

  it('agrees with the split-and-map parse on any answer: short rows skipped, extra fields ignored, empty lines, escapes (property)', () => {
    const field = fc.oneof(fc.constantFrom('SP1', 'SP2', 'E1', 'S', 'a\\tb', 'x\\\\y', '', '0', '1', '2022-03-01 09:00:00'), fc.string({ maxLength: 4 }).filter((s) => !/[\t\n]/.test(s)));
    const row = fc.array(field, { minLength: 0, maxLength: 10 }).map((f) => f.join('\t'));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), fc.boolean(), (rows, trailingNewline) => {
        const text = rows.join('\n') + (trailingNewline ? '\n' : '');
        expect([...readingRowsOf(text)]).toEqual([...splitParse(text)]);
      }),
      { numRuns: 2000 },
    );
  });
});
