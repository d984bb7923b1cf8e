import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Isolation, structurally: the read path (read-api, read-sink) cannot be
 * affected by billing, because nothing it runs imports billing or billing's
 * stores (PostgreSQL, BullMQ); billing cannot be affected by Kafka or the
 * read API, because nothing it runs imports them. Walks the import graph
 * from each app's main.ts (type-only imports included: a stricter check).
 */
const ROOT = resolve(__dirname, '..', '..', '..');
const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveLocal(from: string, spec: string): string | null {
  const alias = /^@surge\/([^/]+)\/(.+)$/.exec(spec);
  const base = alias ? join(ROOT, 'libs', alias[1]!, 'src', alias[2]!) : spec.startsWith('.') ? resolve(dirname(from), spec) : null;
  if (base === null) return null;
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  throw new Error(`cannot resolve ${spec} from ${relative(ROOT, from)}`);
}

/** Every local file and external package reachable from `entry`. */
function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [join(ROOT, entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      const local = resolveLocal(file, spec);
      if (local) todo.push(local);
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return { files: new Set([...files].map((f) => relative(ROOT, f))), packages };
}

describe('isolation between the read path and billing', () => {
  it.each(['apps/read-api/src/main.ts', 'apps/read-sink/src/main.ts'])('%s reaches no billing code, PostgreSQL or BullMQ', (entry) => {
    const { files, packages } = reach(entry);
    expect(files.size).toBeGreaterThan(5);
    expect([...files].filter((f) => /^(apps\/billing|libs\/billing)\//.test(f))).toEqual([]);
    expect([...packages].filter((p) => ['pg', 'bullmq'].includes(p))).toEqual([]);
  });

  it('billing reaches no Kafka, ingest or read-path code: it runs on PostgreSQL, Redis and ClickHouse alone', () => {
    const { files, packages } = reach('apps/billing/src/main.ts');
    expect([...files].filter((f) => /^(apps\/read-api|apps\/read-sink|libs\/kafka|libs\/reading-(intake|sink|query))\//.test(f))).toEqual([]);
    expect([...packages].filter((p) => ['kafkajs', '@platformatic/kafka'].includes(p))).toEqual([]);
    expect([...packages].filter((p) => ['pg', 'bullmq', 'ioredis', '@clickhouse/client'].includes(p)).sort()).toEqual(['@clickhouse/client', 'bullmq', 'ioredis', 'pg']);
  });

  it('flexibility credits come in through billing-events: billing reaches none of that, and billing-events no flexibility internals', () => {
    const billing = reach('apps/billing/src/main.ts').files;
    expect([...billing].filter((f) => /flexibility-credit\.intake/.test(f))).toEqual([]);
    const events = reach('apps/billing-events/src/main.ts').files;
    expect(events.has('libs/billing/src/flex-credits/flexibility-credit.intake.ts')).toBe(true);
    expect([...events].filter((f) => /^libs\/flexibility\//.test(f))).toEqual([]);
  });
});
