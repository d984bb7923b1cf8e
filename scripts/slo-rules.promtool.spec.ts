// Runs Prometheus's own checker and rule unit-test runner on the SLO rules:
// a fast burn must page, a slow burn only ticket, a healthy service nothing
// (ops/prometheus/slo-alerts.test.yml). promtool is installed by
// ops/prometheus/ensure-promtool.sh (called by the test command); this spec
// skips, saying so, only where it is absent.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { SLO_CATALOG } from '@surge/slo/slo.catalog';
import type { SloCatalog } from '@surge/slo/slo.model';
import { ALERT_RULES_PATH, RECORDING_RULES_PATH, renderArtifacts } from './generate-slo-artifacts';

const ROOT = path.resolve(__dirname, '..');
const RULES_DIR = path.join(ROOT, 'ops/prometheus');
const TEST_FILE = 'slo-alerts.test.yml';

const hasPromtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasPromtool) {
  console.warn(
    'SKIPPED: promtool is not installed, so the Prometheus rule checks did not run. ' +
      'Install it with `bash ops/prometheus/ensure-promtool.sh` (Debian package `prometheus`).',
  );
}
const describeWithPromtool = hasPromtool ? describe : describe.skip;

function promtool(cwd: string, ...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 110_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * The rules generated from `catalog` in a temp dir, beside the hand-written
 * unit tests whose name matches `testName` (promtool runs every test group,
 * and the whole file takes seconds).
 */
function stage(catalog: SloCatalog, testName: RegExp): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slo-promtool-'));
  const files = renderArtifacts(catalog);
  for (const file of [RECORDING_RULES_PATH, ALERT_RULES_PATH]) {
    fs.writeFileSync(path.join(dir, path.basename(file)), files.get(file)!);
  }
  const doc = parseDocument(fs.readFileSync(path.join(RULES_DIR, TEST_FILE), 'utf8'));
  const tests = (doc.toJS() as { tests: { name: string }[] }).tests.filter((t) => testName.test(t.name));
  if (tests.length === 0) throw new Error(`no test group matches ${testName}`);
  doc.set('tests', tests);
  fs.writeFileSync(path.join(dir, TEST_FILE), doc.toString());
  return dir;
}

// promtool runs synchronously (spawnSync), so these limits are what a hung run is cut at.
const SLOW = 120_000;

describeWithPromtool('SLO rules under promtool', () => {
  it('promtool check rules accepts the committed rule files', () => {
    const r = promtool(RULES_DIR, 'check', 'rules', 'slo-recording.rules.yml', 'slo-alerts.rules.yml');
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('promtool check config accepts the local Prometheus config and its rule files', () => {
    const r = promtool(RULES_DIR, 'check', 'config', 'prometheus.yml');
    expect(r.status).toBe(0);
  });

  it("promtool check config accepts the native stack's config, rendered as stack.sh renders it", () => {
    // scripts/stack/stack.sh prometheus_config: the same three substitutions.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-native-'));
    try {
      const rendered = fs
        .readFileSync(path.join(RULES_DIR, 'prometheus.native.yml'), 'utf8')
        .replaceAll('@RULES_DIR@', RULES_DIR)
        .replaceAll('@TARGETS_DIR@', path.join(dir, 'targets'))
        .replaceAll('@LISTEN@', '127.0.0.1:9090');
      expect(rendered).not.toMatch(/@[A-Z_]+@/);
      fs.writeFileSync(path.join(dir, 'prometheus.yml'), rendered);
      const r = promtool(dir, 'check', 'config', 'prometheus.yml');
      expect(r.output).toContain('SUCCESS: 2 rule files found');
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('promtool test rules: fast burn pages, slow burn tickets only, healthy stays quiet', () => {
    const r = promtool(RULES_DIR, 'test', 'rules', TEST_FILE);
    if (r.status !== 0) console.error(r.output);
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  }, SLOW);

  it('the unit tests catch a catalog whose alerts would no longer page on the fast burn', () => {
    // A 99% objective makes the 5% error rate of the fast-burn test only 5x the
    // budget: below the 14.4x and 6x page thresholds.
    const loose: SloCatalog = {
      ...SLO_CATALOG,
      slos: SLO_CATALOG.slos.map((s) => (s.id === 'submit-availability' ? { ...s, objective: 0.99 } : s)),
    };
    const dir = stage(loose, /fast burn pages/);
    try {
      const r = promtool(dir, 'test', 'rules', TEST_FILE);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain('SubmitAvailabilityFastBurn');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, SLOW);
});
