import type { ClickHouseClient } from '@clickhouse/client';
import { sqlInt, sqlString } from '@surge/clickhouse/clickhouse.sql';
import type { CustomerCategory, SurveyChannel, SurveyOutcome } from './invitation.policy';

/** One answer as the programme team's aggregates need it: no account, no comment. */
export interface AnswerFact {
  readonly invitationId: string;
  readonly answeredAtMs: number;
  readonly interactionAtMs: number;
  readonly channel: SurveyChannel;
  readonly category: CustomerCategory;
  readonly outcome: SurveyOutcome;
  readonly reasonCode: string;
  readonly score: number;
}

export type Granularity = 'hour' | 'day';
export type Dimension = 'channel' | 'category' | 'outcome';

export interface ReportQuery {
  /** Inclusive, aligned to the granularity (UTC). */
  readonly fromMs: number;
  /** Exclusive, aligned to the granularity (UTC). */
  readonly toMs: number;
  readonly granularity: Granularity;
  readonly by: readonly Dimension[];
}

export interface BucketCounts {
  readonly startMs: number;
  readonly channel?: SurveyChannel;
  readonly category?: CustomerCategory;
  readonly outcome?: SurveyOutcome;
  /** With `outcome`: the reason code of a rejected or held reading ('' when accepted). */
  readonly reasonCode?: string;
  readonly responses: number;
  readonly satisfied: number;
}

/**
 * The analytical store. `record` is idempotent: recording an answer again
 * changes no result. Reads are exact before any background merge.
 */
export interface CsatAnalytics {
  record(facts: readonly AnswerFact[]): Promise<void>;
  report(query: ReportQuery): Promise<BucketCounts[]>;
}

const HOUR_MS = 3600_000;
const seconds = (ms: number): number => Math.floor(ms / 1000);
const dateTime = (ms: number): string => `toDateTime(${sqlInt(seconds(ms))})`;

/**
 * ClickHouse: raw answers (csat_answers) plus an hourly rollup
 * (csat_answers_hourly) that the dashboards read. See the migrations for the
 * idempotence argument.
 */
export class ClickHouseCsatAnalytics implements CsatAnalytics {
  constructor(private readonly ch: ClickHouseClient) {}

  async record(facts: readonly AnswerFact[]): Promise<void> {
    if (facts.length === 0) return;
    await this.ch.insert({
      table: 'csat_answers',
      format: 'JSONEachRow',
      values: facts.map((f) => ({
        invitation_id: f.invitationId,
        answered_at: seconds(f.answeredAtMs),
        interaction_at: seconds(f.interactionAtMs),
        channel: f.channel,
        category: f.category,
        outcome: f.outcome,
        reason_code: f.reasonCode,
        score: f.score,
      })),
    });
    const hours = [...new Set(facts.map((f) => Math.floor(f.answeredAtMs / HOUR_MS) * HOUR_MS))];
    await this.recomputeHours(hours);
  }

  /**
   * Recounts the given hours from the raw answers (exactly: uniqExact over
   * invitation ids, so duplicate raw rows count once) and appends the result
   * to the rollup. Also the repair tool: recomputing any hour is always safe.
   */
  async recomputeHours(hourStartsMs: readonly number[]): Promise<void> {
    if (hourStartsMs.length === 0) return;
    const ranges = hourStartsMs
      .map((h) => `(answered_at >= ${dateTime(h)} AND answered_at < ${dateTime(h + HOUR_MS)})`)
      .join(' OR ');
    await this.ch.command({
      query: `INSERT INTO csat_answers_hourly (hour, channel, category, outcome, reason_code, responses, satisfied)
        SELECT toStartOfHour(answered_at) AS hour, channel, category, outcome, reason_code,
               uniqExact(invitation_id) AS responses, uniqExactIf(invitation_id, score >= 4) AS satisfied
        FROM csat_answers
        WHERE ${ranges}
        GROUP BY hour, channel, category, outcome, reason_code`,
    });
  }

  async report(query: ReportQuery): Promise<BucketCounts[]> {
    const bucket = query.granularity === 'hour' ? 'hour' : 'toStartOfDay(hour)';
    const dims: string[] = [];
    if (query.by.includes('channel')) dims.push('channel');
    if (query.by.includes('category')) dims.push('category');
    if (query.by.includes('outcome')) dims.push('outcome', 'reason_code');
    const keys = ['bucket', ...dims].join(', ');
    // Inner: the latest (largest) count per rollup key, exact before merges.
    // Outer: disjoint keys add up into the requested buckets and breakdown.
    const rs = await this.ch.query({
      query: `SELECT toUInt32(${bucket}) AS bucket${dims.map((d) => `, ${d}`).join('')},
          sum(r) AS responses, sum(s) AS satisfied
        FROM (
          SELECT hour, channel, category, outcome, reason_code, max(responses) AS r, max(satisfied) AS s
          FROM csat_answers_hourly
          WHERE hour >= ${dateTime(query.fromMs)} AND hour < ${dateTime(query.toMs)}
          GROUP BY hour, channel, category, outcome, reason_code
        )
        GROUP BY ${keys}
        ORDER BY ${keys}`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{
      bucket: number | string;
      channel?: SurveyChannel;
      category?: CustomerCategory;
      outcome?: SurveyOutcome;
      reason_code?: string;
      responses: string | number;
      satisfied: string | number;
    }>();
    return rows.map((r) => ({
      startMs: Number(r.bucket) * 1000,
      ...(r.channel !== undefined ? { channel: r.channel } : {}),
      ...(r.category !== undefined ? { category: r.category } : {}),
      ...(r.outcome !== undefined ? { outcome: r.outcome, reasonCode: r.reason_code ?? '' } : {}),
      responses: Number(r.responses),
      satisfied: Number(r.satisfied),
    }));
  }

  /** Raw answer rows for one invitation (tests and support: proves delivery). */
  async rawCount(invitationIds: readonly string[]): Promise<number> {
    if (invitationIds.length === 0) return 0;
    const rs = await this.ch.query({
      query: `SELECT uniqExact(invitation_id) AS n FROM csat_answers WHERE invitation_id IN (${invitationIds.map(sqlString).join(',')})`,
      format: 'JSONEachRow',
    });
    return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
  }
}
