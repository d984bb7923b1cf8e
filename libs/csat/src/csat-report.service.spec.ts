import type { Principal } from '@surge/auth/principal.model';
import { AppError } from '@surge/errors/app.error';
import type { BucketCounts, CsatAnalytics, ReportQuery } from './csat-analytics.repository';
import { CsatReportService, parseReportQuery } from './csat-report.service';

const programme: Principal = { kind: 'service', id: 'staff', scopes: ['csat:read'] };
const collector: Principal = { kind: 'service', id: 'collector', scopes: ['readings:submit'] };
const customer: Principal = { kind: 'customer', id: 'c', accountId: 'A-1', supplyPointIds: [], meterSerials: [] };

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return `${(e as AppError).code}:${((e as AppError).details.issues ?? []).map((i) => i.field).join(',')}`;
  }
};

describe('parseReportQuery', () => {
  it('parses a window, granularity and breakdowns (deduplicated, in canonical order)', () => {
    expect(parseReportQuery({ from: '2022-03-31T00:00:00Z', to: '2022-04-01T00:00:00Z', granularity: 'hour', by: 'outcome,channel,outcome' })).toEqual({
      fromMs: Date.parse('2022-03-31T00:00:00Z'),
      toMs: Date.parse('2022-04-01T00:00:00Z'),
      granularity: 'hour',
      by: ['channel', 'outcome'],
    });
    expect(parseReportQuery({ from: '2022-03-01', to: '2022-04-01' })).toMatchObject({ granularity: 'day', by: [] });
  });

  it('refuses unaligned, reversed, oversized or unknown input, naming each field', () => {
    expect(codeOf(() => parseReportQuery({ from: '2022-03-31T00:30:00Z', to: '2022-04-01T00:00:00Z', granularity: 'hour' }))).toBe('VALIDATION_FAILED:from');
    expect(codeOf(() => parseReportQuery({ from: '2022-03-31T01:00:00Z', to: '2022-04-01T00:00:00Z', granularity: 'day' }))).toBe('VALIDATION_FAILED:from');
    expect(codeOf(() => parseReportQuery({ from: '2022-04-01', to: '2022-03-01' }))).toBe('VALIDATION_FAILED:to');
    expect(codeOf(() => parseReportQuery({ from: '2022-01-01T00:00:00Z', to: '2022-03-01T00:00:00Z', granularity: 'hour' }))).toBe('VALIDATION_FAILED:to');
    expect(codeOf(() => parseReportQuery({ from: 'yesterday', to: '2022-03-01', granularity: 'week', by: 'region', x: '1' }))).toBe('VALIDATION_FAILED:x,granularity,from,by');
    expect(codeOf(() => parseReportQuery({}))).toBe('VALIDATION_FAILED:from,to');
  });
});

describe('CsatReportService', () => {
  const rows: BucketCounts[] = [
    { startMs: Date.parse('2022-03-31T00:00:00Z'), channel: 'web', responses: 4, satisfied: 3 },
    { startMs: Date.parse('2022-03-31T00:00:00Z'), channel: 'app', responses: 1, satisfied: 1 },
  ];
  let seen: ReportQuery | undefined;
  const analytics: CsatAnalytics = {
    record: async () => undefined,
    report: async (q) => {
      seen = q;
      return rows;
    },
  };
  const service = new CsatReportService(analytics);

  it('answers the programme team with CSAT per bucket and in total', async () => {
    const report = await service.report(programme, { from: '2022-03-31', to: '2022-04-01', by: 'channel' });
    expect(seen).toMatchObject({ granularity: 'day', by: ['channel'] });
    expect(report.buckets).toEqual([
      { start: '2022-03-31T00:00:00.000Z', channel: 'web', responses: 4, satisfied: 3, csat: 75 },
      { start: '2022-03-31T00:00:00.000Z', channel: 'app', responses: 1, satisfied: 1, csat: 100 },
    ]);
    expect(report.total).toEqual({ responses: 5, satisfied: 4, csat: 80 });
  });

  it('needs csat:read: customers and other services get 403', async () => {
    for (const p of [customer, collector]) {
      await expect(service.report(p, { from: '2022-03-31', to: '2022-04-01' })).rejects.toMatchObject({ kind: 'forbidden', code: 'INSUFFICIENT_SCOPE' });
    }
  });
});
