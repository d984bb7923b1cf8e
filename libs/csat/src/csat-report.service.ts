import { hasScope, type Principal } from '@surge/auth/principal.model';
import { forbidden, validationError, type FieldIssue } from '@surge/errors/app.error';
import { combine, csatPercent, type CsatSummary } from './csat.calculator';
import type { CsatAnalytics, Dimension, Granularity, ReportQuery } from './csat-analytics.repository';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** Bounds on one report, so a dashboard cannot ask for an unbounded result. */
export const MAX_HOURLY_WINDOW_DAYS = 31;
export const MAX_DAILY_WINDOW_DAYS = 732;
const DIMENSIONS: readonly Dimension[] = ['channel', 'category', 'outcome'];

export interface CsatReport {
  from: string;
  to: string;
  granularity: Granularity;
  by: Dimension[];
  /** Buckets are UTC; only buckets with answers are listed. */
  buckets: Array<{
    start: string;
    channel?: string;
    category?: string;
    outcome?: string;
    reasonCode?: string | null;
    responses: number;
    satisfied: number;
    csat: number | null;
  }>;
  total: CsatSummary;
  definition: string;
}

/**
 * Parses `from`, `to`, `granularity` and `by` from a query string. Windows
 * are half-open [from, to), UTC, aligned to the granularity (the rollup is
 * hourly: an unaligned edge would silently include or drop part of an hour,
 * so it is refused instead).
 */
export function parseReportQuery(query: Record<string, unknown>): ReportQuery {
  const issues: FieldIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ code: 'INVALID_FIELD', field, message: `${field}: ${message}` });
  const unknown = Object.keys(query).filter((k) => !['from', 'to', 'granularity', 'by'].includes(k));
  for (const k of unknown) issues.push({ code: 'UNKNOWN_FIELD', field: k, message: `${k}: not a parameter of this report` });

  const granularityRaw = query.granularity ?? 'day';
  const granularity: Granularity | undefined = granularityRaw === 'hour' || granularityRaw === 'day' ? granularityRaw : undefined;
  if (!granularity) bad('granularity', 'must be hour or day');
  const step = granularity === 'hour' ? HOUR_MS : DAY_MS;

  const instant = (field: 'from' | 'to'): number | undefined => {
    const raw = query[field];
    if (typeof raw !== 'string' || raw === '') return void bad(field, 'required, an ISO 8601 instant such as 2022-03-31T00:00:00Z');
    if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(raw)) return void bad(field, 'must be an ISO 8601 date or instant with a zone');
    const ms = Date.parse(raw);
    if (Number.isNaN(ms)) return void bad(field, 'is not a valid date');
    if (granularity && ms % step !== 0) return void bad(field, `must be on a whole ${granularity === 'hour' ? 'hour' : 'day (00:00 UTC)'} for granularity=${granularity}`);
    return ms;
  };
  const fromMs = instant('from');
  const toMs = instant('to');
  if (fromMs !== undefined && toMs !== undefined && granularity) {
    const maxDays = granularity === 'hour' ? MAX_HOURLY_WINDOW_DAYS : MAX_DAILY_WINDOW_DAYS;
    if (toMs <= fromMs) bad('to', 'must be after from');
    else if (toMs - fromMs > maxDays * DAY_MS) bad('to', `the window may span at most ${maxDays} days at granularity=${granularity}`);
  }

  const byRaw = query.by ?? '';
  const by: Dimension[] = [];
  if (typeof byRaw !== 'string') bad('by', 'a comma-separated list of channel, category, outcome');
  else {
    for (const part of byRaw.split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!(DIMENSIONS as readonly string[]).includes(part)) bad('by', `unknown breakdown "${part.slice(0, 20)}"; use channel, category, outcome`);
      else if (!by.includes(part as Dimension)) by.push(part as Dimension);
    }
  }
  if (issues.length > 0 || fromMs === undefined || toMs === undefined || !granularity) {
    throw validationError('VALIDATION_FAILED', issues.map((i) => i.message).join(' '), issues);
  }
  return { fromMs, toMs, granularity, by: DIMENSIONS.filter((d) => by.includes(d)) };
}

/** The programme team's CSAT figures; needs an API key with `csat:read`. */
export class CsatReportService {
  constructor(private readonly analytics: CsatAnalytics) {}

  async report(principal: Principal, rawQuery: Record<string, unknown>): Promise<CsatReport> {
    if (!hasScope(principal, 'csat:read')) throw forbidden('INSUFFICIENT_SCOPE', 'CSAT reports need an API key with scope csat:read.');
    const query = parseReportQuery(rawQuery);
    const rows = await this.analytics.report(query);
    return {
      from: new Date(query.fromMs).toISOString(),
      to: new Date(query.toMs).toISOString(),
      granularity: query.granularity,
      by: [...query.by],
      buckets: rows.map((r) => ({
        start: new Date(r.startMs).toISOString(),
        ...(r.channel !== undefined ? { channel: r.channel } : {}),
        ...(r.category !== undefined ? { category: r.category } : {}),
        ...(r.outcome !== undefined ? { outcome: r.outcome, reasonCode: r.reasonCode || null } : {}),
        responses: r.responses,
        satisfied: r.satisfied,
        csat: csatPercent(r.satisfied, r.responses),
      })),
      total: combine(rows),
      definition: 'csat = answers scoring 4 or 5 / all answers x 100, by the UTC time of the answer',
    };
  }

  /** Share of satisfied answers (0..1) over the last 24 whole hours and the current one; null without answers. */
  async trailingDayRatio(nowMs: number): Promise<number | null> {
    const toMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS;
    const rows = await this.analytics.report({ fromMs: toMs - 25 * HOUR_MS, toMs, granularity: 'hour', by: [] });
    const total = combine(rows);
    return total.responses === 0 ? null : total.satisfied / total.responses;
  }
}
