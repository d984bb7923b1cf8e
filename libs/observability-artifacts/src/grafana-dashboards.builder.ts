// The Grafana dashboards of Surge, generated (npm run slo:generate) into
// grafana/dashboards/. SLO panels take objectives and windows from the SLO
// catalog; every other query uses the metric names of metrics.catalog.ts.
import { errorRatioRecord, OVERVIEW_DASHBOARD_UID, rawWindows } from '@surge/slo/prometheus-rules.builder';
import { errorBudget, formatNumber, selector, sortWindows } from '@surge/slo/promql.format';
import type { SloCatalog, SloDefinition, Window } from '@surge/slo/slo.model';
import {
  DashboardLayout,
  dashboard,
  gauge,
  sized,
  stat,
  timeseries,
  type Dashboard,
  type ThresholdStep,
} from './grafana-panel.factory';
import { METRIC_DEFINITIONS as M } from '@surge/observability/metrics.catalog';

const RATE = '$__rate_interval';

function quantiles(metric: string, matchers: string, by: string[] = []): { expr: string; legend: string }[] {
  const group = ['le', ...by].join(', ');
  const suffix = by.length ? ` {{${by.join('}} {{')}}}` : '';
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${group}) (rate(${metric}_bucket${matchers}[${RATE}])))`,
    legend: `p${q * 100}${suffix}`,
  }));
}

function sloById(catalog: SloCatalog, id: string): SloDefinition | undefined {
  return catalog.slos.find((s) => s.id === id);
}

/** Red below the objective, green at or above it: for "share of good" panels. */
function objectiveSteps(objective: number): ThresholdStep[] {
  return [
    { color: 'red', value: null },
    { color: 'green', value: objective },
  ];
}

const BUDGET_STEPS: ThresholdStep[] = [
  { color: 'red', value: null },
  { color: 'orange', value: 0 },
  { color: 'yellow', value: 0.25 },
  { color: 'green', value: 0.5 },
];

/** The windows whose burn rate the overview plots: the SLO's alerting long windows. */
export function burnRateWindows(slo: SloDefinition, catalog: SloCatalog): Window[] {
  if (slo.alerting.kind === 'threshold') return [slo.alerting.window];
  const windows: Window[] = [];
  for (const severity of slo.alerting.severities) {
    for (const pair of catalog.burnRatePolicy.find((p) => p.severity === severity)?.windows ?? []) {
      windows.push(pair.longWindow);
    }
  }
  return sortWindows(windows);
}

function sloOverview(catalog: SloCatalog): Dashboard {
  const layout = new DashboardLayout();
  layout
    .row('All SLOs')
    .add(
      sized(
        stat('Error budget remaining', [{ expr: 'slo:error_budget:remaining_ratio', legend: '{{slo}}' }], {
          unit: 'percentunit',
          decimals: 1,
          steps: BUDGET_STEPS,
          description: 'Share of each SLO\u2019s error budget left over its period (negative: the SLO is broken).',
        }),
        18,
        6,
      ),
    )
    .add(
      sized(
        stat('SLO alerts firing', [{ expr: 'count(ALERTS{alertstate="firing", slo!=""}) or vector(0)', legend: 'firing' }], {
          steps: [
            { color: 'green', value: null },
            { color: 'red', value: 1 },
          ],
        }),
        6,
        6,
      ),
    );

  for (const slo of catalog.slos) {
    const budget = formatNumber(errorBudget(slo.objective));
    const objective = `${formatNumber(slo.objective * 100)}% over ${slo.period}`;
    const period = errorRatioRecord(slo.period);
    layout
      .row(`${slo.title} \u2014 objective ${objective} (${slo.service})`)
      .add(
        sized(
          stat('Budget remaining', [{ expr: `slo:error_budget:remaining_ratio{slo="${slo.id}"}`, legend: slo.id }], {
            unit: 'percentunit',
            decimals: 1,
            steps: BUDGET_STEPS,
            description: slo.description,
          }),
          4,
        ),
      )
      .add(
        sized(
          stat(`SLI over ${slo.period}`, [{ expr: `1 - ${period}{slo="${slo.id}"}`, legend: slo.id }], {
            unit: 'percentunit',
            decimals: 3,
            steps: objectiveSteps(slo.objective),
          }),
          4,
        ),
      )
      .add(
        sized(
          timeseries(
            'Burn rate (1 = spending exactly the budget over the period)',
            burnRateWindows(slo, catalog).map((w) => ({
              expr: `${errorRatioRecord(w)}{slo="${slo.id}"} / ${budget}`,
              legend: w,
            })),
            {
              min: 0,
              thresholdLines: true,
              steps: burnSteps(slo, catalog),
              description: `Error ratio over each alert window divided by the error budget (${budget}). Dashed lines: the alerting factors.`,
            },
          ),
          8,
        ),
      )
      .add(
        sized(
          timeseries(
            'Error ratio',
            [...rawWindows(slo, catalog).filter((w) => w === '5m' || w === '1h'), slo.period].map((w) => ({
              expr: `${errorRatioRecord(w)}{slo="${slo.id}"}`,
              legend: w,
            })),
            { unit: 'percentunit', min: 0, thresholdLines: true, steps: [{ color: 'green', value: null }, { color: 'red', value: errorBudget(slo.objective) }] },
          ),
          8,
        ),
      );
  }
  return dashboard(
    {
      uid: OVERVIEW_DASHBOARD_UID,
      title: 'Surge / SLO overview',
      description: 'Error budgets and burn rates of every SLO in libs/slo/src/slo.catalog.ts (generated; do not edit).',
      tags: ['slo'],
    },
    layout.build(),
  );
}

function burnSteps(slo: SloDefinition, catalog: SloCatalog): ThresholdStep[] {
  if (slo.alerting.kind === 'threshold') {
    return [
      { color: 'green', value: null },
      { color: 'red', value: 1 },
    ];
  }
  const factors = new Set<number>();
  for (const severity of slo.alerting.severities) {
    for (const pair of catalog.burnRatePolicy.find((p) => p.severity === severity)?.windows ?? []) factors.add(pair.factor);
  }
  const colours = ['yellow', 'orange', 'red', 'purple'];
  return [
    { color: 'green', value: null },
    ...[...factors].sort((a, b) => a - b).map((value, i) => ({ color: colours[Math.min(i, colours.length - 1)]!, value })),
  ];
}

function sliSharePanel(catalog: SloCatalog, id: string, title: string) {
  const slo = sloById(catalog, id);
  if (!slo) return undefined;
  return timeseries(
    title,
    [
      { expr: `1 - ${errorRatioRecord('5m')}{slo="${slo.id}"}`, legend: '5m' },
      { expr: `1 - ${errorRatioRecord(slo.period)}{slo="${slo.id}"}`, legend: slo.period },
    ],
    {
      unit: 'percentunit',
      max: 1,
      thresholdLines: true,
      steps: objectiveSteps(slo.objective),
      description: `${slo.description} Dashed line: the objective.`,
    },
  );
}

function ingestion(catalog: SloCatalog): Dashboard {
  const layout = new DashboardLayout();
  const http = M.httpRequests.name;
  const duration = M.httpRequestDuration.name;
  // The submit route as the SLOs define it, so panels and SLOs cannot drift apart.
  const SUBMIT = selector('', sloById(catalog, 'submit-availability')?.sli.matchers ?? [
    { label: 'service', op: '=', value: 'read-api' },
    { label: 'route', op: '=', value: '/v1/meter-readings' },
    { label: 'method', op: '=', value: 'POST' },
  ]);
  layout
    .row('Submissions (read-api)')
    .add(
      timeseries('Submit throughput by status', [{ expr: `sum by (code) (rate(${http}${SUBMIT}[${RATE}]))`, legend: '{{code}}' }], {
        unit: 'reqps',
        stack: true,
      }),
    )
    .add(timeseries('Submit latency', quantiles(duration, SUBMIT), { unit: 's', min: 0 }));
  const availability = sliSharePanel(catalog, 'submit-availability', 'Submits answered without a server error');
  if (availability) layout.add(availability);
  layout
    .add(
      timeseries(
        'All read-api routes: requests by route',
        [{ expr: `sum by (route, method) (rate(${http}{service="read-api"}[${RATE}]))`, legend: '{{method}} {{route}}' }],
        { unit: 'reqps' },
      ),
    )
    .add(
      // Customers first (docs/decisions/0021-criticality-shedding.md): sheddable (collector batches) refused while
      // critical stays near zero is the front door doing its job; critical refusals mean customers are turned away.
      timeseries(
        'Refused at the front door, by criticality and why',
        [{ expr: `sum by (criticality, reason) (rate(${M.httpRequestsShed.name}{service="read-api"}[${RATE}]))`, legend: '{{criticality}} ({{reason}})' }],
        { unit: 'reqps', stack: true },
      ),
    )
    .row('Readings')
    .add(
      timeseries('Readings by outcome', [{ expr: `sum by (outcome) (rate(${M.readings.name}[${RATE}]))`, legend: '{{outcome}}' }], {
        unit: 'ops',
      }),
    )
    .add(
      timeseries(
        'Rejections by reason',
        [{ expr: `sum by (reason) (rate(${M.readings.name}{outcome="rejected"}[${RATE}]))`, legend: '{{reason}}' }],
        { unit: 'ops', stack: true },
      ),
    )
    .add(
      timeseries(
        'Held for review by reason',
        [{ expr: `sum by (reason) (rate(${M.readings.name}{outcome="held"}[${RATE}]))`, legend: '{{reason}}' }],
        { unit: 'ops', stack: true },
      ),
    )
    .add(
      timeseries(
        'Rejected share of received',
        [
          {
            expr: `sum(rate(${M.readings.name}{outcome="rejected"}[${RATE}])) / sum(rate(${M.readings.name}{outcome="received"}[${RATE}]))`,
            legend: 'rejected / received',
          },
        ],
        { unit: 'percentunit', min: 0 },
      ),
    )
    .row('Kafka')
    .add(timeseries('Produce latency', quantiles(M.kafkaProduceDuration.name, '', ['topic']), { unit: 's', min: 0 }))
    .add(
      timeseries(
        'Produce failures by reason',
        [{ expr: `sum by (topic, reason) (rate(${M.kafkaProduceFailures.name}[${RATE}]))`, legend: '{{topic}} {{reason}}' }],
        { unit: 'ops' },
      ),
    )
    .add(
      timeseries(
        'Consumer lag by group and topic',
        [{ expr: `sum by (group, topic) (${M.kafkaConsumerLag.name})`, legend: '{{group}} {{topic}}' }],
        { unit: 'short', min: 0, description: 'Messages not yet consumed. KEDA scales read-sink on the same lag.' },
      ),
    )
    .add(
      timeseries(
        'Consumer lag by partition (read-sink)',
        [{ expr: `max by (topic, partition) (${M.kafkaConsumerLag.name}{group="read-sink"})`, legend: '{{topic}}/{{partition}}' }],
        { unit: 'short', min: 0, description: 'One hot partition points at a skewed key or a stuck consumer.' },
      ),
    )
    .row('Sink (read-sink to ClickHouse)')
    .add(
      timeseries('Freshness: 202 to queryable', quantiles(M.readingFreshness.name, ''), {
        unit: 's',
        min: 0,
        thresholdLines: true,
        steps: freshnessSteps(catalog),
      }),
    );
  const freshness = sliSharePanel(catalog, 'reading-freshness', 'Readings queryable within the freshness objective');
  if (freshness) layout.add(freshness);
  layout
    .add(
      timeseries(
        'Batch size',
        [0.5, 0.95].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (le, sink) (rate(${M.sinkBatchSize.name}_bucket[${RATE}])))`,
          legend: `p${q * 100} {{sink}}`,
        })),
        { unit: 'short', min: 0 },
      ),
    )
    .add(timeseries('Write duration', quantiles(M.sinkWriteDuration.name, '', ['sink']), { unit: 's', min: 0 }))
    .add(
      timeseries(
        'Dead letters by reason',
        [{ expr: `sum by (sink, reason) (rate(${M.sinkDeadLetters.name}[${RATE}]))`, legend: '{{sink}} {{reason}}' }],
        { unit: 'ops' },
      ),
    )
    .add(
      timeseries(
        'Database errors',
        [{ expr: `sum by (db, operation) (rate(${M.dbErrors.name}{db="clickhouse"}[${RATE}]))`, legend: '{{db}} {{operation}}' }],
        { unit: 'ops' },
      ),
    )
    .row('Dependencies')
    .add(dependencyPanel(['read-api', 'read-sink']));
  return dashboard(
    {
      uid: 'surge-ingestion',
      title: 'Surge / Ingestion',
      description: 'Meter-read ingestion: read-api submissions, Kafka, read-sink to ClickHouse (generated; do not edit).',
      tags: ['ingestion'],
    },
    layout.build(),
  );
}

function freshnessSteps(catalog: SloCatalog): ThresholdStep[] {
  const slo = sloById(catalog, 'reading-freshness');
  const threshold = slo?.sli.kind === 'latency' ? slo.sli.thresholdSeconds : undefined;
  return threshold === undefined
    ? [{ color: 'green', value: null }]
    : [
        { color: 'green', value: null },
        { color: 'red', value: threshold },
      ];
}

function dependencyPanel(services: string[]) {
  return sized(
    stat(
      'Dependencies up',
      [
        {
          expr: `min by (job, dependency) (${M.dependencyUp.name}{job=~"${services.join('|')}"})`,
          legend: '{{job}} \u2192 {{dependency}}',
        },
      ],
      {
        steps: [
          { color: 'red', value: null },
          { color: 'green', value: 1 },
        ],
        description: 'Last health check of each dependency as seen by each service (1 up, 0 down).',
      },
    ),
    24,
    5,
  );
}

function billing(catalog: SloCatalog): Dashboard {
  const layout = new DashboardLayout();
  const accounts = M.billRunAccounts.name;
  // Bill-run and queue gauges describe shared state (PostgreSQL, Redis): every
  // pod may report the same numbers, so take the max, never the sum.
  const state = (s: string) => `max(${accounts}{state="${s}"})`;
  layout
    .row('Bill run in progress')
    .add(
      sized(
        stat('Accounts by state', [{ expr: `max by (state) (${accounts})`, legend: '{{state}}' }], { unit: 'short' }),
        12,
        6,
      ),
    )
    .add(
      sized(
        gauge(
          'Progress',
          [{ expr: `(${state('done')} + ${state('failed')}) / (${state('done')} + ${state('failed')} + ${state('remaining')})`, legend: 'progress' }],
          { unit: 'percentunit', min: 0, max: 1 },
        ),
        6,
        6,
      ),
    )
    .add(
      sized(
        gauge('Failed share of processed', [{ expr: `${state('failed')} / (${state('done')} + ${state('failed')})`, legend: 'failed' }], {
          unit: 'percentunit',
          min: 0,
          max: 1,
          steps: failedSteps(catalog),
        }),
        6,
        6,
      ),
    )
    .add(
      timeseries(
        'Accounts finished by outcome',
        [{ expr: `sum by (outcome) (rate(${M.billRunAccountsTotal.name}[${RATE}]))`, legend: '{{outcome}}' }],
        { unit: 'ops', stack: true },
      ),
    )
    .add(
      timeseries('Accounts by state over time', [{ expr: `max by (state) (${accounts})`, legend: '{{state}}' }], {
        unit: 'short',
        min: 0,
      }),
    );
  const completion = sliSharePanel(catalog, 'bill-run-completion', 'Accounts billed without failure');
  if (completion) layout.add(completion);
  layout
    .row('Queues (BullMQ on Redis)')
    .add(
      timeseries('Queue depth by state', [{ expr: `max by (queue, state) (${M.queueJobs.name})`, legend: '{{queue}} {{state}}' }], {
        unit: 'short',
        min: 0,
      }),
    )
    .add(
      timeseries(
        'Job outcomes',
        [{ expr: `sum by (queue, outcome) (rate(${M.queueJobOutcomes.name}[${RATE}]))`, legend: '{{queue}} {{outcome}}' }],
        { unit: 'ops' },
      ),
    )
    .row('Service')
    .add(
      timeseries(
        'billing HTTP requests by status',
        [{ expr: `sum by (code) (rate(${M.httpRequests.name}{service="billing"}[${RATE}]))`, legend: '{{code}}' }],
        { unit: 'reqps', stack: true },
      ),
    )
    .add(
      timeseries(
        'Database errors',
        [{ expr: `sum by (db, operation) (rate(${M.dbErrors.name}{db=~"postgres|redis"}[${RATE}]))`, legend: '{{db}} {{operation}}' }],
        { unit: 'ops' },
      ),
    )
    .add(dependencyPanel(['billing']));
  return dashboard(
    {
      uid: 'surge-billing',
      title: 'Surge / Billing',
      description: 'Bill runs, their progress and failures, and the BullMQ queues behind them (generated; do not edit).',
      tags: ['billing'],
    },
    layout.build(),
  );
}

function failedSteps(catalog: SloCatalog): ThresholdStep[] {
  const slo = sloById(catalog, 'bill-run-completion');
  return slo
    ? [
        { color: 'green', value: null },
        { color: 'red', value: errorBudget(slo.objective) },
      ]
    : [{ color: 'green', value: null }];
}

function csat(catalog: SloCatalog): Dashboard {
  const layout = new DashboardLayout();
  const answers = M.csatAnswers.name;
  const slo = sloById(catalog, 'csat-floor');
  const steps = slo ? objectiveSteps(slo.objective) : undefined;
  const share = (by: string) =>
    `sum by (${by}) (increase(${answers}{satisfied="true"}[1d])) / sum by (${by}) (increase(${answers}[1d]))`;
  layout
    .row('Score')
    .add(
      sized(
        gauge('CSAT score (reported)', [{ expr: `max(${M.csatScore.name})`, legend: 'score' }], {
          unit: 'percentunit',
          min: 0,
          max: 1,
          ...(steps ? { steps } : {}),
          description: 'The score the csat service computes over the last day.',
        }),
        6,
      ),
    )
    .add(
      sized(
        stat(
          'Satisfied share (1d, from answers)',
          [{ expr: slo ? `1 - ${errorRatioRecord(slo.period)}{slo="${slo.id}"}` : `${share('')}`, legend: 'satisfied' }],
          { unit: 'percentunit', decimals: 1, ...(steps ? { steps } : {}) },
        ),
        6,
      ),
    )
    .add(
      sized(
        timeseries('Answers per hour', [{ expr: `sum by (satisfied) (increase(${answers}[1h]))`, legend: 'satisfied={{satisfied}}' }], {
          unit: 'short',
          bars: true,
          stack: true,
        }),
        12,
      ),
    )
    .row('Breakdown (last day)');
  for (const by of ['channel', 'category', 'outcome']) {
    layout.add(
      sized(
        timeseries(`Satisfied share by ${by}`, [{ expr: share(by), legend: `{{${by}}}` }], {
          unit: 'percentunit',
          min: 0,
          max: 1,
          thresholdLines: true,
          ...(steps ? { steps } : {}),
        }),
        8,
      ),
    );
  }
  for (const by of ['channel', 'category', 'outcome']) {
    layout.add(
      sized(
        timeseries(`Answers per hour by ${by}`, [{ expr: `sum by (${by}) (increase(${answers}[1h]))`, legend: `{{${by}}}` }], {
          unit: 'short',
        }),
        8,
      ),
    );
  }
  return dashboard(
    {
      uid: 'surge-csat',
      title: 'Surge / CSAT',
      description: 'Customer satisfaction: score and answers by channel, category and outcome (generated; do not edit).',
      tags: ['csat', 'business'],
    },
    layout.build(),
  );
}

/** Every dashboard, keyed by file name under grafana/dashboards/. */
export function buildDashboards(catalog: SloCatalog): Record<string, Dashboard> {
  return {
    'slo-overview.json': sloOverview(catalog),
    'ingestion.json': ingestion(catalog),
    'billing.json': billing(catalog),
    'csat.json': csat(catalog),
  };
}

/** Grafana's provisioning files, keyed by path under grafana/provisioning/. */
export function buildGrafanaProvisioning(prometheusUrl = 'http://prometheus:9090'): Record<string, unknown> {
  return {
    'datasources/prometheus.yml': {
      apiVersion: 1,
      datasources: [
        {
          name: 'Prometheus',
          uid: 'prometheus',
          type: 'prometheus',
          access: 'proxy',
          url: prometheusUrl,
          isDefault: true,
          editable: false,
          jsonData: { timeInterval: '15s' },
        },
      ],
    },
    'dashboards/surge.yml': {
      apiVersion: 1,
      providers: [
        {
          name: 'surge',
          folder: 'Surge',
          type: 'file',
          disableDeletion: true,
          allowUiUpdates: false,
          updateIntervalSeconds: 30,
          options: { path: '/var/lib/grafana/dashboards', foldersFromFilesStructure: false },
        },
      ],
    },
  };
}
