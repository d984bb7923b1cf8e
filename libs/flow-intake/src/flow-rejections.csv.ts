import type { FlowRejection } from './flow.model';

export const REJECTIONS_CSV_HEADER = 'line,mpan,meter_id,register_id,reason_code,message,readings\r\n';

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text from the sender's file
 * (an MPAN or meter id as written) that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is
 * prefixed with an apostrophe, so opening the report never executes anything.
 */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const rejectionCsvRow = (r: FlowRejection): string =>
  `${[r.line, r.mpan, r.meterId, r.registerId, r.reasonCode, r.message, r.readings].map(csvField).join(',')}\r\n`;
