import { validationError } from '@surge/errors/app.error';
import type { ReportRequest } from './flexibility.schema';

/**
 * The device-facing side in the OpenADR 3 object model (the subset a VEN needs to take part):
 * programs, events with an intervalPeriod and intervals carrying a PRICE payload, and reports whose
 * resources carry intervals with USAGE, BASELINE and DELTA_USAGE payloads (kWh). Field names follow the
 * OpenADR 3.0 specification's schemas (programName, programID, eventName, intervalPeriod {start,
 * duration}, payloads [{type, values}], resources [{resourceName, intervals}]).
 */
export interface OadrIntervalPeriod {
  readonly start: string;
  readonly duration: string;
}

export interface OadrInterval {
  readonly id: number;
  readonly intervalPeriod?: OadrIntervalPeriod;
  readonly payloads: ReadonlyArray<{ readonly type: string; readonly values: ReadonlyArray<number | string> }>;
}

/** ISO 8601 duration of whole minutes, as OpenADR writes them: PT1H, PT30M, PT1H30M. */
export function isoDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `PT${h ? `${h}H` : ''}${m || !h ? `${m}M` : ''}`;
}

export function parseIsoDuration(d: string): number {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(d);
  if (!m || (!m[1] && !m[2] && !m[3])) throw validationError('VALIDATION_FAILED', `duration '${d}' is not an ISO 8601 duration like PT30M`, [{ code: 'INVALID_DURATION', field: 'duration', message: 'an ISO 8601 duration, e.g. PT30M' }]);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) + Math.ceil(Number(m[3] ?? 0) / 60);
}

export function toOadrProgram(p: { programme_id: string; name: string; created_at: Date }) {
  const at = p.created_at.toISOString();
  return { id: p.programme_id, createdDateTime: at, modificationDateTime: at, objectType: 'PROGRAM', programName: p.name, programLongName: p.name, intervalPeriod: null, payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'PRICE', units: 'KWH', currency: 'GBP' }] };
}

export function toOadrEvent(e: { event_id: string; programme_id: string; window_start: Date; window_end: Date; price: string; created_at: Date }) {
  const minutes = Math.round((e.window_end.getTime() - e.window_start.getTime()) / 60_000);
  const at = e.created_at.toISOString();
  return {
    id: e.event_id,
    createdDateTime: at,
    modificationDateTime: at,
    objectType: 'EVENT',
    programID: e.programme_id,
    eventName: e.event_id,
    priority: 0,
    intervalPeriod: { start: e.window_start.toISOString(), duration: isoDuration(minutes) },
    // GBP per kWh (OpenADR prices are in currency units; our pence / 100, exact as a decimal string's number).
    intervals: [{ id: 0, payloads: [{ type: 'PRICE', values: [Number(e.price) / 100] }] }],
    // What the event asks the VEN to report: USAGE per half-hour, per resource, including the intervals
    // BEFORE the event (historical): the history our baseline is computed from (the previous 10 working
    // days' same half-hours; BASELINE_LOOKBACK_DAYS at most).
    reportDescriptors: [{ payloadType: 'USAGE', readingType: 'DIRECT_READ', units: 'KWH', aggregate: false, startInterval: -1, numIntervals: -1, historical: true, frequency: -1, repeat: 1 }],
  };
}

/** An OpenADR 3 report body to our report: every resource's intervals, USAGE required (BASELINE kept if sent). */
export function fromOadrReport(body: unknown): { eventId: string; report: ReportRequest } {
  const b = body as { id?: string; eventID?: string; clientName?: string; reportName?: string; resources?: Array<{ resourceName?: string; intervalPeriod?: OadrIntervalPeriod; intervals?: OadrInterval[] }> };
  const problem = (field: string, message: string) => validationError('VALIDATION_FAILED', `The report is not valid: ${field} ${message}.`, [{ code: 'INVALID_REPORT', field, message }]);
  if (typeof b?.eventID !== 'string') throw problem('eventID', 'names the event reported on');
  if (!Array.isArray(b.resources) || b.resources.length === 0) throw problem('resources', 'holds at least one resource with intervals');
  const intervals: ReportRequest['intervals'][number][] = [];
  // A JSON number like 0.1 prints back as "0.1": its shortest round-trip form is the decimal the VEN wrote.
  const kwh = (v: number | string, where: string): string => {
    const text = String(v);
    if (!/^\d+(\.\d+)?$/.test(text)) throw problem(where, 'is a non-negative number of kWh');
    return text;
  };
  b.resources.forEach((r, ri) => {
    const resource = r.resourceName ?? 'home';
    if (!/^[A-Za-z0-9._~-]{1,128}$/.test(resource)) throw problem(`resources[${ri}].resourceName`, 'is letters, digits, ".", "_", "~" and "-", at most 128');
    (r.intervals ?? []).forEach((i, ii) => {
      const period = i.intervalPeriod ?? r.intervalPeriod;
      if (!period) throw problem(`resources[${ri}].intervals[${ii}].intervalPeriod`, 'is required (or one on the resource)');
      const value = (type: string) => i.payloads?.find((p) => p.type === type)?.values?.[0];
      const usage = value('USAGE');
      if (usage === undefined) throw problem(`resources[${ri}].intervals[${ii}].payloads`, 'carry a USAGE value (kWh)');
      const baseline = value('BASELINE');
      const delta = value('DELTA_USAGE');
      const when = Date.parse(period.start);
      if (Number.isNaN(when)) throw problem(`resources[${ri}].intervals[${ii}].intervalPeriod.start`, 'is an ISO 8601 instant');
      intervals.push({
        resource,
        start: new Date(when).toISOString(),
        durationMinutes: parseIsoDuration(period.duration),
        usageKwh: kwh(usage, `resources[${ri}].intervals[${ii}] USAGE`),
        ...(baseline === undefined ? {} : { baselineKwh: kwh(baseline, `resources[${ri}].intervals[${ii}] BASELINE`) }),
        ...(delta === undefined ? {} : { deltaKwh: String(delta) }),
      });
    });
  });
  // No id or name: the event and client name identify it (a VEN retrying sends the same; other content is 409).
  const reportId = (b.id ?? b.reportName ?? `${b.eventID}-${b.clientName ?? 'ven'}`).replace(/[^A-Za-z0-9._~-]/g, '-').slice(0, 128);
  if (!reportId) throw problem('reportName', 'names the report (its id for retries)');
  return { eventId: b.eventID, report: { reportId, clientName: b.clientName ?? 'ven', deviceId: undefined, intervals } };
}

/** The created report as OpenADR 3 answers it: the body as received, with the VTN's id, type and times. */
export function toOadrReport(body: unknown, reportId: string, at: Date) {
  const now = at.toISOString();
  return { ...(body as object), id: reportId, objectType: 'REPORT', createdDateTime: now, modificationDateTime: now };
}
