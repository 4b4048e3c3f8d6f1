// `npm run bench`: starts Vite (it compiles the TypeScript engine and its ?raw shaders for both Node and the page),
// then runs bench/cli.ts. Errors the user can act on print as one line and exit 1.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

// Dawn reads the Vulkan driver choice when it loads: the same choice as scripts/gpu-env.sh, made before that.
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
const files = (dir) => (existsSync(dir) ? readdirSync(dir) : []);
const nvidiaIcd =
  [...files('/usr/share/vulkan/icd.d'), ...files('/etc/vulkan/icd.d')].some((f) => f.startsWith('nvidia')) ||
  files('/usr/local/nvidia/share/vulkan/icd.d').length > 0;
if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(swiftshader) && !nvidiaIcd) {
  process.env.VK_ICD_FILENAMES = swiftshader;
}
process.env.XDG_RUNTIME_DIR ||= `/tmp/xdg-runtime-${process.getuid?.() ?? 0}`;
mkdirSync(process.env.XDG_RUNTIME_DIR, { recursive: true });

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
    server: { host: '127.0.0.1', port: 5190, strictPort: false, hmr: false, watch: null },
    optimizeDeps: {
      entries: ['index.html'], // crawled before the page loads, so it is not reloaded mid-run
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
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
