import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainingFlopsPerStep } from '../bench/flops.js';

// `npm run bench -- --quick` end to end: it must work and its JSON must make sense. No speed is asserted here:
// a benchmark is never a timed test; the targets are printed by the benchmark itself.

function bench(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['bench/run.mjs', ...args], { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('benchmark', () => {
  it('counts 409 MFLOP per step at the reference shape', () => {
    const flops = trainingFlopsPerStep({ inputSize: 8, hiddenSize: 64, layers: 1, outputs: 1, steps: 60, batch: 64 });
    expect(flops / 1e6).toBeCloseTo(409, 0);
    // linear in T and B, so per-row and per-step counts agree
    const perRow = trainingFlopsPerStep({ inputSize: 8, hiddenSize: 64, layers: 1, outputs: 1, steps: 60, batch: 1 });
    expect(perRow * 64).toBe(flops);
  });

  it('rejects an unknown flag with one line and a non-zero exit', async () => {
    const r = await bench(['--fast']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/unknown argument '--fast'.*--quick/)]);
  });

  it('says what to install when the browser is missing', async () => {
    const r = await bench(['--quick'], { PUPPETEER_EXECUTABLE_PATH: '/nonexistent/chrome' });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/no browser at \/nonexistent\/chrome.*apt-get install -y chromium.*--node/)]);
  });

  it('--quick runs all five contenders and the sweep, and writes sane JSON and an SVG', async () => {
    const json = join(dir, 'bench.json');
    const r = await bench(['--quick', '--json', json]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.adapter).toMatchObject({ vendor: expect.any(String), architecture: expect.any(String), description: expect.any(String) });
    expect(report.config).toMatchObject({ hiddenSize: 64, steps: 20, inputSize: 8, batchSize: 64, layers: 1, outputs: 1, quick: true });
    expect(report.results.map((x: { name: string }) => x.name)).toEqual(['engine-webgpu', 'engine-cpu', 'tfjs-webgpu', 'tfjs-cpu', 'tfjs-wasm']);
    for (const x of report.results) {
      expect(x.error, x.name).toBeUndefined();
      expect(x.backend).toBe(x.name.split('-')[1]); // webgpu, cpu or wasm
      expect(x.secondsPerEpoch).toBeGreaterThan(0);
      expect(x.samplesPerSecond * x.secondsPerEpoch).toBeCloseTo(report.config.samples, 6);
      expect(x.epochSeconds).toHaveLength(report.config.epochs);
      expect(Number.isFinite(x.finalLoss) && x.finalLoss > 0 && x.finalLoss < 10, `${x.name} loss ${x.finalLoss}`).toBe(true);
    }
    const gpu = report.results[0];
    expect(gpu.dispatchesPerStep).toBeGreaterThan(0);
    expect(gpu.submitsPerStep).toBeGreaterThan(0);
    expect(gpu.gflops).toBeCloseTo((report.config.flopsPerStep * (report.config.samples / 64)) / gpu.secondsPerEpoch / 1e9, 6);
    expect(Object.keys(gpu.kernelChoice).length).toBeGreaterThan(0);
    expect(report.host.simdCeiling.gflopsPerThread).toBeGreaterThan(0); // the CPU path's ceiling, measured in the same page
    expect(r.stdout).toMatch(/WebAssembly SIMD ceiling .*GFLOP\/s per thread; engine-cpu reached/);
    const wasm = report.results[4];
    // COOP/COEP make the page cross-origin isolated: the bench tries one thread (the SIMD build) and more (threaded)
    expect(wasm.wasm.build).toBe(wasm.wasm.threads > 1 ? 'threaded-simd' : 'simd');
    expect(wasm.wasm.tried.map((t: { threads: number }) => t.threads)).toContain(wasm.wasm.threads);
    if (cpus().length > 1) expect(Math.max(...wasm.wasm.tried.map((t: { threads: number }) => t.threads))).toBe(Math.min(8, cpus().length));
    expect(r.stdout).toMatch(/tfjs-wasm: (threaded-)?simd build, \d+ thread\(s\) \(tried: 1 thread\(s\) /);
    expect(report.sweep.map((p: { contender: string }) => p.contender)).toEqual(expect.arrayContaining(['engine-webgpu', 'engine-cpu', 'tfjs-wasm']));
    expect(report.sweep.length).toBeGreaterThanOrEqual(4);
    for (const p of report.sweep) {
      expect(p.error, `T=${p.T} H=${p.H} B=${p.B}`).toBeUndefined();
      expect(p.msPerStep).toBeGreaterThan(0);
      expect(p.gflops).toBeGreaterThan(0);
    }
    expect(report.checks).toHaveLength(7);
    // --quick sweeps H only at 64: the targets at H = 128 and 256 are not measured; every other one is
    const measured = report.checks.filter((k: { name: string }) => !/H=(128|256)/.test(k.name));
    expect(measured).toHaveLength(5);
    for (const k of measured) expect(typeof k.pass).toBe('boolean');
    for (const name of ['engine-webgpu', 'engine-cpu', 'tfjs-webgpu', 'tfjs-cpu', 'tfjs-wasm', 'PASS|FAIL']) expect(r.stdout).toMatch(new RegExp(name));
    const svgPath = json.replace(/\.json$/, '.svg');
    expect(existsSync(svgPath)).toBe(true);
    expect(readFileSync(svgPath, 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
  });
});
