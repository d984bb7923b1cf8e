import type { FieldIssue } from '@surge/errors/app.error';
import { createAccountSchema, type CreateAccountRequest } from './registry.schema';
import { accountProblems } from './registry.validator';

/**
 * The bulk import's file: CSV with a header, one line per register, the lines of one account together
 * (a supplier's export sorted by account). Columns, in any order:
 * account_id, category, domestic, vulnerable, vat_rate, supply_point_id, fuel, supply_start, meter_serial,
 * installed_on, register_id, kind, digits, unit, eac_kwh. Account columns repeat on each of its lines and
 * must agree. No quoting: none of the fields can hold a comma or a quote (ids, enums, dates, decimals).
 */
export const ACCOUNT_CSV_COLUMNS = [
  'account_id', 'category', 'domestic', 'vulnerable', 'vat_rate', 'supply_point_id', 'fuel', 'supply_start',
  'meter_serial', 'installed_on', 'register_id', 'kind', 'digits', 'unit', 'eac_kwh',
] as const;
type Column = (typeof ACCOUNT_CSV_COLUMNS)[number];

export type ParsedAccount =
  | { readonly ok: true; readonly account: CreateAccountRequest; readonly lastLine: number }
  | { readonly ok: false; readonly accountId: string; readonly firstLine: number; readonly lastLine: number; readonly issues: readonly FieldIssue[] };

export class CsvHeaderError extends Error {}

/** Maps a header line to column positions; throws with what is missing or unknown. */
export function parseHeader(line: string): Record<Column, number> {
  const names = line.trim().split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(ACCOUNT_CSV_COLUMNS as readonly string[]).includes(n));
  const missing = ACCOUNT_CSV_COLUMNS.filter((c) => !names.includes(c));
  if (unknown.length || missing.length) {
    throw new CsvHeaderError(`bad header: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && unknown.length ? '; ' : ''}${unknown.length ? `unknown ${unknown.join(', ')}` : ''}`);
  }
  return Object.fromEntries(ACCOUNT_CSV_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<Column, number>;
}

const bool = (s: string): boolean | string => (s === 'true' || s === '1' ? true : s === 'false' || s === '0' || s === '' ? false : s);

/**
 * Groups lines into accounts, streaming: one account in memory at a time. Each account is checked by
 * the same schema and rules as the API (so an import cannot store what the API would refuse); a bad
 * account is reported with its line numbers and the import goes on.
 */
export class AccountCsvGrouper {
  private current: { id: string; firstLine: number; lastLine: number; rows: string[][] } | null = null;

  constructor(private readonly columns: Record<Column, number>) {}

  /** Feeds one data line (1-based line number in the file); returns the previous account once this line starts another. */
  push(line: string, lineNo: number): ParsedAccount | null {
    if (line.trim() === '') return null;
    const cells = line.split(',').map((s) => s.trim());
    const id = cells[this.columns.account_id] ?? '';
    if (this.current && this.current.id === id) {
      this.current.rows.push(cells);
      this.current.lastLine = lineNo;
      return null;
    }
    const done = this.flush();
    this.current = { id, firstLine: lineNo, lastLine: lineNo, rows: [cells] };
    return done;
  }

  /** The last account, at the end of the file. */
  flush(): ParsedAccount | null {
    const c = this.current;
    this.current = null;
    return c ? this.build(c) : null;
  }

  private build(c: { id: string; firstLine: number; lastLine: number; rows: string[][] }): ParsedAccount {
    const get = (row: string[], col: Column) => row[this.columns[col]] ?? '';
    const first = c.rows[0]!;
    const issues: FieldIssue[] = [];
    for (const col of ['category', 'domestic', 'vulnerable', 'vat_rate'] as const) {
      if (c.rows.some((r) => get(r, col) !== get(first, col))) issues.push({ code: 'INCONSISTENT', field: col, message: `${col} differs between the account's lines.` });
    }
    const sps = new Map<string, { supplyPointId: string; fuel: string; supplyStart: string; meters: Map<string, { meterSerial: string; installedOn: string; registers: unknown[] }> }>();
    for (const r of c.rows) {
      const spId = get(r, 'supply_point_id');
      let sp = sps.get(spId);
      if (!sp) sps.set(spId, (sp = { supplyPointId: spId, fuel: get(r, 'fuel'), supplyStart: get(r, 'supply_start'), meters: new Map() }));
      const serial = get(r, 'meter_serial');
      let m = sp.meters.get(serial);
      if (!m) sp.meters.set(serial, (m = { meterSerial: serial, installedOn: get(r, 'installed_on'), registers: [] }));
      const eac = get(r, 'eac_kwh');
      m.registers.push({ registerId: get(r, 'register_id'), kind: get(r, 'kind'), digits: Number(get(r, 'digits')), unit: get(r, 'unit'), eacKwh: eac === '' ? null : eac });
    }
    const candidate = {
      accountId: c.id,
      category: get(first, 'category'),
      domestic: bool(get(first, 'domestic')),
      vulnerable: bool(get(first, 'vulnerable')),
      vatRate: get(first, 'vat_rate'),
      supplyPoints: [...sps.values()].map((sp) => ({ ...sp, meters: [...sp.meters.values()] })),
    };
    const parsed = createAccountSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const field = i.path.join('.') || '(account)';
        issues.push({ code: 'INVALID_FIELD', field, message: `${field}: ${i.message}` });
      }
    } else {
      issues.push(...accountProblems(parsed.data));
    }
    if (issues.length || !parsed.success) return { ok: false, accountId: c.id, firstLine: c.firstLine, lastLine: c.lastLine, issues };
    return { ok: true, account: parsed.data, lastLine: c.lastLine };
  }
}
