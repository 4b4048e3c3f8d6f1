import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'vite';

// The browser app (index.html at the top level). `vite` serves it; `vite build` writes static files to dist/app
// with relative URLs, so any web server can host them under any path.

// vega-datasets' "exports" map hides its data files; point `vega-datasets/data/...` at the installed package's folder.
const vegaData = join(dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..', 'data');

// Cross-origin isolation lets the page hand the training worker a SharedArrayBuffer, so Stop reaches it even while
// the CPU backend computes without yielding. Hosts that do not send these headers still work: Stop then goes by message.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: '.',
  base: './',
  resolve: { alias: [{ find: /^vega-datasets\/data\//, replacement: `${vegaData}/` }] },
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
  worker: { format: 'es' },
  build: { outDir: 'dist/app', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1000 },
});
