/**
 * Bundles the explorer (explorer/ at the repository root) into dist/explorer/ with esbuild, at
 * build time, never at run time: the page, its Monaco workers, its CSS (fonts inlined), and the
 * small script and stylesheet of the EXPLORER=auto page. Prints one line with the size the browser downloads.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const OUT = path.resolve('dist/explorer');

// Monaco's ESM sources import their own CSS, which graphiql/style.css already carries (the same
// Monaco release): those imports are dropped instead of emitted as stylesheets nothing loads.
const dropMonacoCss: Plugin = {
  name: 'drop-monaco-css',
  setup(builder) {
    builder.onResolve({ filter: /\.css$/ }, (args) => (/[\\/]monaco-editor[\\/]/.test(args.importer) ? { path: args.path, namespace: 'empty-css' } : undefined));
    builder.onLoad({ filter: /.*/, namespace: 'empty-css' }, () => ({ contents: '', loader: 'empty' }));
  },
};

const common: BuildOptions = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  target: ['chrome120', 'firefox120', 'safari17'],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  outdir: OUT,
};

await rm(OUT, { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'explorer/main.tsx' },
    format: 'esm',
    // Monaco and prettier load lazily in @graphiql/react: their own chunks.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    jsx: 'automatic',
    loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
    // Only for subscriptions over WebSocket, which this API has none of.
    external: ['graphql-ws'],
    // @graphiql/react imports prettier's CommonJS parsers dynamically; split, they would lose their
    // named exports (prettify then silently does nothing). Prettier's ESM plugins have them.
    alias: { 'prettier/parser-graphql': 'prettier/plugins/graphql', 'prettier/parser-babel': 'prettier/plugins/babel' },
    plugins: [dropMonacoCss],
  }),
  build({
    ...common,
    entryPoints: {
      'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
      'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
      'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
      landing: 'explorer/landing.ts',
      'landing-page': 'explorer/landing.css',
    },
    // Classic scripts: workers start with `new Worker(url)`, the landing script with <script src>.
    format: 'iife',
  }),
]);

let raw = 0;
let gzip = 0;
const files = (await readdir(OUT, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
for (const file of files) {
  const body = await readFile(path.join(file.parentPath, file.name));
  raw += body.length;
  gzip += gzipSync(body).length;
}
// On stderr: `npm run admin -- … --json` builds first, and its stdout is the command's answer.
process.stderr.write(`explorer: ${files.length} files, ${(raw / 2 ** 20).toFixed(1)} MiB (${(gzip / 2 ** 20).toFixed(1)} MiB gzip) in dist/explorer\n`);
