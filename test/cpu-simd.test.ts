import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createModel, paramLayout, type ModelConfig } from '../src/model.js';
import { model_forward, model_forward_backward } from '../src/cpu/model.js';
import { adam_update } from '../src/cpu/adam.js';
import type { StepHyper } from '../src/engine.js';
import * as fast from '../src/cpu/fast.js';
import { SimdModel, instantiateLstmWasm } from '../src/cpu/simd.js';
import { compileLstmWasm } from '../src/cpu/simdModule.js';
import { Rng } from '../src/rng.js';
import { relErr } from './helpers/compare.js';
// @ts-expect-error: a plain .mjs script without types
import { generated, OUTPUT } from '../scripts/build-wasm.mjs';

// The WebAssembly SIMD path against the Float64 reference (checked against finite differences in
// cpu-reference.test.ts). Shapes cover the 4x8 tiles' edges: B, H, I not multiples of 4 or 8, B = 1, T = 1, and
// more rows than one 256-row block of the weight-gradient GEMMs.
const shapes: [string, ModelConfig, number, number][] = [
  ['1 layer mse, reference-like', { inputSize: 8, hiddenSize: 16, layers: 1, outputs: 1, loss: 'mse' }, 8, 12],
  ['the benchmark reference shape', { inputSize: 8, hiddenSize: 64, layers: 1, outputs: 1, loss: 'mse' }, 64, 60],
  ['B=1 T=1 I=1', { inputSize: 1, hiddenSize: 4, layers: 1, outputs: 1, loss: 'mse' }, 1, 1],
  ['H=5 B=7 qlike', { inputSize: 3, hiddenSize: 5, layers: 1, outputs: 1, loss: 'qlike' }, 7, 6],
  ['H=13 B=9 I=11', { inputSize: 11, hiddenSize: 13, layers: 1, outputs: 1, loss: 'mse' }, 9, 30],
  ['2 layers qlike, 2 outputs', { inputSize: 2, hiddenSize: 7, layers: 2, outputs: 2, loss: 'qlike' }, 5, 9],
  ['3 layers mse, 3 outputs', { inputSize: 4, hiddenSize: 6, layers: 3, outputs: 3, loss: 'mse' }, 6, 5],
  ['H=128 2 layers', { inputSize: 8, hiddenSize: 128, layers: 2, outputs: 1, loss: 'mse' }, 6, 10],
  ['3 layers of sizes 9, 4, 6', { inputSize: 3, hiddenSize: [9, 4, 6], layers: 3, outputs: 2, loss: 'mse' }, 5, 7],
  ['hard_sigmoid, sizes 8, 7 (vector and scalar units)', { inputSize: 3, hiddenSize: [8, 7], layers: 2, outputs: 1, loss: 'qlike', recurrentActivation: 'hard_sigmoid' }, 6, 8],
];

function problem(config: ModelConfig, B: number, T: number, seed = 7) {
  const rng = new Rng(seed);
  const params = Float32Array.from(createModel(config, 3).params, (v) => v + 0.1 * rng.normal());
  const x = Float32Array.from({ length: B * T * config.inputSize }, () => rng.normal());
  const y = Float32Array.from({ length: B * config.outputs }, () => (config.loss === 'qlike' ? 0.5 + rng.next() : rng.normal()));
  return { params, x, y };
}

async function simdModel(config: ModelConfig, T: number, capacity: number): Promise<SimdModel> {
  const compiled = await compileLstmWasm();
  if (!compiled) throw new Error('this Node has no WebAssembly SIMD');
  return new SimdModel(fast.fastSpecOf(config, paramLayout(config)), T, capacity, instantiateLstmWasm(compiled.module), fast);
}

const hyper = (t: number): StepHyper => ({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, clipNorm: 1, t });

describe('WebAssembly SIMD CPU path vs the Float64 reference', () => {
  it('the committed src/cpu/lstmWasm.ts is what wasm/lstm_cpu.ts compiles to', async () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(await generated());
  });

  for (const [name, config, B, T] of shapes) {
    it(`${name}: loss, every gradient, outputs`, async () => {
      const { params, x, y } = problem(config, B, T);
      const layout = paramLayout(config);
      const ref = model_forward_backward(config, params, x, y, B, T);
      const simd = await simdModel(config, T, B);
      const grads = new Float32Array(layout.size);
      const loss = simd.forwardBackward(params, x, y, B, grads);
      expect(Math.abs(loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
      for (const slot of layout.slots) {
        const range = [slot.offset, slot.offset + slot.size] as const;
        expect(relErr(grads.subarray(...range), ref.grads.subarray(...range)), slot.name).toBeLessThan(1e-4);
      }
      expect(relErr(simd.forward(params, x, B), ref.out)).toBeLessThan(1e-5);
    });
  }

  it('slices of a batch add up to the whole (the worker split)', async () => {
    const [, config, B, T] = shapes[5];
    const { params, x, y } = problem(config, B, T);
    const layout = paramLayout(config);
    const whole = new Float32Array(layout.size), a = new Float32Array(layout.size), b = new Float32Array(layout.size);
    const loss = (await simdModel(config, T, B)).forwardBackward(params, x, y, B, whole);
    const cut = 2, stride = T * config.inputSize, O = config.outputs;
    const la = (await simdModel(config, T, cut)).forwardBackward(params, x.subarray(0, cut * stride), y.subarray(0, cut * O), cut, a, B);
    const lb = (await simdModel(config, T, B - cut)).forwardBackward(params, x.subarray(cut * stride), y.subarray(cut * O), B - cut, b, B);
    expect(Math.abs(la + lb - loss) / loss).toBeLessThan(1e-6);
    expect(relErr(a.map((v, i) => v + b[i]), whole)).toBeLessThan(1e-6);
  });

  it('a model grows its memory for a larger batch and still agrees', async () => {
    const [, config, B, T] = shapes[0];
    const { params, x } = problem(config, B, T);
    const simd = await simdModel(config, T, 1);
    expect(relErr(simd.forward(params, x, B), model_forward(config, params, x, B, T).out)).toBeLessThan(1e-5);
  });

  it('20 Adam steps train alike (2 layers)', async () => {
    const [, config, B, T] = shapes[5];
    const { params, x, y } = problem(config, B, T, 11);
    const layout = paramLayout(config);
    const refParams = params.slice(), simdParams = params.slice();
    const m = [new Float32Array(layout.size), new Float32Array(layout.size)];
    const v = [new Float32Array(layout.size), new Float32Array(layout.size)];
    const simd = await simdModel(config, T, B);
    const grads = new Float32Array(layout.size);
    for (let t = 1; t <= 20; t++) {
      adam_update(refParams, Float32Array.from(model_forward_backward(config, refParams, x, y, B, T).grads), m[0], v[0], hyper(t));
      simd.forwardBackward(simdParams, x, y, B, grads);
      adam_update(simdParams, grads, m[1], v[1], hyper(t));
    }
    expect(relErr(simdParams, refParams)).toBeLessThan(1e-4);
  });

  it('the relaxed-SIMD build (fused multiply-add) computes the same GEMM, where a runtime runs it', () => {
    // Node 20 runs relaxed SIMD only behind a flag, so a child Node with the flag checks that build's GEMM
    // against a plain loop (Chromium runs that build in the page and the benchmark).
    const script = `
      const b64 = require('fs').readFileSync(${JSON.stringify(OUTPUT)}, 'utf8').match(/relaxedSimd: '([^']+)'/)[1];
      const w = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(b64, 'base64')), { env: { abort() { throw new Error('abort'); } } }).exports;
      const M = 7, N = 13, K = 300, base = (w.heapBase() + 15) & ~15;
      w.memory.grow(8);
      const f = new Float32Array(w.memory.buffer, base, M * K + K * N + M * N);
      for (let i = 0; i < f.length; i++) f[i] = Math.sin(i);
      const a = base, b = a + 4 * M * K, c = b + 4 * K * N;
      w.gemm(c, N, a, K, 1, b, N, M, N, K, true);
      let worst = 0;
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let s = Math.sin(M * K + K * N + m * N + n);
        for (let k = 0; k < K; k++) s += Math.sin(m * K + k) * Math.sin(M * K + k * N + n);
        worst = Math.max(worst, Math.abs(f[M * K + K * N + m * N + n] - s) / (1 + Math.abs(s)));
      }
      console.log(worst);`;
    const worst = Number(execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', script], { encoding: 'utf8' }));
    expect(worst).toBeLessThan(1e-5);
  });
});
