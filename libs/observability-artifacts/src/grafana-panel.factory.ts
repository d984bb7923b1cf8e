// Minimal builders for the parts of Grafana's dashboard JSON model we use
// (schemaVersion 39: Grafana 10.x/11.x/12.x import it as is). Plain objects,
// so dashboards are generated, diffed and tested like any other data.

/** The uid the provisioned Prometheus data source is given (grafana/provisioning). */
export const PROMETHEUS_DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;
export const DASHBOARD_SCHEMA_VERSION = 39;

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Target {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: typeof PROMETHEUS_DATASOURCE;
  range: boolean;
  instant: boolean;
}

export interface ThresholdStep {
  color: string;
  value: number | null;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: typeof PROMETHEUS_DATASOURCE;
  targets?: Target[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: string;
  editable: boolean;
  graphTooltip: number;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  links: unknown[];
  annotations: { list: unknown[] };
  templating: { list: unknown[] };
  panels: Panel[];
}

export interface Query {
  expr: string;
  legend?: string;
}

export type PanelSpec = Omit<Panel, 'id' | 'gridPos'> & { width?: number; height?: number };

function targets(queries: readonly Query[], instant = false): Target[] {
  return queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    expr: q.expr,
    legendFormat: q.legend ?? '__auto',
    datasource: PROMETHEUS_DATASOURCE,
    range: !instant,
    instant,
  }));
}

export function thresholds(steps: readonly ThresholdStep[]): { mode: 'absolute'; steps: ThresholdStep[] } {
  return { mode: 'absolute', steps: [...steps] };
}

export interface FieldOptions {
  unit?: string;
  min?: number;
  max?: number;
  decimals?: number;
  steps?: readonly ThresholdStep[];
}

function defaults(o: FieldOptions, custom?: Record<string, unknown>): Record<string, unknown> {
  const d: Record<string, unknown> = {
    unit: o.unit ?? 'short',
    thresholds: thresholds(o.steps ?? [{ color: 'green', value: null }]),
    color: { mode: o.steps ? 'thresholds' : 'palette-classic' },
  };
  if (o.min !== undefined) d.min = o.min;
  if (o.max !== undefined) d.max = o.max;
  if (o.decimals !== undefined) d.decimals = o.decimals;
  if (custom) d.custom = custom;
  return d;
}

export function timeseries(
  title: string,
  queries: readonly Query[],
  o: FieldOptions & { description?: string; stack?: boolean; bars?: boolean; thresholdLines?: boolean } = {},
): PanelSpec {
  return {
    type: 'timeseries',
    title,
    ...(o.description ? { description: o.description } : {}),
    datasource: PROMETHEUS_DATASOURCE,
    targets: targets(queries),
    fieldConfig: {
      defaults: defaults(o, {
        drawStyle: o.bars ? 'bars' : 'line',
        lineWidth: 1,
        fillOpacity: o.stack || o.bars ? 60 : 10,
        showPoints: 'never',
        spanNulls: false,
        stacking: { mode: o.stack ? 'normal' : 'none', group: 'A' },
        thresholdsStyle: { mode: o.thresholdLines ? 'dashed' : 'off' },
      }),
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

export function stat(title: string, queries: readonly Query[], o: FieldOptions & { description?: string } = {}): PanelSpec {
  return {
    type: 'stat',
    title,
    ...(o.description ? { description: o.description } : {}),
    datasource: PROMETHEUS_DATASOURCE,
    targets: targets(queries, true),
    fieldConfig: { defaults: defaults(o), overrides: [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      textMode: 'value_and_name',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  };
}

export function gauge(title: string, queries: readonly Query[], o: FieldOptions & { description?: string } = {}): PanelSpec {
  return {
    type: 'gauge',
    title,
    ...(o.description ? { description: o.description } : {}),
    datasource: PROMETHEUS_DATASOURCE,
    targets: targets(queries, true),
    fieldConfig: { defaults: defaults(o), overrides: [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      showThresholdLabels: false,
      showThresholdMarkers: true,
    },
  };
}

/** Lays panels out left to right in rows of 24 columns, numbering them. */
export class DashboardLayout {
  private readonly panels: Panel[] = [];
  private nextId = 1;
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  row(title: string): this {
    this.newLine();
    this.panels.push({
      id: this.nextId++,
      type: 'row',
      title,
      collapsed: false,
      panels: [],
      gridPos: { x: 0, y: this.y, w: 24, h: 1 },
    });
    this.y += 1;
    return this;
  }

  add(spec: PanelSpec): this {
    const { width = 12, height = 8, ...panel } = spec;
    if (this.x + width > 24) this.newLine();
    this.panels.push({ id: this.nextId++, ...panel, gridPos: { x: this.x, y: this.y, w: width, h: height } });
    this.x += width;
    this.rowHeight = Math.max(this.rowHeight, height);
    return this;
  }

  build(): Panel[] {
    return this.panels;
  }

  private newLine(): void {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

export function dashboard(meta: { uid: string; title: string; description: string; tags: string[] }, panels: Panel[]): Dashboard {
  return {
    uid: meta.uid,
    title: meta.title,
    description: meta.description,
    tags: ['surge', ...meta.tags],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    version: 1,
    refresh: '1m',
    time: { from: 'now-6h', to: 'now' },
    links: [{ type: 'dashboards', tags: ['surge'], asDropdown: true, title: 'Surge dashboards', includeVars: false, keepTime: true }],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: { list: [] },
    panels,
  };
}

export function sized(spec: PanelSpec, width: number, height = 8): PanelSpec {
  return { ...spec, width, height };
}
