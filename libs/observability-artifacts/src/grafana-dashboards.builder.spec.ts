import { SLO_CATALOG } from '@surge/slo/slo.catalog';
import type { SloCatalog } from '@surge/slo/slo.model';
import { buildDashboards, buildGrafanaProvisioning, burnRateWindows } from './grafana-dashboards.builder';
import { PROMETHEUS_DATASOURCE, type Panel } from './grafana-panel.factory';

const dashboards = buildDashboards(SLO_CATALOG);
const all = Object.entries(dashboards);

function exprs(panels: Panel[]): string[] {
  return panels.flatMap((p) => [...(p.targets ?? []).map((t) => t.expr), ...exprs(p.panels ?? [])]);
}

describe('buildDashboards', () => {
  it('builds the four dashboards with unique uids', () => {
    expect(Object.keys(dashboards)).toEqual(['slo-overview.json', 'ingestion.json', 'billing.json', 'csat.json']);
    const uids = all.map(([, d]) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const [, d] of all) expect(d.uid.length).toBeLessThanOrEqual(40);
  });

  it.each(all)('%s: panels have unique ids, fit 24 columns and do not overlap', (_name, d) => {
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const taken = new Set<string>();
    for (const p of d.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const cell = `${i},${j}`;
          expect(taken.has(cell)).toBe(false);
          taken.add(cell);
        }
      }
    }
  });

  it.each(all)('%s: every query panel uses the provisioned Prometheus data source', (_name, d) => {
    for (const p of d.panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource).toEqual(PROMETHEUS_DATASOURCE);
      expect(p.targets!.length).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.datasource).toEqual(PROMETHEUS_DATASOURCE);
    }
  });

  it('shows budget remaining and burn rates for every SLO on the overview', () => {
    const overview = dashboards['slo-overview.json']!;
    const queries = exprs(overview.panels);
    for (const slo of SLO_CATALOG.slos) {
      expect(queries).toContain(`slo:error_budget:remaining_ratio{slo="${slo.id}"}`);
      for (const w of burnRateWindows(slo, SLO_CATALOG)) {
        expect(queries.some((q) => q.startsWith(`slo:sli_error:ratio_rate${w}{slo="${slo.id}"} / `))).toBe(true);
      }
      expect(overview.panels.some((p) => p.type === 'row' && p.title.startsWith(slo.title))).toBe(true);
    }
  });

  it('plots the burn rate over the alerting long windows', () => {
    const byId = (id: string) => SLO_CATALOG.slos.find((s) => s.id === id)!;
    expect(burnRateWindows(byId('submit-availability'), SLO_CATALOG)).toEqual(['1h', '6h', '1d', '3d']);
    expect(burnRateWindows(byId('bill-run-completion'), SLO_CATALOG)).toEqual(['1d', '3d']);
    expect(burnRateWindows(byId('csat-floor'), SLO_CATALOG)).toEqual(['1d']);
  });

  it('covers the operational views', () => {
    const q = (name: string) => exprs(dashboards[name]!.panels).join('\n');
    const ingestion = q('ingestion.json');
    expect(ingestion).toContain('histogram_quantile(0.99, sum by (le) (rate(surge_http_request_duration_seconds_bucket{service="read-api",route="/v1/meter-readings",method="POST"}');
    expect(ingestion).toContain('histogram_quantile(0.5,');
    expect(ingestion).toContain('histogram_quantile(0.95,');
    expect(ingestion).toContain('surge_kafka_consumer_lag');
    expect(ingestion).toContain('surge_reading_freshness_seconds_bucket');
    expect(ingestion).toContain('sum by (reason) (rate(surge_readings_total{outcome="rejected"}');
    const billing = q('billing.json');
    expect(billing).toContain('max by (state) (surge_bill_run_accounts)');
    expect(billing).toContain('surge_bill_run_accounts_total');
    expect(billing).toContain('max by (queue, state) (surge_queue_jobs)');
    const csat = q('csat.json');
    expect(csat).toContain('surge_csat_score_ratio');
    for (const by of ['channel', 'category', 'outcome']) expect(csat).toContain(`sum by (${by}) (increase(surge_csat_answers_total`);
  });

  it('follows the catalog objective in thresholds and budgets', () => {
    const catalog: SloCatalog = {
      ...SLO_CATALOG,
      slos: SLO_CATALOG.slos.map((s) => (s.id === 'csat-floor' ? { ...s, objective: 0.85 } : s)),
    };
    const before = JSON.stringify(dashboards['csat.json']);
    const after = JSON.stringify(buildDashboards(catalog)['csat.json']);
    expect(before).toContain('"value":0.8}');
    expect(after).toContain('"value":0.85}');
    expect(JSON.stringify(buildDashboards(catalog)['slo-overview.json'])).toContain('slo:sli_error:ratio_rate1d{slo=\\"csat-floor\\"} / 0.15');
  });
});

describe('buildGrafanaProvisioning', () => {
  it('provisions the Prometheus data source with the uid the dashboards use, and the dashboards folder', () => {
    const files = buildGrafanaProvisioning() as Record<string, { datasources?: { uid: string }[]; providers?: { options: { path: string } }[] }>;
    expect(files['datasources/prometheus.yml']!.datasources![0]!.uid).toBe(PROMETHEUS_DATASOURCE.uid);
    expect(files['dashboards/surge.yml']!.providers![0]!.options.path).toBe('/var/lib/grafana/dashboards');
  });
});
