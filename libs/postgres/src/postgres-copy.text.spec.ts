import { copyLine, copyText } from './postgres-copy.writer';

// copyText encodes each line into preallocated buffers; what it sends must be byte for byte the lines joined.
const joined = (rows: (string | number | boolean | null)[][]): Buffer => Buffer.from(rows.map(copyLine).join(''), 'utf8');

describe('copyText', () => {
  it('sends exactly the joined lines, escapes and multi-byte characters included', () => {
    const rows = [
      ['a\tb', 1, true, null],
      ['£ 1½ – ünïcödé 🔌', 2.5, false, 'back\\slash\nnew'],
    ];
    expect(Buffer.concat(copyText(rows)).equals(joined(rows))).toBe(true);
  });

  it('splits across buffers only between lines, and gives a line longer than a buffer its own', () => {
    const long = '€'.repeat(400_000); // 1.2 MB as UTF-8: more than one buffer
    const rows = [...Array.from({ length: 3_000 }, (_, i) => [`row ${i} ✓`, 'x'.repeat(500)]), [long], ['after']];
    const chunks = copyText(rows);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c[c.length - 1]).toBe(0x0a);
    expect(Buffer.concat(chunks).equals(joined(rows))).toBe(true);
  });

  it('sends nothing for no rows', () => {
    expect(copyText([])).toEqual([]);
  });
});
