/** One line of a flow file, numbered from 1 as an editor shows it (blank lines count). */
export interface FlowLine {
  readonly lineNumber: number;
  readonly text: string;
}

/**
 * Lines as the parsers take them, from memory (sync) or streamed from a file
 * (async), one at a time or in batches (splitFlowLineBatches yields one batch per
 * chunk read): a batch costs one await for many lines, which is most of the
 * difference on a million-line file.
 */
export type FlowLineSource = Iterable<FlowLine | readonly FlowLine[]> | AsyncIterable<FlowLine | readonly FlowLine[]>;

export function isLineBatch(item: FlowLine | readonly FlowLine[]): item is readonly FlowLine[] {
  return Array.isArray(item);
}
