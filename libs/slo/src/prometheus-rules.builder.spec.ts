import { alertName, buildAlertRules, buildRecordingRules, rawWindows, thresholdAlertName } from './prometheus-rules.builder';
import { SLO_CATALOG } from './slo.catalog';
import type { SloCatalog } from './slo.model';

const recorded = (catalog: SloCatalog) =>
  buildRecordingRules(catalog).groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
const alerts = (catalog: SloCatalog) => buildAlertRules(catalog).groups.flatMap((g) => g.rules);

function withObjective(id: string, objective: number): SloCatalog {
  return { ...SLO_CATALOG, slos: SLO_CATALOG.slos.map((s) => (s.id === id ? { ...s, objective } : s)) };
}

describe('buildRecordingRules', () => {
  it('records one group per SLO, every series labelled with its slo and service', () => {
    const file = buildRecordingRules(SLO_CATALOG);
    expect(file.groups.map((g) => g.name)).toEqual(SLO_CATALOG.slos.map((s) => `slo-${s.id}`));
    for (const [i, group] of file.groups.entries()) {
      const slo = SLO_CATALOG.slos[i]!;
      for (const rule of group.rules) expect(rule.labels).toEqual({ slo: slo.id, service: slo.service });
    }
  });

  it('records each series name once per SLO (no duplicate recording of a window)', () => {
    for (const group of buildRecordingRules(SLO_CATALOG).groups) {
      const names = group.rules.map((r) => r.record);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('records the error ratio over every window an alert of the SLO reads, and the period', () => {
    const rules = recorded(SLO_CATALOG);
    for (const rule of alerts(SLO_CATALOG)) {
      const slo = rule.labels.slo!;
      for (const [, record] of rule.expr.matchAll(/(slo:[a-z_:0-9]+)\{slo="[^"]+"\}/g)) {
        expect(rules.some((r) => r.record === record && r.labels.slo === slo)).toBe(true);
      }
    }
    for (const slo of SLO_CATALOG.slos) {
      expect(rules.some((r) => r.record === `slo:sli_error:ratio_rate${slo.period}` && r.labels.slo === slo.id)).toBe(true);
    }
  });

  it('computes the period ratio from the 5m rates, not a raw 28-day range', () => {
    const period = recorded(SLO_CATALOG).find(
      (r) => r.labels.slo === 'submit-availability' && r.record === 'slo:sli_error:ratio_rate28d',
    )!;
    expect(period.expr).toBe(
      'sum_over_time(slo:sli_error_events:rate5m{slo="submit-availability"}[28d]) / sum_over_time(slo:sli_events:rate5m{slo="submit-availability"}[28d])',
    );
  });

  it('derives budget and objective series from the catalog objective', () => {
    const rules = recorded(withObjective('submit-availability', 0.995)).filter((r) => r.labels.slo === 'submit-availability');
    expect(rules.find((r) => r.record === 'slo:objective:ratio')!.expr).toBe('vector(0.995)');
    expect(rules.find((r) => r.record === 'slo:error_budget:remaining_ratio')!.expr).toBe(
      '1 - slo:sli_error:ratio_rate28d{slo="submit-availability"} / 0.005',
    );
  });

  it('reads only the raw windows it needs: 5m and the alert windows', () => {
    const byId = (id: string) => SLO_CATALOG.slos.find((s) => s.id === id)!;
    expect(rawWindows(byId('submit-availability'), SLO_CATALOG)).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
    expect(rawWindows(byId('bill-run-completion'), SLO_CATALOG)).toEqual(['5m', '2h', '6h', '1d', '3d']);
    // The CSAT window is its period, recorded from the 5m rates.
    expect(rawWindows(byId('csat-floor'), SLO_CATALOG)).toEqual(['5m']);
  });
});

describe('buildAlertRules', () => {
  it('pages at 14.4x (1h and 5m) or 6x (6h and 30m) the budget of the submit availability SLO', () => {
    const page = alerts(SLO_CATALOG).find((a) => a.alert === 'SubmitAvailabilityFastBurn')!;
    expect(page.labels).toEqual({ severity: 'page', slo: 'submit-availability', service: 'read-api', category: 'engineering' });
    expect(page.for).toBe('2m');
    expect(page.expr).toBe(
      '(slo:sli_error:ratio_rate1h{slo="submit-availability"} > (14.4 * 0.001) and slo:sli_error:ratio_rate5m{slo="submit-availability"} > (14.4 * 0.001))' +
        ' or (slo:sli_error:ratio_rate6h{slo="submit-availability"} > (6 * 0.001) and slo:sli_error:ratio_rate30m{slo="submit-availability"} > (6 * 0.001))',
    );
  });

  it('tickets at 3x (1d and 2h) or 1x (3d and 6h)', () => {
    const ticket = alerts(SLO_CATALOG).find((a) => a.alert === 'SubmitAvailabilitySlowBurn')!;
    expect(ticket.labels.severity).toBe('ticket');
    expect(ticket.expr).toContain('slo:sli_error:ratio_rate1d{slo="submit-availability"} > (3 * 0.001)');
    expect(ticket.expr).toContain('slo:sli_error:ratio_rate3d{slo="submit-availability"} > (1 * 0.001)');
    expect(ticket.expr).toContain('slo:sli_error:ratio_rate6h{slo="submit-availability"} > (1 * 0.001)');
  });

  it('raises exactly the severities each SLO asks for', () => {
    const names = alerts(SLO_CATALOG).map((a) => `${a.alert}:${a.labels.severity}`);
    expect(names).toEqual([
      'SubmitAvailabilityFastBurn:page',
      'SubmitAvailabilitySlowBurn:ticket',
      'SubmitLatencyFastBurn:page',
      'SubmitLatencySlowBurn:ticket',
      'SubmitLatencyP95SlowBurn:ticket',
      'ReadingFreshnessFastBurn:page',
      'ReadingFreshnessSlowBurn:ticket',
      'BillRunCompletionSlowBurn:ticket',
      'CsatFloorBelowObjective:ticket',
      'PageLcpSlowBurn:ticket',
      'PageTtfbSlowBurn:ticket',
      'PageSubmitToAnswerSlowBurn:ticket',
    ]);
  });

  it('alerts on the CSAT floor only with enough answers', () => {
    const csat = SLO_CATALOG.slos.find((s) => s.id === 'csat-floor')!;
    const rule = alerts(SLO_CATALOG).find((a) => a.alert === thresholdAlertName(csat))!;
    expect(rule.expr).toBe(
      '(slo:sli_error:ratio_rate1d{slo="csat-floor"} > 0.2) and on() (sum(increase(surge_csat_answers_total[1d])) >= 50)',
    );
    expect(rule.labels).toMatchObject({ severity: 'ticket', category: 'business' });
    expect(rule.for).toBe('30m');
  });

  it('follows a changed objective', () => {
    const rule = alerts(withObjective('submit-availability', 0.9995)).find((a) => a.alert === 'SubmitAvailabilityFastBurn')!;
    expect(rule.expr).toContain('> (14.4 * 0.0005)');
    expect(rule.annotations.description).toContain('99.95% over 28d');
  });

  it('gives every alert a runbook link and names it from the SLO and the policy', () => {
    const slo = SLO_CATALOG.slos[0]!;
    expect(alertName(slo, SLO_CATALOG.burnRatePolicy[0]!)).toBe('SubmitAvailabilityFastBurn');
    for (const rule of alerts(SLO_CATALOG)) {
      expect(rule.annotations.runbook_url).toBe(`docs/slo.md#${rule.labels.slo}`);
      expect(rule.annotations.summary).toBeTruthy();
      // Static text: promtool unit tests compare annotations exactly.
      expect(JSON.stringify(rule.annotations)).not.toContain('{{');
    }
  });

  it('refuses an invalid catalog', () => {
    expect(() => buildAlertRules(withObjective('submit-availability', 1))).toThrow(/invalid SLO catalog/);
  });
});
