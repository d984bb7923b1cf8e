/*
 * D0010 files for tests and benchmarks (not part of any app): a model of a
 * flow rendered to its lines, and a generator that streams an N-reading file
 * to disk without holding it, with the trailer's counts made as it goes.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';

export interface D0010ReadingModel {
  readonly registerId: string;
  /** CCYYMMDDHHMMSS, UK clock time. */
  readonly readAtLocal: string;
  readonly value: string;
  readonly mdResetAt?: string;
  readonly mdResetCount?: string;
  readonly readingFlag: 'T' | 'F';
  readonly readingMethod: 'N' | 'P';
  readonly validation?: { readonly reasonCode: string; readonly status: 'V' | 'U' | 'F' };
  readonly siteVisits?: readonly D0010SiteVisitModel[];
}

export interface D0010SiteVisitModel {
  readonly checkCode: string;
  readonly text: string;
}

export interface D0010MeterModel {
  readonly meterId: string;
  readonly readingType: string;
  readonly siteVisits?: readonly D0010SiteVisitModel[];
  readonly readings: readonly D0010ReadingModel[];
}

export interface D0010GroupModel {
  readonly mpanCore: string;
  readonly bscValidationStatus: 'V' | 'U' | 'F';
  readonly siteVisits?: readonly D0010SiteVisitModel[];
  readonly meters: readonly D0010MeterModel[];
}

export interface D0010FileModel {
  readonly fileId: string;
  /** CCYYMMDDHHMMSS, UK clock time. */
  readonly created: string;
  readonly groups: readonly D0010GroupModel[];
}

const header = (fileId: string, created: string): string => `ZHV|${fileId}|D0010002|D|UDMS|X|SRGE|${created}||||OPER|`;
const trailer = (fileId: string, records: number, groups: number, completed: string): string => `ZPT|${fileId}|${records}||${groups}|${completed}|`;

function* groupLines(g: D0010GroupModel): Generator<string> {
  yield `026|${g.mpanCore}|${g.bscValidationStatus}|`;
  for (const v of g.siteVisits ?? []) yield `027|${v.checkCode}|${v.text}|`;
  for (const m of g.meters) {
    yield `028|${m.meterId}|${m.readingType}|`;
    for (const v of m.siteVisits ?? []) yield `029|${v.checkCode}|${v.text}|`;
    for (const r of m.readings) {
      yield `030|${r.registerId}|${r.readAtLocal}|${r.value}|${r.mdResetAt ?? ''}|${r.mdResetCount ?? ''}|${r.readingFlag}|${r.readingMethod}|`;
      if (r.validation) yield `032|${r.validation.reasonCode}|${r.validation.status}|`;
      for (const v of r.siteVisits ?? []) yield `033|${v.checkCode}|${v.text}|`;
    }
  }
}

/** The lines of a flow (no line breaks), header to trailer, with the trailer's counts right. */
export function* renderD0010(model: D0010FileModel): Generator<string> {
  yield header(model.fileId, model.created);
  let records = 0;
  for (const g of model.groups) {
    for (const line of groupLines(g)) {
      records++;
      yield line;
    }
  }
  yield trailer(model.fileId, records, model.groups.length, model.created);
}

/** A valid MPAN core from 12 chosen digits' worth of entropy. */
export function mpanCoreFrom(distributor: number, serial: number): string {
  const first12 = `${distributor}${String(serial).padStart(10, '0')}`;
  return first12 + String(mpanCheckDigit(first12));
}

/** Small, fast, seeded PRNG (mulberry32): the same seed writes the same file. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedD0010Options {
  readonly readings: number;
  readonly fileId?: string;
  readonly seed?: number;
  /** One reading in this many gets a 032 validation result (0: none). Default 10. */
  readonly validationEvery?: number;
  /**
   * Cycle through this many supply points (group i is supply point i mod N, with the same meter and
   * registers every time), so a registry of N accounts matches every reading. Default: a new one per group.
   */
  readonly supplyPoints?: number;
}

/** The meter and registers of supply point `index` when the file cycles supply points (see `supplyPoints`). */
export function generatedSupplyPoint(index: number): { readonly mpanCore: string; readonly meterId: string; readonly registers: readonly string[] } {
  return { mpanCore: mpanCoreFrom(10 + (index % 14), index), meterId: `S${String(index).padStart(9, '0')}`, registers: index % 10 < 3 ? ['DY', 'NT'] : ['S'] };
}

const READING_TYPES = ['R', 'C', 'X', 'D', 'A', 'F', 'I', 'Z', 'S'] as const;

/**
 * The lines of a valid N-reading flow, made one group at a time: supply points
 * with one meter and one or two registers (single rate, or Economy 7 day and
 * night), a mix of reading types (about one in nine an estimate), some suspect
 * flags and failed 032s. Nothing but the counts is held.
 */
export function* generateD0010Lines(options: GeneratedD0010Options): Generator<string> {
  const fileId = options.fileId ?? 'BENCH00001';
  const rand = prng(options.seed ?? 42);
  const validationEvery = options.validationEvery ?? 10;
  yield header(fileId, '20220401093000');
  let records = 0;
  let groups = 0;
  let written = 0;
  while (written < options.readings) {
    const cycled = options.supplyPoints ? generatedSupplyPoint(groups % options.supplyPoints) : undefined;
    const registers = cycled
      ? options.readings - written >= cycled.registers.length
        ? cycled.registers
        : cycled.registers.slice(0, 1)
      : options.readings - written >= 2 && rand() < 0.3
        ? ['DY', 'NT']
        : ['S'];
    const day = 1 + Math.floor(rand() * 28);
    const readAtLocal = `202203${String(day).padStart(2, '0')}000000`;
    const meters: D0010MeterModel[] = [
      {
        meterId: cycled?.meterId ?? `S${String(groups).padStart(9, '0')}`,
        readingType: READING_TYPES[Math.floor(rand() * READING_TYPES.length)]!,
        readings: registers.map((registerId) => {
          written++;
          const reading: D0010ReadingModel = {
            registerId,
            readAtLocal,
            value: `${Math.floor(rand() * 99999)}.${Math.floor(rand() * 10)}`,
            readingFlag: rand() < 0.01 ? 'F' : 'T',
            readingMethod: rand() < 0.5 ? 'N' : 'P',
            ...(validationEvery > 0 && written % validationEvery === 0 ? { validation: rand() < 0.1 ? { reasonCode: '05', status: 'F' as const } : { reasonCode: '', status: 'V' as const } } : {}),
          };
          return reading;
        }),
      },
    ];
    const group: D0010GroupModel = { mpanCore: cycled?.mpanCore ?? mpanCoreFrom(10 + (groups % 14), groups), bscValidationStatus: 'V', meters };
    groups++;
    for (const line of groupLines(group)) {
      records++;
      yield line;
    }
  }
  yield trailer(fileId, records, groups, '20220401094500');
}

/** Writes lines to a file, LF-terminated, in ~64 KiB writes that wait for the disk (bounded memory). */
export async function writeFlowFile(path: string, lines: Iterable<string>): Promise<{ bytes: number; lines: number }> {
  const out = createWriteStream(path);
  let buffer = '';
  let bytes = 0;
  let count = 0;
  const flush = async (): Promise<void> => {
    bytes += Buffer.byteLength(buffer);
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  };
  for (const line of lines) {
    buffer += `${line}\n`;
    count++;
    if (buffer.length >= 65_536) await flush();
  }
  if (buffer.length > 0) await flush();
  out.end();
  await once(out, 'finish');
  return { bytes, lines: count };
}
