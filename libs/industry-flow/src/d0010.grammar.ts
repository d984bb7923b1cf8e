/**
 * The D0010 "Meter Readings" flow (version 002) as code: record types, where
 * each may stand, and the position of every field. Documented with an example
 * in docs/industry-flows.md; the parser and the structure validator read only
 * this table, so the grammar has one definition.
 *
 * A file is one record a line, fields separated by `|`, every record ending
 * with `|` (so splitting a record on `|` leaves an empty last piece):
 *
 *   file     = ZHV group* ZPT
 *   group    = 026 027* meter*          one supply point (a "flow" in the trailer's count)
 *   meter    = 028 029* reading*
 *   reading  = 030 032? 033*
 *
 * A group without a meter, or a meter without a reading, is legal structure
 * but an unusable group: it is rejected on its own (reason codes), not the file.
 */

export const D0010_FLOW_VERSION = 'D0010002';
/** The flow id without its 3-digit version: a header naming D0010 with another version is refused as unsupported, any other flow as not D0010. */
export const D0010_FLOW_ID = 'D0010';

export const RECORD_TYPES = ['ZHV', '026', '027', '028', '029', '030', '032', '033', 'ZPT'] as const;
export type D0010RecordType = (typeof RECORD_TYPES)[number];

export const RECORD_DESCRIPTIONS: Readonly<Record<D0010RecordType, string>> = {
  ZHV: 'file header',
  '026': 'MPAN core (starts a supply point group)',
  '027': 'site visit (supply point)',
  '028': 'meter and reading type',
  '029': 'site visit (meter)',
  '030': 'register reading',
  '032': 'validation result (of the 030 before it)',
  '033': 'site visit (register reading)',
  ZPT: 'file trailer',
};

/**
 * Field positions, counting the record type as field 0. `required` is how
 * many fields (after the record type) a record must have; trailing extra
 * fields are ignored, so a sender padding records with empty fields is read.
 */
export const FIELDS = {
  ZHV: { fileId: 1, flowVersion: 2, fromRole: 3, fromMpid: 4, toRole: 5, toMpid: 6, created: 7, testDataFlag: 11, required: 7 },
  '026': { mpanCore: 1, bscValidationStatus: 2, required: 2 },
  '027': { checkCode: 1, additionalInformation: 2, required: 1 },
  '028': { meterId: 1, readingType: 2, required: 2 },
  '029': { checkCode: 1, additionalInformation: 2, required: 1 },
  '030': { registerId: 1, readAt: 2, value: 3, mdResetAt: 4, mdResetCount: 5, readingFlag: 6, readingMethod: 7, required: 7 },
  '032': { reasonCode: 1, status: 2, required: 2 },
  '033': { checkCode: 1, additionalInformation: 2, required: 1 },
  ZPT: { fileId: 1, recordCount: 2, checksum: 3, flowCount: 4, completed: 5, required: 4 },
} as const;

/** Where the parser stands after a record: which records may come next. */
export type D0010Position = 'start' | 'header' | 'group' | 'meter' | 'reading' | 'validation' | 'readingVisit' | 'end';

/** What follows what. A record type absent from a position's entry is out of place there. */
export const NEXT_POSITION: Readonly<Record<D0010Position, Partial<Record<D0010RecordType, D0010Position>>>> = {
  start: { ZHV: 'header' },
  header: { '026': 'group', ZPT: 'end' },
  group: { '027': 'group', '028': 'meter', '026': 'group', ZPT: 'end' },
  meter: { '029': 'meter', '030': 'reading', '028': 'meter', '026': 'group', ZPT: 'end' },
  reading: { '032': 'validation', '033': 'readingVisit', '030': 'reading', '028': 'meter', '026': 'group', ZPT: 'end' },
  validation: { '033': 'readingVisit', '030': 'reading', '028': 'meter', '026': 'group', ZPT: 'end' },
  readingVisit: { '033': 'readingVisit', '030': 'reading', '028': 'meter', '026': 'group', ZPT: 'end' },
  end: {},
};

/** What may come next at a position, for messages. */
export function expectedAt(position: D0010Position): string {
  const next = Object.keys(NEXT_POSITION[position]);
  return next.length === 0 ? 'nothing (the trailer ends the file)' : next.join(', ');
}

const KNOWN: ReadonlySet<string> = new Set(RECORD_TYPES);

export function isRecordType(s: string): s is D0010RecordType {
  return KNOWN.has(s);
}

/** 026 BSC validation status (J0022): V validated, U not validated, F failed. */
export type BscValidationStatus = 'V' | 'U' | 'F';
/** 030 meter reading flag: T valid, F suspect. */
export type MeterReadingFlag = 'T' | 'F';
/** 030 reading method: N not viewed by an agent (non site visit), P viewed by an agent (site visit). */
export type ReadingMethod = 'N' | 'P';
/** 032 validation status: V passed, U not validated, F failed. */
export type ValidationResultStatus = 'V' | 'U' | 'F';

/** Longest file id, meter id and register id the flow's data items allow. */
export const MAX_FILE_ID_LENGTH = 10;
export const MAX_METER_ID_LENGTH = 10;
export const MAX_REGISTER_ID_LENGTH = 2;

/**
 * The longest record line read (D0010 records are under 200 characters).
 * Longer lines are refused as malformed, and the line splitter stops holding
 * a line past this, so a file without line breaks cannot fill memory.
 */
export const MAX_RECORD_LENGTH = 1024;
