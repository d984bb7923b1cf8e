import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The isolation claim, checked structurally: nothing the read path runs can
 * reach CSAT. We follow every import from read-api's and read-sink's entry
 * points (aliases resolved like tsconfig does) and require that no module
 * under apps/csat or libs/csat is among them, and that their configuration
 * names nothing of CSAT's. So a CSAT outage cannot slow or fail a reading
 * submission: there is no call to make. CSAT only reads the outcome topics,
 * with its own consumer group, whose lag the read path never waits on.
 */
const ROOT = resolve(__dirname, '..', '..', '..');
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;

function resolveImport(from: string, spec: string): string | null {
  let base: string;
  const alias = /^@surge\/([^/]+)\/(.+)$/.exec(spec);
  if (alias) base = join(ROOT, 'libs', alias[1]!, 'src', alias[2]!);
  else if (spec.startsWith('.')) base = resolve(dirname(from), spec);
  else return null; // a package: not our code
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return null;
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const next = resolveImport(file, (m[1] ?? m[2] ?? m[3] ?? m[4])!);
      if (next) queue.push(next);
    }
  }
  return seen;
}

describe('CSAT is isolated from the read path', () => {
  for (const app of ['read-api', 'read-sink']) {
    it(`${app} reaches no CSAT code and names no CSAT setting`, () => {
      const entry = join(ROOT, 'apps', app, 'src', 'main.ts');
      const modules = [...reachable(entry)].map((f) => f.slice(ROOT.length + 1));
      expect(modules.length).toBeGreaterThan(5); // the walk works
      expect(modules.filter((m) => /^(apps|libs)\/csat\//.test(m))).toEqual([]);
      const config = readFileSync(join(ROOT, 'apps', app, 'src', `${app}.config.ts`), 'utf8');
      expect(config).not.toMatch(/csat/i);
    });
  }

  it('and CSAT depends on the reading feature only through its contracts (the outcome event, the topics)', () => {
    const modules = [...reachable(join(ROOT, 'apps', 'csat', 'src', 'main.ts'))].map((f) => f.slice(ROOT.length + 1));
    expect(modules.filter((m) => m.startsWith('libs/reading-')).sort()).toEqual(['libs/reading-contracts/src/reading-outcome.event.ts', 'libs/reading-contracts/src/reading.topics.ts']);
    expect(modules.filter((m) => m.startsWith('apps/') && !m.startsWith('apps/csat/'))).toEqual([]);
  });
});
