import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { METRIC_DEFINITIONS, type MetricDefinition } from '@surge/observability/metrics.catalog';
import { SLO_CATALOG } from '@surge/slo/slo.catalog';
import type { SloCatalog, SloDefinition } from '@surge/slo/slo.model';
import {
  ALERT_RULES_PATH,
  findStale,
  LOAD_TEST_THRESHOLDS_PATH,
  main,
  RECORDING_RULES_PATH,
  renderArtifacts,
  writeArtifacts,
} from './generate-slo-artifacts';

const ROOT = path.resolve(__dirname, '..');

function patch(catalog: SloCatalog, id: string, change: (s: SloDefinition) => SloDefinition): SloCatalog {
  return { ...catalog, slos: catalog.slos.map((s) => (s.id === id ? change(s) : s)) };
}

function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'slo-artifacts-'));
}

describe('generate-slo-artifacts', () => {
  it('committed artefacts are current (else: npm run slo:generate)', () => {
    expect(findStale(ROOT, renderArtifacts())).toEqual([]);
  });

  it('every alert\'s runbook link points at a section of docs/slo.md', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/slo.md'), 'utf8');
    const anchors = new Set([...doc.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
    const alerts = parse(renderArtifacts().get(ALERT_RULES_PATH)!) as { groups: { rules: { annotations: { runbook_url: string } }[] }[] };
    for (const rule of alerts.groups.flatMap((g) => g.rules)) {
      const [file, anchor] = rule.annotations.runbook_url.split('#');
      expect(file).toBe('docs/slo.md');
      expect(anchors).toContain(anchor);
    }
  });

  it('renders deterministic, parseable files', () => {
    const a = renderArtifacts();
    const b = renderArtifacts();
    expect([...a.entries()]).toEqual([...b.entries()]);
    for (const [file, content] of a) {
      if (file.endsWith('.json')) expect(() => JSON.parse(content)).not.toThrow();
      else expect(parse(content)).toBeTruthy();
      expect(content.endsWith('\n')).toBe(true);
    }
    expect([...a.keys()]).toEqual([
      RECORDING_RULES_PATH,
      ALERT_RULES_PATH,
      'grafana/dashboards/slo-overview.json',
      'grafana/dashboards/ingestion.json',
      'grafana/dashboards/billing.json',
      'grafana/dashboards/csat.json',
      'grafana/provisioning/datasources/prometheus.yml',
      'grafana/provisioning/dashboards/surge.yml',
      LOAD_TEST_THRESHOLDS_PATH,
    ]);
  });

  it('an objective changed in the catalog changes the rules, the dashboards and the load-test thresholds', () => {
    const before = renderArtifacts(SLO_CATALOG);
    const after = renderArtifacts(patch(SLO_CATALOG, 'submit-availability', (s) => ({ ...s, objective: 0.995 })));

    const recording = after.get(RECORDING_RULES_PATH)!;
    expect(recording).toContain('expr: vector(0.995)');
    expect(recording).toContain('1 - slo:sli_error:ratio_rate28d{slo="submit-availability"} / 0.005');
    expect(before.get(RECORDING_RULES_PATH)).toContain('expr: vector(0.999)');

    const alerts = after.get(ALERT_RULES_PATH)!;
    expect(alerts).toContain('slo:sli_error:ratio_rate1h{slo="submit-availability"} > (14.4 * 0.005)');
    expect(alerts).not.toContain('(14.4 * 0.001)');

    const overview = after.get('grafana/dashboards/slo-overview.json')!;
    expect(overview).toContain('slo:sli_error:ratio_rate1h{slo=\\"submit-availability\\"} / 0.005');
    expect(overview).toContain('objective 99.5% over 28d');
    expect(before.get('grafana/dashboards/slo-overview.json')).toContain('objective 99.9% over 28d');

    expect(JSON.parse(after.get(LOAD_TEST_THRESHOLDS_PATH)!).thresholds.find((t: { slo: string }) => t.slo === 'submit-availability')).toMatchObject({ slo: 'submit-availability', kind: 'error-rate', max: 0.005 });

    // Nothing that does not depend on that SLO moved.
    for (const file of ['grafana/dashboards/billing.json', 'grafana/dashboards/csat.json']) {
      expect(after.get(file)).toBe(before.get(file));
    }
  });

  it('a latency threshold changed in the catalog changes the bucket the rules read and the load-test percentile limit', () => {
    const after = renderArtifacts(
      patch(SLO_CATALOG, 'submit-latency', (s) =>
        s.sli.kind === 'latency' ? { ...s, sli: { ...s.sli, thresholdSeconds: 0.5 } } : s,
      ),
    );
    expect(after.get(RECORDING_RULES_PATH)).toContain('method="POST",le="0.5"}[5m]');
    const thresholds = JSON.parse(after.get(LOAD_TEST_THRESHOLDS_PATH)!).thresholds as { slo: string; maxMs?: number }[];
    expect(thresholds.find((t) => t.slo === 'submit-latency')).toMatchObject({ percentile: 99, maxMs: 500 });
    expect(thresholds.find((t) => t.slo === 'submit-latency-p95')).toMatchObject({ percentile: 95, maxMs: 100 });
  });

  it('rules and load-test thresholds agree: the same objective, the same latency bucket, the same bad statuses', () => {
    const files = renderArtifacts();
    const recording = parse(files.get(RECORDING_RULES_PATH)!) as { groups: { rules: { record: string; expr: string; labels?: Record<string, string> }[] }[] };
    const rules = recording.groups.flatMap((g) => g.rules);
    const thresholds = JSON.parse(files.get(LOAD_TEST_THRESHOLDS_PATH)!).thresholds as {
      slo: string; kind: string; max?: number; percentile?: number; maxMs?: number; statusPattern?: string;
    }[];
    expect(thresholds.length).toBeGreaterThan(0);
    for (const t of thresholds) {
      const objective = rules.find((r) => r.record === 'slo:objective:ratio' && r.labels?.slo === t.slo);
      const value = Number(/vector\(([0-9.]+)\)/.exec(objective!.expr)![1]);
      const sli = rules.find((r) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels?.slo === t.slo)!;
      if (t.kind === 'error-rate') {
        expect(t.max).toBeCloseTo(1 - value, 10);
        // The statuses the load tool counts as bad are the ones the SLI's PromQL matcher selects.
        const promql = /code=~"([^"]+)"/.exec(sli.expr)![1]!;
        for (const code of ['200', '202', '207', '400', '404', '409', '422', '429', '500', '502', '503', '504']) {
          expect([code, new RegExp(t.statusPattern!).test(code)]).toEqual([code, new RegExp(`^(?:${promql})$`).test(code)]);
        }
      } else {
        expect(t.percentile! / 100).toBeCloseTo(value, 10);
        // Integral bounds are matched in both the Prometheus 2 and 3 forms (le="1" and le="1.0").
        const le = t.maxMs! / 1000;
        expect(sli.expr).toContain(Number.isInteger(le) ? `le=~"${le}(\\\\.0)?"` : `le="${le}"`);
      }
    }
  });

  it('check mode reports missing, stale and stray files; generate mode fixes them and is idempotent', () => {
    const root = tempRoot();
    try {
      const files = renderArtifacts();
      expect(findStale(root, files).map((s) => s.problem)).toEqual(Array(files.size).fill('missing'));
      expect(writeArtifacts(root, files)).toHaveLength(files.size);
      expect(writeArtifacts(root, files)).toEqual([]);
      expect(findStale(root, files)).toEqual([]);

      fs.appendFileSync(path.join(root, ALERT_RULES_PATH), '# hand edit\n');
      fs.writeFileSync(path.join(root, 'grafana/dashboards/hand-made.json'), '{}');
      expect(findStale(root, files)).toEqual([
        { path: ALERT_RULES_PATH, problem: 'out of date' },
        { path: 'grafana/dashboards/hand-made.json', problem: 'not generated (delete it or add it to the generator)' },
      ]);

      const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
      expect(main(['--check'], root)).toBe(1);
      expect(main([], root)).toBe(0);
      fs.rmSync(path.join(root, 'grafana/dashboards/hand-made.json'));
      expect(main(['--check'], root)).toBe(0);
      error.mockRestore();
      log.mockRestore();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

// The SLO rules and the dashboards are generated from libs/slo, the metrics
// from libs/observability: nothing but this test keeps the names in step.
describe('generated queries against the metrics catalog', () => {
  const definitions = new Map<string, MetricDefinition>(Object.values(METRIC_DEFINITIONS).map((d) => [d.name, d]));
  const SCRAPE_LABELS = ['job', 'instance'];

  function resolve(series: string): { def: MetricDefinition; extra: string[] } | undefined {
    if (definitions.has(series)) return { def: definitions.get(series)!, extra: [] };
    for (const [suffix, extra] of [
      ['_bucket', ['le']],
      ['_count', []],
      ['_sum', []],
    ] as const) {
      const base = series.slice(0, -suffix.length);
      if (series.endsWith(suffix) && definitions.get(base)?.type === 'histogram') {
        return { def: definitions.get(base)!, extra: [...extra] };
      }
    }
    return undefined;
  }

  function queries(): string[] {
    const files = renderArtifacts();
    const out: string[] = [];
    for (const file of [RECORDING_RULES_PATH, ALERT_RULES_PATH]) {
      const doc = parse(files.get(file)!) as { groups: { rules: { expr: string }[] }[] };
      out.push(...doc.groups.flatMap((g) => g.rules.map((r) => r.expr)));
    }
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'expr' && typeof x === 'string') out.push(x);
          else walk(x);
        }
      }
    };
    for (const [file, content] of files) if (file.startsWith('grafana/dashboards/')) walk(JSON.parse(content));
    return out;
  }

  it('every surge_* series queried exists, with the labels it is selected by', () => {
    const problems: string[] = [];
    for (const expr of queries()) {
      for (const m of expr.matchAll(/\b(surge_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
        const found = resolve(m[1]!);
        if (!found) {
          problems.push(`${m[1]} (in ${expr})`);
          continue;
        }
        const allowed = new Set([...found.def.labelNames, ...found.extra, ...SCRAPE_LABELS]);
        for (const [, label] of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
          if (!allowed.has(label!)) problems.push(`${m[1]} has no label ${label} (in ${expr})`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every label a query groups by exists on a metric of that query (or is a recorded SLO label)', () => {
    const problems: string[] = [];
    for (const expr of queries()) {
      const labels = new Set(['le', 'slo', 'service', ...SCRAPE_LABELS]);
      for (const m of expr.matchAll(/\b(surge_[a-z0-9_]+)/g)) resolve(m[1]!)?.def.labelNames.forEach((l) => labels.add(l));
      for (const m of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const label of m[1]!.split(',').map((l) => l.trim()).filter(Boolean)) {
          if (!labels.has(label)) problems.push(`by ${label} in ${expr}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every SLI reads a catalog metric of the right type, labels that exist, and latency thresholds that are buckets', () => {
    for (const slo of SLO_CATALOG.slos) {
      if (slo.sli.kind === 'event-ratio') {
        const def = definitions.get(slo.sli.metric);
        expect(def?.type).toBe('counter');
        for (const m of [...slo.sli.matchers, ...slo.sli.badMatchers]) expect(def!.labelNames).toContain(m.label);
      } else {
        const def = definitions.get(slo.sli.histogram);
        expect(def?.type).toBe('histogram');
        for (const m of slo.sli.matchers) expect(def!.labelNames).toContain(m.label);
        if (def?.type === 'histogram') expect(def.buckets).toContain(slo.sli.thresholdSeconds);
      }
    }
  });
});
