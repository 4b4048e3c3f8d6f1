// `npm run bench`: starts Vite (it compiles the TypeScript engine and its ?raw shaders for both Node and the page),
// then runs bench/cli.ts. Errors the user can act on print as one line and exit 1.
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url)); // bench/: the app's index.html and config stay out of it
let vite;
let code = 0;
try {
  vite = await createServer({
    root,
    configFile: false, // the app's config (if any) is not the benchmark's
    cacheDir: fileURLToPath(new URL('../node_modules/.vite-bench', import.meta.url)),
    logLevel: 'error',
    appType: 'mpa',
    server: {
      host: '127.0.0.1', port: 5190, strictPort: false, hmr: false, watch: null,
      // cross-origin isolation: SharedArrayBuffer, so TF.js's wasm backend can run its threaded SIMD build
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    },
    optimizeDeps: {
      entries: ['index.html'], // crawled before the page loads, so it is not reloaded mid-run
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'],
    },
  });
  const cli = await vite.ssrLoadModule('/cli.ts');
  await cli.main(process.argv.slice(2), {
    async serve() {
      await vite.listen();
      const address = vite.httpServer.address();
      return `http://127.0.0.1:${address.port}/index.html`;
    },
  });
} catch (e) {
  code = 1;
  if (e?.name === 'UserError') console.error(`bench: ${e.message}`);
  else console.error(e);
} finally {
  await vite?.close();
}
process.exit(code); // Dawn keeps Node alive otherwise
