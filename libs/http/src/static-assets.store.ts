import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface StaticAsset {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly brotli: Buffer | undefined;
  readonly contentType: string;
  readonly etag: string;
  /** Content-hashed files never change under their name: cached for a year. The shell is revalidated. */
  readonly immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/**
 * The page shell and its assets, read once from disk into memory at start-up
 * (with the .gz/.br siblings the bundler precompressed). Serving them is a map
 * lookup: it never waits on disk, Kafka, ClickHouse or PostgreSQL, so the page
 * loads while every store is under surge load or down.
 */
export class StaticAssetStore {
  private readonly assets = new Map<string, StaticAsset>();

  constructor(dir: string) {
    for (const file of walk(dir)) {
      if (file.endsWith('.gz') || file.endsWith('.br') || file.endsWith('.map')) continue;
      const path = `/${relative(dir, file).split(sep).join('/')}`;
      const ext = path.slice(path.lastIndexOf('.'));
      const body = readFileSync(file);
      const sibling = (suffix: string) => (exists(file + suffix) ? readFileSync(file + suffix) : undefined);
      const hash = /\.([a-z0-9]{8,})\.[a-z]+$/i.exec(path)?.[1];
      this.assets.set(path, {
        body,
        gzip: sibling('.gz'),
        brotli: sibling('.br'),
        contentType: TYPES[ext] ?? 'application/octet-stream',
        etag: `"${hash ?? `${body.length.toString(36)}-${statSync(file).mtimeMs.toString(36)}`}"`,
        immutable: path.startsWith('/assets/') && hash !== undefined,
      });
    }
    if (!this.assets.has('/index.html')) throw new Error(`no page shell in ${dir}: run npm run build first`);
  }

  get(path: string): StaticAsset | undefined {
    return this.assets.get(path === '/' ? '/index.html' : path);
  }

  paths(): string[] {
    return [...this.assets.keys()];
  }
}

function exists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
