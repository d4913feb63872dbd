// Bundles and minifies the page with esbuild: `node build.mjs OUTDIR [NODE_MODULES]`.
// Writes OUTDIR/index.html and OUTDIR/assets/app-HASH.{js,css}; the hashed names let the
// server mark assets immutable. NODE_MODULES (default: web/node_modules) is where `npm ci`
// installed esbuild and uPlot, so that the build folder can hold them.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(process.argv[2] || path.join(here, 'dist'));
const modules = path.resolve(process.argv[3] || path.join(here, 'node_modules'));
const require = createRequire(path.join(modules, 'noop.js'));
const esbuild = require('esbuild');

fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(path.join(outdir, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: path.join(here, 'src', 'main.js') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: path.join(outdir, 'assets'),
  entryNames: '[name]-[hash]',
  nodePaths: [modules],
  metafile: true,
  logLevel: 'error',
  legalComments: 'none',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => path.basename(p));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
let html = fs.readFileSync(path.join(here, 'src', 'index.html'), 'utf8');
html = html.replace('%APP_JS%', `/assets/${js}`).replace('%APP_CSS%', `/assets/${css}`);
fs.writeFileSync(path.join(outdir, 'index.html'), html);
