import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

// The built package (npm run build, which the test command runs first) as its users meet it: imported by name
// from Node through package.json `exports`, bundled for the browser, and its CLI launched from bin/.
const run = promisify(execFile);
const root = resolve(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'package-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the built package', () => {
  it('imports by name in Node and trains one CPU step through lossAndGradients', async () => {
    // Inside the package folder Node resolves its own name through `exports` (self-reference).
    const script = `
      import { lossAndGradients, fitGarch, createModel, modelToJSON, modelFromJSON } from 'webgpu-lstm';
      const H = 3, I = 2;
      const zeros = (n) => new Array(n).fill(0.1);
      const { loss, grads } = await lossAndGradients(
        { inputSize: I, hiddenSize: H, kernel: zeros(I * 4 * H), recurrentKernel: zeros(H * 4 * H), bias: zeros(4 * H), denseKernel: zeros(H), denseBias: [0] },
        { x: [1, 2, 3, 4], y: [0.5], batchSize: 1, steps: 2 },
        { backend: 'cpu' },
      );
      const model = createModel({ inputSize: I, hiddenSize: H, layers: 1, outputs: 1, loss: 'mse' }, 1);
      const back = modelFromJSON(modelToJSON(model)).model;
      console.log(JSON.stringify({ loss, kernel: grads.kernel.length, fitGarch: typeof fitGarch, same: back.params.every((v, i) => v === model.params[i]) }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out.loss).toBeGreaterThan(0);
    expect(out.kernel).toBe(24);
    expect(out.fitGarch).toBe('function');
    expect(out.same).toBe(true);
  });

  it('ships type declarations for the package root', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const types = join(root, pkg.exports['.'].types);
    expect(existsSync(types)).toBe(true);
    const text = readFileSync(types, 'utf8');
    for (const name of ['lossAndGradients', 'train', 'predict', 'createModel']) expect(text).toContain(name);
    expect(text).toContain("export * from './finance/index.js'");
    expect(readFileSync(join(types, '..', 'finance', 'index.d.ts'), 'utf8')).toContain('fitGarch');
  });

  it('bundles for the browser without pulling in Dawn for Node', async () => {
    const cache = join(root, 'node_modules', '.cache'); // under the root, so 'webgpu-lstm' resolves
    mkdirSync(cache, { recursive: true });
    const entry = join(cache, 'package-test-entry.js');
    writeFileSync(entry, "import { lossAndGradients, train } from 'webgpu-lstm';\nconsole.log(lossAndGradients, train);\n");
    try {
      const out = await build({
        root,
        configFile: false,
        logLevel: 'silent',
        build: { write: false, lib: { entry, formats: ['es'], fileName: 'bundle' }, rollupOptions: { external: [] } },
      });
      const code = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : [])).map((c) => ('code' in c ? c.code : '')).join('\n');
      expect(code).toContain('lossAndGradients');
      expect(code).toMatch(/@compute/); // the WGSL travels inside the bundle
      expect(code).not.toMatch(/dawn\.node/);
    } finally {
      rmSync(entry, { force: true });
    }
  });

  it('runs the CLI from bin/', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'bin', 'webgpu-lstm.js'), '--help'], { cwd: dir });
    expect(stdout).toMatch(/^Usage: webgpu-lstm <command>/);
    expect(stdout).toMatch(/train +fit the LSTM/);
    expect(stdout).toMatch(/predict +forecast/);
  });
});
