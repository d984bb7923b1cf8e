import { type MpanCoreProblem, mpanCoreProblem } from '@surge/meter-domain/mpan.validator';
import { type FlowLine, type FlowLineSource, isLineBatch } from './flow-line.model';
import { FLOW_DATE_TIME_PROBLEM_MESSAGES, type FlowDateTimeProblem, parseFlowDateTime } from './flow-date-time.parser';
import { flowDecimalProblemMessage, parseFlowDecimal } from './flow-decimal.parser';
import {
  type BscValidationStatus,
  type D0010RecordType,
  FIELDS,
  MAX_METER_ID_LENGTH,
  MAX_REGISTER_ID_LENGTH,
  type MeterReadingFlag,
  type ReadingMethod,
  type ValidationResultStatus,
} from './d0010.grammar';
import type { D0010Event, D0010Reading, D0010Review, D0010SiteVisit, D0010Summary } from './d0010.events';
import { type D0010ReadingType, type ReadingTypeMapping, readingTypeMapping } from './d0010-reading-type.mapping';
import {
  D0010_REVIEW_CODES,
  type D0010GroupRejectionCode,
  MIRRORED_INDUSTRY_CODES,
  isMirroredIndustryCode,
} from './d0010-reason.codes';
import { D0010StructureError, D0010StructureTracker, clip } from './d0010-structure.tracker';

/** Register reading J0040: NUM(9,1), at most 8 digits before the point and 1 after. */
export const READING_VALUE_PRECISION = 9;
export const READING_VALUE_SCALE = 1;
/** One supply point's records held while its group is checked: far above any real meter set, low enough to bound memory. */
export const DEFAULT_MAX_GROUP_RECORDS = 10_000;

export interface D0010ParseOptions {
  /** Records a 026 group may hold before it is rejected as GROUP_TOO_LARGE (bounds what is buffered). */
  readonly maxGroupRecords?: number;
}

const MPAN_MESSAGES: Readonly<Record<MpanCoreProblem, string>> = {
  FORMAT: 'is not 13 digits',
  DISTRIBUTOR: 'does not start with a distributor id from 10 to 23',
  CHECK_DIGIT: 'fails its check digit (the 13th digit does not match the first 12)',
};
const METER_ID = /^[A-Za-z0-9 ]+$/;
const REGISTER_ID = /^[A-Za-z0-9]+$/;
const MD_RESET_COUNT = /^\d{1,2}$/;
const INDUSTRY_REASON = /^\d{2}$/;

type ParsedInstant = { ok: true; iso: string } | { ok: false; problem: FlowDateTimeProblem };

/**
 * Readings of a flow share a few dates (usually midnight of a handful of
 * days), and turning UK clock time into a UTC ISO string is a large share of
 * the per-reading cost, so the last few thousand answers are kept. Bounded:
 * cleared when full.
 */
class InstantCache {
  private readonly answers = new Map<string, ParsedInstant>();

  parse(raw: string): ParsedInstant {
    let answer = this.answers.get(raw);
    if (answer === undefined) {
      const parsed = parseFlowDateTime(raw);
      answer = parsed.ok ? { ok: true, iso: new Date(parsed.ms).toISOString() } : parsed;
      if (this.answers.size >= 4096) this.answers.clear();
      this.answers.set(raw, answer);
    }
    return answer;
  }
}

interface Failure {
  readonly line: number;
  readonly reasonCode: D0010GroupRejectionCode;
  readonly message: string;
}

type MutableReading = { -readonly [K in keyof D0010Reading]: D0010Reading[K] } & { siteVisits: D0010SiteVisit[] };

interface MeterState {
  readonly line: number;
  readonly meterId: string;
  readonly readingType: D0010ReadingType;
  readonly mapping: ReadingTypeMapping;
  readonly siteVisits: D0010SiteVisit[];
  readings: number;
}

/**
 * Pass 2 of the two-pass contract: a D0010 file's content as events, in file
 * order, holding at most one 026 group (one supply point) in memory. A group
 * is checked whole before any of it is emitted: either `group`, its `meter`s
 * and `reading`s, or one `groupRejected` naming the first bad record's line
 * and reason, so a group is never half ingested. Run it only on a file pass 1
 * (validateD0010Structure) passed: meeting a structural problem here throws
 * D0010StructureError (the bytes changed between the passes), and what was
 * emitted before must then be discarded by the caller.
 *
 * This is the synchronous core (push lines, collect events); parseD0010 and
 * parseD0010Batches wrap it for streams.
 */
export class D0010Parser {
  private readonly maxGroupRecords: number;
  private readonly tracker = new D0010StructureTracker();
  private readonly summary: { -readonly [K in keyof D0010Summary]: number } = {
    groupsAccepted: 0,
    groupsRejected: 0,
    readings: 0,
    readingsRejected: 0,
    estimated: 0,
    heldForReview: 0,
  };
  private group: GroupBuilder | null = null;
  private readonly instants = new InstantCache();
  private ended = false;

  constructor(options: D0010ParseOptions = {}) {
    this.maxGroupRecords = options.maxGroupRecords ?? DEFAULT_MAX_GROUP_RECORDS;
  }

  /** Reads one line; appends to `out` the events it completes (a whole group at once when the next 026 or the trailer closes it). */
  push(line: FlowLine, out: D0010Event[]): void {
    const tracked = this.tracker.track(line);
    if (!tracked.ok) throw new D0010StructureError(tracked.problem);
    const type = tracked.recordType;
    if (type === null) return;
    if (type === 'ZHV') {
      out.push({ kind: 'header', header: this.tracker.header! });
    } else if (type === '026' || type === 'ZPT') {
      if (this.group) this.group.close(this.summary, out);
      this.group = type === '026' ? new GroupBuilder(line, this.maxGroupRecords, this.instants) : null;
    } else {
      this.group!.add(type, line);
    }
  }

  /** The end of the file: appends the trailer event, or throws when the file did not end where the grammar allows. */
  end(out: D0010Event[]): void {
    if (this.ended) return;
    this.ended = true;
    const problem = this.tracker.finish();
    if (problem) throw new D0010StructureError(problem);
    out.push({ kind: 'trailer', trailer: this.tracker.trailer!, summary: { ...this.summary } });
  }
}

/** Pass 2 as a stream of events, one at a time (see D0010Parser for the guarantees). */
export async function* parseD0010(lines: FlowLineSource, options: D0010ParseOptions = {}): AsyncGenerator<D0010Event> {
  for await (const batch of parseD0010Batches(lines, options)) yield* batch;
}

/**
 * Pass 2 as a stream of event batches: one batch per item of `lines` (a line
 * or a batch of lines, e.g. one per chunk read from disk), empty batches
 * skipped. Costs one await per batch instead of one per event: what a
 * million-reading file needs (benchmarks/d0010-parse.bench.ts).
 */
export async function* parseD0010Batches(lines: FlowLineSource, options: D0010ParseOptions = {}): AsyncGenerator<readonly D0010Event[]> {
  const parser = new D0010Parser(options);
  let out: D0010Event[] = [];
  for await (const item of lines) {
    if (isLineBatch(item)) for (const line of item) parser.push(line, out);
    else parser.push(item, out);
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  parser.end(out);
  yield out;
}

class GroupBuilder {
  private readonly groupLine: number;
  private readonly mpanCore: string;
  private readonly status: BscValidationStatus;
  private readonly siteVisits: D0010SiteVisit[] = [];
  private events: D0010Event[] = [];
  private readonly readings: MutableReading[] = [];
  private meter: MeterState | null = null;
  private current: MutableReading | null = null;
  private failure: Failure | null = null;
  private records = 1;
  private readingRecords = 0;

  constructor(
    line: FlowLine,
    private readonly maxRecords: number,
    private readonly instants: InstantCache,
  ) {
    this.groupLine = line.lineNumber;
    const f = line.text.split('|');
    this.mpanCore = f[FIELDS['026'].mpanCore] ?? '';
    this.status = (f[FIELDS['026'].bscValidationStatus] ?? '') as BscValidationStatus;
    if (!this.hasFields(f, '026', line)) return;
    const mpanProblem = mpanCoreProblem(this.mpanCore);
    if (mpanProblem) this.fail(line, 'INVALID_MPAN_CORE', `MPAN core "${clip(this.mpanCore)}" ${MPAN_MESSAGES[mpanProblem]}`);
    else if (this.status !== 'V' && this.status !== 'U' && this.status !== 'F') {
      this.fail(line, 'INVALID_BSC_VALIDATION_STATUS', `BSC validation status "${clip(this.status)}" is not V (validated), U (not validated) or F (failed)`);
    }
  }

  add(type: Exclude<D0010RecordType, 'ZHV' | 'ZPT' | '026'>, line: FlowLine): void {
    if (type === '030') this.readingRecords++;
    if (++this.records > this.maxRecords && this.failure?.reasonCode !== 'GROUP_TOO_LARGE') {
      this.failure = null;
      this.fail(line, 'GROUP_TOO_LARGE', `the supply point group of line ${this.groupLine} holds more than ${this.maxRecords} records`);
    }
    if (this.failure) return;
    const f = line.text.split('|');
    if (!this.hasFields(f, type, line)) return;
    switch (type) {
      case '027':
      case '029':
      case '033': {
        const visit = this.siteVisit(f, line);
        if (!visit) return;
        if (type === '027') this.siteVisits.push(visit);
        else if (type === '029') this.meter!.siteVisits.push(visit);
        else this.current!.siteVisits.push(visit);
        return;
      }
      case '028':
        return this.addMeter(f, line);
      case '030':
        return this.addReading(f, line);
      case '032':
        return this.addValidation(f, line);
    }
  }

  close(summary: { -readonly [K in keyof D0010Summary]: number }, out: D0010Event[]): void {
    if (!this.failure) {
      if (!this.meter) this.failure = { line: this.groupLine, reasonCode: 'NO_METER', message: `line ${this.groupLine}: the supply point group has no 028 meter` };
      else this.checkMeterHasReadings();
    }
    if (this.failure) {
      summary.groupsRejected++;
      summary.readingsRejected += this.readingRecords;
      out.push({
        kind: 'groupRejected',
        line: this.failure.line,
        groupLine: this.groupLine,
        mpanCore: this.mpanCore,
        reasonCode: this.failure.reasonCode,
        message: this.failure.message,
        readingsRejected: this.readingRecords,
      });
      return;
    }
    for (const r of this.readings) {
      const review = this.reviewOf(r);
      if (review) r.review = review;
      if (r.estimated) summary.estimated++;
      if (review) summary.heldForReview++;
    }
    summary.groupsAccepted++;
    summary.readings += this.readings.length;
    out.push({ kind: 'group', line: this.groupLine, mpanCore: this.mpanCore, bscValidationStatus: this.status, siteVisits: this.siteVisits, readings: this.readings.length });
    for (const e of this.events) out.push(e);
  }

  private addMeter(f: string[], line: FlowLine): void {
    if (!this.checkMeterHasReadings()) return;
    const meterId = f[FIELDS['028'].meterId]!;
    const readingType = f[FIELDS['028'].readingType]!;
    if (meterId.length === 0 || meterId.length > MAX_METER_ID_LENGTH || !METER_ID.test(meterId) || meterId.trim().length === 0) {
      return this.fail(line, 'INVALID_METER_ID', `meter id "${clip(meterId)}" must be 1 to ${MAX_METER_ID_LENGTH} letters, digits or spaces`);
    }
    const mapping = readingTypeMapping(readingType);
    if (!mapping) return this.fail(line, 'INVALID_READING_TYPE', `reading type "${clip(readingType)}" is not a J0171 code (A C D F I M O P Q R S T U V W X Y Z)`);
    this.meter = { line: line.lineNumber, meterId, readingType: readingType as D0010ReadingType, mapping, siteVisits: [], readings: 0 };
    this.current = null;
    this.events.push({ kind: 'meter', line: line.lineNumber, mpanCore: this.mpanCore, meterId, readingType: readingType as D0010ReadingType, siteVisits: this.meter.siteVisits });
  }

  private addReading(f: string[], line: FlowLine): void {
    const F = FIELDS['030'];
    const meter = this.meter!;
    const registerId = f[F.registerId]!;
    if (registerId.length === 0) return this.fail(line, 'MISSING_REGISTER_ID', 'the register reading has no meter register id');
    if (registerId.length > MAX_REGISTER_ID_LENGTH || !REGISTER_ID.test(registerId)) {
      return this.fail(line, 'INVALID_REGISTER_ID', `meter register id "${clip(registerId)}" must be 1 to ${MAX_REGISTER_ID_LENGTH} letters or digits`);
    }
    const readAtLocal = f[F.readAt]!;
    const readAt = this.instants.parse(readAtLocal);
    if (!readAt.ok) return this.fail(line, 'INVALID_READ_AT', `reading date-time "${clip(readAtLocal)}" ${FLOW_DATE_TIME_PROBLEM_MESSAGES[readAt.problem]}`);
    const rawValue = f[F.value]!;
    const value = parseFlowDecimal(rawValue, READING_VALUE_PRECISION, READING_VALUE_SCALE);
    if (!value.ok) {
      const code = value.problem === 'TOO_MANY_DIGITS' || value.problem === 'TOO_MANY_DECIMAL_PLACES' ? 'VALUE_BEYOND_FORMAT' : 'INVALID_VALUE';
      return this.fail(line, code, `register reading "${clip(rawValue)}" ${flowDecimalProblemMessage(value.problem, READING_VALUE_PRECISION, READING_VALUE_SCALE)}`);
    }
    const rawMdAt = f[F.mdResetAt]!;
    let mdResetAt: string | undefined;
    if (rawMdAt.length > 0) {
      const md = this.instants.parse(rawMdAt);
      if (!md.ok) return this.fail(line, 'INVALID_MD_RESET', `maximum demand reset date-time "${clip(rawMdAt)}" ${FLOW_DATE_TIME_PROBLEM_MESSAGES[md.problem]}`);
      mdResetAt = md.iso;
    }
    const rawMdCount = f[F.mdResetCount]!;
    if (rawMdCount.length > 0 && !MD_RESET_COUNT.test(rawMdCount)) {
      return this.fail(line, 'INVALID_MD_RESET', `number of maximum demand resets "${clip(rawMdCount)}" is not a whole number of at most 2 digits`);
    }
    const flag = f[F.readingFlag]!;
    if (flag !== 'T' && flag !== 'F') return this.fail(line, 'INVALID_READING_FLAG', `meter reading flag "${clip(flag)}" is not T (valid) or F (suspect)`);
    const method = f[F.readingMethod]!;
    if (method !== 'N' && method !== 'P') return this.fail(line, 'INVALID_READING_METHOD', `reading method "${clip(method)}" is not N (not viewed by an agent) or P (viewed by an agent)`);
    const reading: MutableReading = {
      line: line.lineNumber,
      mpanCore: this.mpanCore,
      meterId: meter.meterId,
      registerId,
      readAt: readAt.iso,
      readAtLocal,
      value: value.value,
      readingType: meter.readingType,
      source: meter.mapping.source,
      estimated: meter.mapping.estimated,
      readingFlag: flag as MeterReadingFlag,
      readingMethod: method as ReadingMethod,
      siteVisits: [],
    };
    if (mdResetAt !== undefined) reading.mdResetAt = mdResetAt;
    if (rawMdCount.length > 0) reading.mdResetCount = Number(rawMdCount);
    meter.readings++;
    this.current = reading;
    this.readings.push(reading);
    this.events.push({ kind: 'reading', reading });
  }

  private addValidation(f: string[], line: FlowLine): void {
    const reasonCode = f[FIELDS['032'].reasonCode]!;
    const status = f[FIELDS['032'].status]!;
    if (status !== 'V' && status !== 'U' && status !== 'F') {
      return this.fail(line, 'INVALID_VALIDATION_RESULT', `validation status "${clip(status)}" is not V (passed), U (not validated) or F (failed)`);
    }
    if (status === 'F' ? !INDUSTRY_REASON.test(reasonCode) : reasonCode.length > 0 && !INDUSTRY_REASON.test(reasonCode)) {
      return this.fail(line, 'INVALID_VALIDATION_RESULT', `validation reason code "${clip(reasonCode)}" is not two digits${status === 'F' ? ' (a failed result must give one)' : ''}`);
    }
    this.current!.validation = { line: line.lineNumber, reasonCode, status: status as ValidationResultStatus };
  }

  private siteVisit(f: string[], line: FlowLine): D0010SiteVisit | null {
    const checkCode = f[FIELDS['027'].checkCode]!;
    if (checkCode.length === 0) {
      this.fail(line, 'INVALID_SITE_VISIT', 'the site visit record has no check code');
      return null;
    }
    return { line: line.lineNumber, checkCode, text: f[FIELDS['027'].additionalInformation] ?? '' };
  }

  /** Before the next meter and at the group's end: the meter before must have had a reading. */
  private checkMeterHasReadings(): boolean {
    if (this.meter && this.meter.readings === 0) {
      this.failure = { line: this.meter.line, reasonCode: 'NO_REGISTER_READINGS', message: `line ${this.meter.line}: meter "${clip(this.meter.meterId)}" has no 030 register reading` };
      return false;
    }
    return true;
  }

  /** The one reason a reading is held, most decisive first: withdrawn, the sender's failed validation, suspect, failed supply point. */
  private reviewOf(r: MutableReading): D0010Review | null {
    if (readingTypeMapping(r.readingType)?.holdForReview) {
      return { reasonCode: 'READING_WITHDRAWN', message: D0010_REVIEW_CODES.READING_WITHDRAWN };
    }
    if (r.validation?.status === 'F') {
      const code = r.validation.reasonCode;
      const reasonCode = isMirroredIndustryCode(code) ? MIRRORED_INDUSTRY_CODES[code] : 'SENDER_VALIDATION_FAILED';
      return { reasonCode, industryCode: code, message: `${D0010_REVIEW_CODES[reasonCode]} (032 on line ${r.validation.line}, reason ${code})` };
    }
    if (r.readingFlag === 'F') return { reasonCode: 'SUSPECT_READING', message: D0010_REVIEW_CODES.SUSPECT_READING };
    if (this.status === 'F') return { reasonCode: 'SUPPLY_POINT_VALIDATION_FAILED', message: D0010_REVIEW_CODES.SUPPLY_POINT_VALIDATION_FAILED };
    return null;
  }

  private hasFields(f: string[], type: Exclude<D0010RecordType, 'ZHV' | 'ZPT'>, line: FlowLine): boolean {
    const have = f.length - 2;
    const need = FIELDS[type].required;
    if (have >= need) return true;
    this.fail(line, 'MALFORMED_RECORD', `the ${type} record has ${have} field${have === 1 ? '' : 's'}; it needs ${need}`);
    return false;
  }

  private fail(line: FlowLine, reasonCode: D0010GroupRejectionCode, message: string): void {
    if (this.failure) return;
    this.failure = { line: line.lineNumber, reasonCode, message: `line ${line.lineNumber}: ${message}` };
    this.events = [];
  }
}
