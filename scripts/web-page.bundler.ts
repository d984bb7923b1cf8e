/**
 * Builds a page's static files (customer-web's submit page, service-web's customer-service page): one minified
 * script (esbuild, with the pure validators of libs/meter-domain bundled in where the page uses them), one
 * stylesheet, and the shell that names them by content hash, each precompressed with brotli and gzip. Hashed
 * names are cached for a year; the shell is revalidated.
 *   node dist/scripts/web-page.bundler.js <customer-web|service-web> [outDir]   (run by npm run build, once per page)
 * Prints the page weight, compressed, against its budget and fails over it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Budget for a page's script, brotli-compressed (docs/decisions/0007-customer-web.md). */
export const SCRIPT_BUDGET_BYTES = 50 * 1024;
/** Budget for everything a page downloads (shell, script, style), brotli-compressed. */
export const PAGE_BUDGET_BYTES = 64 * 1024;

/** The pages, by app: the entry script under apps/<app>/web and the name its hashed bundle gets. */
const PAGES = {
  'customer-web': { entry: 'submit.page.ts', script: 'submit', report: 'customerWeb' },
  'service-web': { entry: 'service.page.ts', script: 'service', report: 'serviceWeb' },
} as const;
type PageApp = keyof typeof PAGES;

const root = join(__dirname, '..', '..');

async function main(): Promise<void> {
  const app = process.argv[2] as PageApp;
  if (!(app in PAGES)) throw new Error(`usage: web-page.bundler <${Object.keys(PAGES).join('|')}> [outDir]`);
  const page = PAGES[app];
  const web = join(root, 'apps', app, 'web');
  const out = process.argv[3] ?? join(root, 'dist', 'apps', app, 'public');
  const result = await build({
    entryPoints: [join(web, page.entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome120', 'firefox120', 'safari16'],
    tsconfig: join(web, 'tsconfig.json'),
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const js = Buffer.from(result.outputFiles[0]!.contents);
  const css = readFileSync(join(web, 'style.css'));
  const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 12);
  const jsName = `${page.script}.${hash(js)}.js`;
  const cssName = `style.${hash(css)}.css`;
  const html = Buffer.from(readFileSync(join(web, 'index.html'), 'utf8').replace('__JS__', jsName).replace('__CSS__', cssName));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'assets'), { recursive: true });
  const sizes: Record<string, { raw: number; br: number; gzip: number }> = {};
  for (const [path, body] of [[join('assets', jsName), js], [join('assets', cssName), css], ['index.html', html]] as const) {
    const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    const gz = gzipSync(body, { level: 9 });
    writeFileSync(join(out, path), body);
    writeFileSync(join(out, `${path}.br`), br);
    writeFileSync(join(out, `${path}.gz`), gz);
    sizes[path] = { raw: body.length, br: br.length, gzip: gz.length };
  }
  const script = sizes[join('assets', jsName)]!;
  const total = Object.values(sizes).reduce((s, x) => s + x.br, 0);
  console.log(JSON.stringify({ [page.report]: { out, sizes, scriptBrotliBytes: script.br, scriptBudgetBytes: SCRIPT_BUDGET_BYTES, pageBrotliBytes: total, pageBudgetBytes: PAGE_BUDGET_BYTES } }));
  if (script.br > SCRIPT_BUDGET_BYTES || total > PAGE_BUDGET_BYTES) {
    console.error(`${app} over its page-weight budget: script ${script.br} B (budget ${SCRIPT_BUDGET_BYTES}), page ${total} B (budget ${PAGE_BUDGET_BYTES})`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
