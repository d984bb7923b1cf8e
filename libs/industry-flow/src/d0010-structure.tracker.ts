import type { FlowLine } from './flow-line.model';
import { type FlowDateTimeProblem, FLOW_DATE_TIME_PROBLEM_MESSAGES, parseFlowDateTime } from './flow-date-time.parser';
import {
  D0010_FLOW_ID,
  D0010_FLOW_VERSION,
  type D0010Position,
  type D0010RecordType,
  FIELDS,
  MAX_FILE_ID_LENGTH,
  MAX_RECORD_LENGTH,
  NEXT_POSITION,
  RECORD_DESCRIPTIONS,
  expectedAt,
  isRecordType,
} from './d0010.grammar';
import type { D0010FileRefusalCode } from './d0010-reason.codes';

export interface D0010Header {
  readonly line: number;
  readonly fileId: string;
  readonly flowVersion: string;
  readonly fromRole: string;
  readonly fromMpid: string;
  readonly toRole: string;
  readonly toMpid: string;
  /** The creation time as a UTC ISO instant (the flow writes UK clock time). */
  readonly createdAt: string;
  /** OPER for operational data; test files carry another value. Empty when absent. */
  readonly testDataFlag: string;
}

export interface D0010Trailer {
  readonly line: number;
  readonly fileId: string;
  /** Records between ZHV and ZPT, as the sender counted them (checked equal to what the file holds). */
  readonly recordCount: number;
  /** Not verified: the flow leaves it optional and the public material defines no algorithm. */
  readonly checksum: string;
  /** 026 groups, as the sender counted them (checked). */
  readonly flowCount: number;
  /** The completion time as written (CCYYMMDDHHMMSS UK time), or empty. */
  readonly completed: string;
}

export interface D0010StructureProblem {
  readonly line: number;
  readonly reasonCode: D0010FileRefusalCode;
  readonly message: string;
}

/** A file refused whole: thrown by the pass-2 parser when it meets what pass 1 refuses. */
export class D0010StructureError extends Error {
  constructor(readonly problem: D0010StructureProblem) {
    super(`line ${problem.line}: ${problem.message}`);
    this.name = 'D0010StructureError';
  }
}

/** What the tracker learnt of a line that passed: its record type, or null for a blank line. */
export type TrackedLine = { ok: true; recordType: D0010RecordType | null } | { ok: false; problem: D0010StructureProblem };

const WHOLE_NUMBER = /^\d{1,9}$/;
/**
 * One answer object per record type, shared: both passes track every line of a million-reading file, and an
 * answer per line was garbage for the collector (docs/benchmarks.md "D0010 intake"). Frozen: never changed.
 */
const SKIPPED: TrackedLine = Object.freeze({ ok: true, recordType: null });
const TRACKED = new Map<string, TrackedLine>();
const trackedAs = (type: D0010RecordType): TrackedLine => {
  let t = TRACKED.get(type);
  if (!t) TRACKED.set(type, (t = Object.freeze({ ok: true, recordType: type })));
  return t;
};
const BLANK = /^\s*$/;

/**
 * The structural rules of a D0010 file, one line at a time and in constant
 * memory: the header is a D0010002 ZHV, every record is a known type in a
 * position the grammar allows and ends with `|`, and the ZPT trailer closes
 * the file with the header's file id and counts matching what came between.
 * Shared by pass 1 (which stops at the first problem) and pass 2 (which
 * treats any problem as the file having changed since pass 1).
 *
 * Blank lines are skipped and not counted as records (transfer tools add
 * them); the record count catches a record lost in their place.
 */
export class D0010StructureTracker {
  private position: D0010Position = 'start';
  private records = 0;
  private groups = 0;
  private lastLine = 0;
  /** A line that did not end with `|`: truncation if nothing follows it, otherwise a malformed record. */
  private unterminated: FlowLine | null = null;
  header: D0010Header | null = null;
  trailer: D0010Trailer | null = null;

  get groupCount(): number {
    return this.groups;
  }

  get recordCount(): number {
    return this.records;
  }

  track(line: FlowLine): TrackedLine {
    this.lastLine = line.lineNumber;
    const text = line.text;
    // Only a line starting with white space can be blank (the regex is skipped for every record).
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && BLANK.test(text))) return SKIPPED;
    if (this.unterminated) return this.fail(this.unterminated.lineNumber, 'MALFORMED_RECORD', `the record does not end with "|"`);
    if (text.length > MAX_RECORD_LENGTH) return this.fail(line.lineNumber, 'MALFORMED_RECORD', `the record is longer than ${MAX_RECORD_LENGTH} characters, longer than any D0010 record`);
    if (text.charCodeAt(text.length - 1) !== 124 /* | */) {
      // Decided at the next record or at the end: a cut-off last line means a truncated file.
      this.unterminated = line;
      return SKIPPED;
    }
    const bar = text.indexOf('|');
    const type = text.slice(0, bar);
    if (this.position === 'start') {
      if (type !== 'ZHV') return this.fail(line.lineNumber, 'MISSING_HEADER', `the file does not start with a ZHV header (it starts with "${clip(type)}"): it is not a D0010 flow`);
    } else if (this.position === 'end') {
      return this.fail(line.lineNumber, 'DATA_AFTER_TRAILER', `a ${clip(type)} record follows the ZPT trailer of line ${this.trailer?.line ?? '?'}`);
    }
    if (!isRecordType(type)) return this.fail(line.lineNumber, 'UNKNOWN_RECORD', `"${clip(type)}" is not a D0010 record type`);
    const next = NEXT_POSITION[this.position][type];
    if (next === undefined) {
      return this.fail(
        line.lineNumber,
        'RECORD_OUT_OF_PLACE',
        `a ${type} record (${RECORD_DESCRIPTIONS[type]}) cannot stand here; expected ${expectedAt(this.position)}`,
      );
    }
    if (type === 'ZHV') {
      const problem = this.readHeader(line);
      if (problem) return { ok: false, problem };
    } else if (type === 'ZPT') {
      const problem = this.readTrailer(line);
      if (problem) return { ok: false, problem };
    } else {
      this.records++;
      if (type === '026') this.groups++;
    }
    this.position = next;
    return trackedAs(type);
  }

  /** The end of the file: the trailer must have closed it. */
  finish(): D0010StructureProblem | null {
    if (this.unterminated) {
      return { line: this.unterminated.lineNumber, reasonCode: 'TRUNCATED', message: 'the last record is cut short (no closing "|"): the file is truncated' };
    }
    if (this.position === 'start') return { line: this.lastLine, reasonCode: 'EMPTY_FILE', message: 'the file holds no records' };
    if (this.position !== 'end') {
      return { line: this.lastLine, reasonCode: 'MISSING_TRAILER', message: 'the file ends without its ZPT trailer: it may be truncated' };
    }
    return null;
  }

  private fail(line: number, reasonCode: D0010FileRefusalCode, message: string): TrackedLine {
    return { ok: false, problem: { line, reasonCode, message } };
  }

  private readHeader(line: FlowLine): D0010StructureProblem | null {
    const f = line.text.split('|');
    const at = (i: number): string => f[i] ?? '';
    const p = (reasonCode: D0010FileRefusalCode, message: string): D0010StructureProblem => ({ line: line.lineNumber, reasonCode, message });
    const version = at(FIELDS.ZHV.flowVersion);
    if (!version.startsWith(D0010_FLOW_ID)) return p('NOT_D0010', `the header names flow "${clip(version)}", not ${D0010_FLOW_VERSION}`);
    if (version !== D0010_FLOW_VERSION) return p('UNSUPPORTED_FLOW_VERSION', `the header names flow version "${clip(version)}"; only ${D0010_FLOW_VERSION} is read`);
    if (f.length - 2 < FIELDS.ZHV.required) return p('MALFORMED_HEADER', `the ZHV header has ${Math.max(0, f.length - 2)} fields; it needs at least ${FIELDS.ZHV.required}`);
    const fileId = at(FIELDS.ZHV.fileId);
    if (fileId.length === 0 || fileId.length > MAX_FILE_ID_LENGTH) return p('MALFORMED_HEADER', `the header's file id "${clip(fileId)}" must be 1 to ${MAX_FILE_ID_LENGTH} characters`);
    for (const name of ['fromRole', 'fromMpid', 'toRole', 'toMpid'] as const) {
      if (at(FIELDS.ZHV[name]).length === 0) return p('MALFORMED_HEADER', `the header's ${name} (field ${FIELDS.ZHV[name]}) is empty`);
    }
    const created = parseFlowDateTime(at(FIELDS.ZHV.created));
    if (!created.ok) return p('MALFORMED_HEADER', `the header's creation time "${clip(at(FIELDS.ZHV.created))}" ${FLOW_DATE_TIME_PROBLEM_MESSAGES[created.problem as FlowDateTimeProblem]}`);
    this.header = {
      line: line.lineNumber,
      fileId,
      flowVersion: version,
      fromRole: at(FIELDS.ZHV.fromRole),
      fromMpid: at(FIELDS.ZHV.fromMpid),
      toRole: at(FIELDS.ZHV.toRole),
      toMpid: at(FIELDS.ZHV.toMpid),
      createdAt: new Date(created.ms).toISOString(),
      testDataFlag: at(FIELDS.ZHV.testDataFlag),
    };
    return null;
  }

  private readTrailer(line: FlowLine): D0010StructureProblem | null {
    const f = line.text.split('|');
    const at = (i: number): string => f[i] ?? '';
    const p = (reasonCode: D0010FileRefusalCode, message: string): D0010StructureProblem => ({ line: line.lineNumber, reasonCode, message });
    if (f.length - 2 < FIELDS.ZPT.required) return p('MALFORMED_TRAILER', `the ZPT trailer has ${Math.max(0, f.length - 2)} fields; it needs at least ${FIELDS.ZPT.required}`);
    const fileId = at(FIELDS.ZPT.fileId);
    const header = this.header!;
    if (fileId !== header.fileId) return p('FILE_ID_MISMATCH', `the trailer names file "${clip(fileId)}" but the header of line ${header.line} names "${header.fileId}"`);
    const recordCount = at(FIELDS.ZPT.recordCount);
    const flowCount = at(FIELDS.ZPT.flowCount);
    if (!WHOLE_NUMBER.test(recordCount)) return p('MALFORMED_TRAILER', `the trailer's record count "${clip(recordCount)}" is not a whole number`);
    if (!WHOLE_NUMBER.test(flowCount)) return p('MALFORMED_TRAILER', `the trailer's flow count "${clip(flowCount)}" is not a whole number`);
    if (Number(recordCount) !== this.records) {
      return p('RECORD_COUNT_MISMATCH', `the trailer counts ${Number(recordCount)} records between header and trailer but the file holds ${this.records}: records are missing or extra`);
    }
    if (Number(flowCount) !== this.groups) {
      return p('FLOW_COUNT_MISMATCH', `the trailer counts ${Number(flowCount)} supply point groups (026) but the file holds ${this.groups}`);
    }
    this.trailer = {
      line: line.lineNumber,
      fileId,
      recordCount: this.records,
      checksum: at(FIELDS.ZPT.checksum),
      flowCount: this.groups,
      completed: at(FIELDS.ZPT.completed),
    };
    return null;
  }
}

/** Echoes a sender's text in a message without letting a long or binary field flood it. */
export function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}...` : printable;
}
