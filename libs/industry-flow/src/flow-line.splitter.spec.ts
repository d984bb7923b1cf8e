import fc from 'fast-check';
import type { FlowLine } from './flow-line.model';
import { flowLinesOf, splitFlowLines } from './flow-line.splitter';

async function all(chunks: string[], max?: number): Promise<FlowLine[]> {
  const out: FlowLine[] = [];
  for await (const l of splitFlowLines(chunks, max)) out.push(l);
  return out;
}

describe('splitFlowLines', () => {
  it('numbers lines across chunk boundaries, with LF or CRLF and a last line without a break', async () => {
    expect(await all(['ZHV|a', '|\r\n02', '6|x|\n\nZPT|', '|'])).toEqual([
      { lineNumber: 1, text: 'ZHV|a|' },
      { lineNumber: 2, text: '026|x|' },
      { lineNumber: 3, text: '' },
      { lineNumber: 4, text: 'ZPT||' },
    ]);
  });

  it('gives the same lines however the text is chunked (and the same as flowLinesOf)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('a', '|', '\n', '\r\n', '0') }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1 }), async (text, sizes) => {
        const chunks: string[] = [];
        for (let at = 0, i = 0; at < text.length; i++) {
          const n = sizes[i % sizes.length]!;
          chunks.push(text.slice(at, at + n));
          at += n;
        }
        expect(await all(chunks)).toEqual(flowLinesOf(text));
      }),
    );
  });

  it('cuts a line longer than the bound and drops the rest of it, so memory stays bounded', async () => {
    const lines = await all(['x'.repeat(50), 'y'.repeat(50), '\nnext|\n'], 10);
    expect(lines).toEqual([
      { lineNumber: 1, text: 'x'.repeat(10) },
      { lineNumber: 2, text: 'next|' },
    ]);
  });
});
