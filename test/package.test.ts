import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

// The built package (npm run build, which the test command runs first) as its users meet it: imported by name
// from Node through package.json `exports` (the root, `webgpu-lstm/engine`, `webgpu-lstm/finance`), bundled for the
// browser, and its CLI launched from bin/.
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

  it('imports the engine and the finance layer alone through their subpaths', async () => {
    const script = `
      const engine = await import('webgpu-lstm/engine');
      const finance = await import('webgpu-lstm/finance');
      console.log(JSON.stringify({ train: typeof engine.train, engineGarch: typeof engine.fitGarch, fitGarch: typeof finance.fitGarch, financeTrain: typeof finance.train }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ train: 'function', engineGarch: 'undefined', fitGarch: 'function', financeTrain: 'undefined' });
  });

  it('ships type declarations for the package root and both subpaths', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const text = (subpath: string) => {
      const types = join(root, pkg.exports[subpath].types);
      expect(existsSync(types), subpath).toBe(true);
      return readFileSync(types, 'utf8');
    };
    expect(text('.')).toContain("export * from './engineApi.js'");
    expect(text('.')).toContain("export * from './finance/index.js'");
    for (const name of ['lossAndGradients', 'train', 'predict', 'createModel', 'openSession']) expect(text('./engine')).toContain(name);
    expect(text('./finance')).toContain('fitGarch');
  });

  /** The browser bundle of an app whose only code is `source`, with every dependency bundled in. */
  async function bundle(source: string): Promise<string> {
    const cache = join(root, 'node_modules', '.cache'); // under the root, so 'webgpu-lstm' resolves
    mkdirSync(cache, { recursive: true });
    const entry = join(cache, `package-test-entry-${process.pid}.js`);
    writeFileSync(entry, source);
    try {
      const out = await build({
        root,
        configFile: false,
        logLevel: 'silent',
        build: { write: false, lib: { entry, formats: ['es'], fileName: 'bundle' }, rollupOptions: { external: [] } },
      });
      return (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : [])).map((c) => ('code' in c ? c.code : '')).join('\n');
    } finally {
      rmSync(entry, { force: true });
    }
  }

  it('bundles for the browser without pulling in Dawn for Node', async () => {
    const code = await bundle("import { lossAndGradients, train } from 'webgpu-lstm';\nconsole.log(lossAndGradients, train);\n");
    expect(code).toContain('lossAndGradients');
    expect(code).toMatch(/@compute/); // the WGSL travels inside the bundle
    expect(code).not.toMatch(/dawn\.node/);
  });

  it('bundles an app that imports only the engine with no finance code and no data package', async () => {
    const code = await bundle("import { train, predict, createModel } from 'webgpu-lstm/engine';\nconsole.log(train, predict, createModel);\n");
    expect(code).toMatch(/has no windows/); // train's own checks
    expect(code).toMatch(/@compute/);
    // GARCH, the VaR backtests, CSV parsing (papaparse), the statistics library (jstat) and the bundled S&P 500 file
    expect(code).not.toMatch(/garch|kupiec|christoffersen|papaparse|jstat|vega-datasets|sp500/i);
  });

  it('runs the CLI from bin/', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'bin', 'webgpu-lstm.js'), '--help'], { cwd: dir });
    expect(stdout).toMatch(/^Usage: webgpu-lstm <command>/);
    expect(stdout).toMatch(/train +fit the LSTM/);
    expect(stdout).toMatch(/predict +forecast/);
  });
});
