import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The timeline's isolation claim, checked structurally (issue 16): we follow every import from each other app's
 * entry point (aliases resolved like tsconfig does) and require that no timeline or service-web module is among
 * them and that their configuration names nothing of the timeline's, so a timeline outage cannot slow or fail
 * ingestion, billing or CSAT: there is no call to make. And the timeline learns the other features only through
 * their event contracts: it reads their topics with its own consumer group and calls no service.
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

describe('the timeline is isolated', () => {
  for (const app of ['read-api', 'read-sink', 'billing', 'csat', 'registry']) {
    it(`${app} reaches no timeline code and names no timeline setting`, () => {
      const entry = join(ROOT, 'apps', app, 'src', 'main.ts');
      const modules = [...reachable(entry)].map((f) => f.slice(ROOT.length + 1));
      expect(modules.length).toBeGreaterThan(5); // the walk works
      expect(modules.filter((m) => /^(apps|libs)\/(timeline|service-web)\//.test(m))).toEqual([]);
      const config = readFileSync(join(ROOT, 'apps', app, 'src', `${app}.config.ts`), 'utf8');
      expect(config).not.toMatch(/timeline/i);
    });
  }

  it('and the timeline depends on other features only through their contracts', () => {
    const modules = [...reachable(join(ROOT, 'apps', 'timeline', 'src', 'main.ts'))].map((f) => f.slice(ROOT.length + 1));
    const features = modules.filter((m) => /^libs\/(reading-(intake|sink|query|store)|billing|csat|registry|flow-intake)\//.test(m));
    expect(features).toEqual([]);
    expect(modules.filter((m) => m.startsWith('apps/') && !m.startsWith('apps/timeline/'))).toEqual([]);
    expect(modules.some((m) => m.startsWith('libs/reading-contracts/'))).toBe(true);
  });
});
