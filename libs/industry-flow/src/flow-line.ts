/** One line of a flow file, numbered from 1 as an editor shows it (blank lines count). */
export interface FlowLine {
  readonly lineNumber: number;
  readonly text: string;
}

/** Lines as the parsers take them: from memory (sync) or streamed from a file (async). */
export type FlowLines = Iterable<FlowLine> | AsyncIterable<FlowLine>;
