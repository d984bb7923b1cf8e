// The example Alertmanager configuration (ops/alertmanager/alertmanager.example.yml)
// against the alerts the SLO catalog generates: every alert reaches the
// receiver its labels call for, a page inhibits its SLO's ticket, and
// Alertmanager's own checker accepts the file. amtool comes with Debian's
// prometheus-alertmanager (installed by scripts/bootstrap.sh); without it the
// routing is checked on the YAML alone and the amtool checks skip, saying so.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const CONFIG = path.join(ROOT, 'ops/alertmanager/alertmanager.example.yml');

interface Route {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  continue?: boolean;
  routes?: Route[];
}
interface AmConfig {
  route: Route;
  receivers: { name: string }[];
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
}
const config = parse(fs.readFileSync(CONFIG, 'utf8')) as AmConfig;
const alerts = (
  parse(fs.readFileSync(path.join(ROOT, 'ops/prometheus/slo-alerts.rules.yml'), 'utf8')) as {
    groups: { rules: { alert: string; labels: Record<string, string> }[] }[];
  }
).groups.flatMap((g) => g.rules);

/** Who should get an alert with these labels, by the policy in docs/slo.md. */
function expectedReceiver(labels: Record<string, string>): string {
  if (labels.severity === 'page') return 'pager';
  return labels.category === 'business' ? 'customer-experience-tickets' : 'engineering-tickets';
}

/** The receiver of the first matching route, depth first, as Alertmanager routes (only `="..."` matchers used here). */
function routeOf(route: Route, labels: Record<string, string>, inherited = route.receiver!): string {
  for (const child of route.routes ?? []) {
    const matches = (child.matchers ?? []).every((m) => {
      const [, k, v] = /^(\w+)="(.*)"$/.exec(m) ?? [];
      if (k === undefined) throw new Error(`matcher form not handled by this test: ${m}`);
      return labels[k] === v;
    });
    if (matches) return routeOf(child, labels, child.receiver ?? inherited);
  }
  return inherited;
}

describe('the example Alertmanager configuration', () => {
  it('has the generated alerts to route (the catalog has pages, tickets and a business ticket)', () => {
    expect(alerts.map((a) => expectedReceiver(a.labels))).toEqual(
      expect.arrayContaining(['pager', 'engineering-tickets', 'customer-experience-tickets']),
    );
  });

  it.each(alerts.map((a) => [a.alert, a.labels] as const))('routes %s to the receiver its severity and category call for', (_, labels) => {
    expect(routeOf(config.route, labels)).toBe(expectedReceiver(labels));
  });

  it('groups by SLO and inhibits an SLO\'s ticket while its page fires', () => {
    expect(config.route.group_by).toEqual(['slo']);
    expect(config.inhibit_rules).toContainEqual({
      source_matchers: ['severity="page"'],
      target_matchers: ['severity="ticket"'],
      equal: ['slo'],
    });
    const names = config.receivers.map((r) => r.name);
    for (const name of ['pager', 'engineering-tickets', 'customer-experience-tickets']) expect(names).toContain(name);
  });

  it('sends an alert no route knows to a ticket, never nowhere', () => {
    expect(routeOf(config.route, { alertname: 'Unknown' })).toBe('engineering-tickets');
  });
});

const hasAmtool = spawnSync('amtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasAmtool) {
  console.warn('SKIPPED: amtool is not installed (Debian package prometheus-alertmanager), so Alertmanager did not check its config.');
}
(hasAmtool ? describe : describe.skip)('the example Alertmanager configuration under amtool', () => {
  const amtool = (...args: string[]) => spawnSync('amtool', args, { encoding: 'utf8', timeout: 30_000 });

  it('amtool check-config accepts it', () => {
    const r = amtool('check-config', CONFIG);
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('amtool routes every generated alert where the policy says', () => {
    for (const a of alerts) {
      const labels = Object.entries({ alertname: a.alert, ...a.labels }).map(([k, v]) => `${k}=${v}`);
      const r = amtool('config', 'routes', 'test', `--config.file=${CONFIG}`, ...labels);
      expect([a.alert, r.stdout.trim()]).toEqual([a.alert, expectedReceiver(a.labels)]);
    }
  });
});
