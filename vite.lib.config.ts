import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

// The importable package: ESM for Node and bundlers, shader text inlined (?raw), dependencies left external.
const external = [...Object.keys(pkg.dependencies), ...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default defineConfig({
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: { entry: { index: 'src/index.ts', engine: 'src/engineApi.ts', finance: 'src/finance/index.ts', cli: 'src/cli/main.ts' }, formats: ['es'] },
    rollupOptions: { external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)) },
  },
});
