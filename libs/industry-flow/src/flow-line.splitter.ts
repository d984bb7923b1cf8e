import type { FlowLine } from './flow-line.model';
import { MAX_RECORD_LENGTH } from './d0010.grammar';

/**
 * Splits text chunks (as a file stream delivers them, in any sizes) into
 * numbered lines, one batch per chunk, holding no more than one chunk and one
 * line. LF and CRLF both end a line; a last line without a line break is still
 * a line. A line longer than `maxLineLength` is cut there (the rest up to the
 * next line break is dropped), so memory stays bounded on a file without line
 * breaks; the parsers refuse such a line as malformed (it is longer than any
 * record).
 */
export async function* splitFlowLineBatches(
  chunks: Iterable<string> | AsyncIterable<string>,
  maxLineLength = MAX_RECORD_LENGTH + 1,
): AsyncGenerator<FlowLine[]> {
  let carry = '';
  let dropping = false;
  let lineNumber = 0;
  for await (const chunk of chunks) {
    const batch: FlowLine[] = [];
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl < 0) break;
      let text = dropping ? carry : carry.length > 0 ? carry + chunk.slice(from, nl) : chunk.slice(from, nl);
      carry = '';
      dropping = false;
      if (text.length > maxLineLength) text = text.slice(0, maxLineLength);
      if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
      batch.push({ lineNumber: ++lineNumber, text });
      from = nl + 1;
    }
    if (!dropping) {
      carry += chunk.slice(from);
      if (carry.length > maxLineLength) {
        carry = carry.slice(0, maxLineLength);
        dropping = true;
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (carry.length > 0) {
    const text = carry.charCodeAt(carry.length - 1) === 13 ? carry.slice(0, -1) : carry;
    yield [{ lineNumber: ++lineNumber, text }];
  }
}

/** The same lines one at a time (simple to consume; one await a line, so slower on large files). */
export async function* splitFlowLines(chunks: Iterable<string> | AsyncIterable<string>, maxLineLength = MAX_RECORD_LENGTH + 1): AsyncGenerator<FlowLine> {
  for await (const batch of splitFlowLineBatches(chunks, maxLineLength)) yield* batch;
}

/** Numbers the lines of an in-memory text (tests, small files). */
export function flowLinesOf(text: string): FlowLine[] {
  const parts = text.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ lineNumber: i + 1, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
}
