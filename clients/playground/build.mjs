// Builds the playground into launcher/src/main/resources/static (served at / by bin/runstream start), or with
// --check verifies that what is committed there is what the sources build to (bin/runstream test runs the check).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const target = path.resolve(here, '../../launcher/src/main/resources/static');
const check = process.argv.includes('--check');
const dev = process.argv.includes('--dev'); // readable output for debugging; never committed
const out = check ? mkdtempSync(path.join(tmpdir(), 'playground-')) : target;

// Bare imports of the transport's source (../js/src) resolve from this package, so one copy of `ai` is bundled.
const fromHere = {
  name: 'resolve-from-playground',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async args => {
      if (args.pluginData?.fromHere || args.importer.startsWith(here + path.sep)) return undefined;
      const result = await build.resolve(args.path, { kind: args.kind, resolveDir: here, pluginData: { fromHere: true } });
      return result.errors.length ? { errors: result.errors } : result;
    });
  },
};

rmSync(path.join(out, 'assets'), { recursive: true, force: true });
mkdirSync(path.join(out, 'assets'), { recursive: true });
await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.jsx' },
  bundle: true,
  minify: !dev,
  format: 'iife',
  target: ['es2022'],
  jsx: 'automatic',
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  alias: { '@runstream/ai-sdk': path.resolve(here, '../js/src/index.js') },
  plugins: [fromHere],
  outdir: path.join(out, 'assets'),
  loader: { '.css': 'css' },
  logLevel: 'warning',
});
await esbuild.build({
  absWorkingDir: here, entryPoints: { app: 'src/app.css' }, bundle: true, minify: true,
  outdir: path.join(out, 'assets'), logLevel: 'warning',
});
cpSync(path.join(here, 'public/index.html'), path.join(out, 'index.html'));

if (check) {
  const files = dir => readdirSync(dir, { recursive: true }).filter(f => !f.endsWith('/') && f.includes('.')).sort();
  const stale = [];
  for (const file of new Set([...files(out), ...files(target)])) {
    let a, b;
    try { a = readFileSync(path.join(out, file)); } catch { a = null; }
    try { b = readFileSync(path.join(target, file)); } catch { b = null; }
    if (!a || !b || !a.equals(b)) stale.push(file);
  }
  rmSync(out, { recursive: true, force: true });
  if (stale.length) {
    console.error(`The committed playground is not what clients/playground builds to (${stale.join(', ')}): run \`npm run build\` in clients/playground and commit launcher/src/main/resources/static.`);
    process.exit(1);
  }
  console.log('playground: the committed build matches its sources');
}
