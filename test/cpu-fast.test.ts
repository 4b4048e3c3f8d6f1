import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createModel, paramLayout, targetsPerWindow, type ModelConfig } from '../src/model.js';
import { model_forward, model_forward_backward } from '../src/cpu/model.js';
import { adam_update } from '../src/cpu/adam.js';
import type { StepHyper } from '../src/engine.js';
import { FastModel, fastSpecOf } from '../src/cpu/fast.js';
import { CpuSession } from '../src/cpu/session.js';
import { openSession } from '../src/backend.js';
import { KernelWorker, type Job } from '../src/cpu/workers.js';
import { Rng } from '../src/rng.js';
import { relErr } from './helpers/compare.js';

// The fast Float32 path against the Float64 reference (itself checked against finite differences in
// cpu-reference.test.ts). Shapes cover the blocking remainders: B, H and I not multiples of 4, B = 1, T = 1.
const shapes: [string, ModelConfig, number, number][] = [
  ['1 layer mse, reference-like', { inputSize: 8, hiddenSize: 16, layers: 1, outputs: 1, loss: 'mse' }, 8, 12],
  ['the benchmark\'s reference shape', { inputSize: 8, hiddenSize: 64, layers: 1, outputs: 1, loss: 'mse' }, 64, 60],
  ['B=1 T=1 I=1', { inputSize: 1, hiddenSize: 4, layers: 1, outputs: 1, loss: 'mse' }, 1, 1],
  ['H=5 B=7 qlike', { inputSize: 3, hiddenSize: 5, layers: 1, outputs: 1, loss: 'qlike' }, 7, 6],
  ['2 layers qlike, 2 outputs', { inputSize: 2, hiddenSize: 7, layers: 2, outputs: 2, loss: 'qlike' }, 5, 9],
  ['3 layers mse', { inputSize: 4, hiddenSize: 6, layers: 3, outputs: 3, loss: 'mse' }, 6, 5],
  ['2 layers student-t', { inputSize: 3, hiddenSize: 5, layers: 2, outputs: 2, loss: 'student-t' }, 7, 6],
  ['3 layers of sizes 7, 4, 9', { inputSize: 3, hiddenSize: [7, 4, 9], layers: 3, outputs: 2, loss: 'mse' }, 5, 6],
  ['2 layers hard_sigmoid', { inputSize: 3, hiddenSize: 5, layers: 2, outputs: 1, loss: 'qlike', recurrentActivation: 'hard_sigmoid' }, 4, 7],
];

function problem(config: ModelConfig, B: number, T: number, seed = 7) {
  const rng = new Rng(seed);
  const params = Float32Array.from(createModel(config, 3).params, (v) => v + 0.1 * rng.normal());
  const x = Float32Array.from({ length: B * T * config.inputSize }, () => rng.normal());
  const y = Float32Array.from({ length: B * targetsPerWindow(config) }, () => (config.loss === 'qlike' ? 0.5 + rng.next() : rng.normal()));
  return { params, x, y };
}

const hyper = (t: number): StepHyper => ({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, clipNorm: 1, t });

describe('fast CPU path vs the Float64 reference', () => {
  for (const [name, config, B, T] of shapes) {
    it(`${name}: loss, every gradient, outputs`, () => {
      const { params, x, y } = problem(config, B, T);
      const layout = paramLayout(config);
      const ref = model_forward_backward(config, params, x, y, B, T);
      const fast = new FastModel(fastSpecOf(config, layout), T, B);
      const grads = new Float32Array(layout.size);
      const loss = fast.forwardBackward(params, x, y, B, grads);
      expect(Math.abs(loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
      for (const slot of layout.slots) {
        const range = [slot.offset, slot.offset + slot.size] as const;
        expect(relErr(grads.subarray(...range), ref.grads.subarray(...range)), slot.name).toBeLessThan(1e-4);
      }
      expect(relErr(fast.forward(params, x, B), ref.out)).toBeLessThan(1e-5);
    });
  }

  it('halves of a batch add up to the whole (the worker split)', () => {
    const [, config, B, T] = shapes[4];
    const { params, x, y } = problem(config, B, T);
    const layout = paramLayout(config), spec = fastSpecOf(config, layout);
    const whole = new Float32Array(layout.size), a = new Float32Array(layout.size), b = new Float32Array(layout.size);
    const loss = new FastModel(spec, T, B).forwardBackward(params, x, y, B, whole);
    const cut = 2, stride = T * config.inputSize, O = config.outputs;
    const la = new FastModel(spec, T, cut).forwardBackward(params, x.subarray(0, cut * stride), y.subarray(0, cut * O), cut, a, B);
    const lb = new FastModel(spec, T, B - cut).forwardBackward(params, x.subarray(cut * stride), y.subarray(cut * O), B - cut, b, B);
    expect(Math.abs(la + lb - loss) / loss).toBeLessThan(1e-6);
    expect(relErr(a.map((v, i) => v + b[i]), whole)).toBeLessThan(1e-6);
  });

  it('a model grows its buffers for a larger batch and still agrees', () => {
    const [, config, B, T] = shapes[0];
    const { params, x } = problem(config, B, T);
    const fast = new FastModel(fastSpecOf(config, paramLayout(config)), T, 1);
    expect(relErr(fast.forward(params, x, B), model_forward(config, params, x, B, T).out)).toBeLessThan(1e-5);
  });

  for (const [name, config, B, T] of [shapes[0], shapes[4]]) {
    it(`${name}: 20 Adam steps train alike`, () => {
      const { params, x, y } = problem(config, B, T, 11);
      const layout = paramLayout(config);
      const refParams = params.slice(), fastParams = params.slice();
      const m = [new Float32Array(layout.size), new Float32Array(layout.size)];
      const v = [new Float32Array(layout.size), new Float32Array(layout.size)];
      const fast = new FastModel(fastSpecOf(config, layout), T, B);
      const grads = new Float32Array(layout.size);
      for (let t = 1; t <= 20; t++) {
        const ref = model_forward_backward(config, refParams, x, y, B, T);
        adam_update(refParams, ref.grads, m[0], v[0], hyper(t));
        const loss = fast.forwardBackward(fastParams, x, y, B, grads);
        adam_update(fastParams, grads, m[1], v[1], hyper(t));
        expect(Math.abs(loss - ref.loss) / Math.abs(ref.loss), `step ${t}`).toBeLessThan(1e-3);
      }
      expect(relErr(fastParams, refParams)).toBeLessThan(1e-3);
    });
  }
});

describe('CpuSession (fast path, batch split across workers)', () => {
  const config: ModelConfig = { inputSize: 3, hiddenSize: 6, layers: 2, outputs: 1, loss: 'mse' };
  const B = 9, T = 7;

  for (const [threads, simd] of [[0, true], [2, true], [0, false], [2, false]] as const) {
    it(`${threads} threads, ${simd ? 'WebAssembly SIMD' : 'plain JS'} kernels: trains like the reference, forward and lossAndGradients agree`, async () => {
      const { params, x, y } = problem(config, B, T, 5);
      const layout = paramLayout(config);
      const session = new CpuSession(config, { batchSize: B, steps: T }, { threads, simd });
      try {
        session.setParams(params);
        const refParams = params.slice(), m = new Float32Array(layout.size), v = new Float32Array(layout.size);
        const want: number[] = [];
        for (let t = 1; t <= 12; t++) {
          session.trainStep(x, y, B, hyper(t));
          const ref = model_forward_backward(config, refParams, x, y, B, T);
          want.push(ref.loss);
          adam_update(refParams, ref.grads, m, v, hyper(t));
        }
        const got = await session.drainLosses();
        expect(got.length).toBe(12);
        got.forEach((loss, i) => expect(Math.abs(loss - want[i]) / want[i], `step ${i + 1}`).toBeLessThan(1e-3));
        expect(await session.drainLosses()).toEqual([]);
        expect(relErr(await session.readParams(), refParams)).toBeLessThan(1e-3);
        const cores = availableParallelism();
        expect(session.stats.kernelChoice.workers).toBe(String(Math.max(0, Math.min(threads, cores) - 1))); // the calling thread computes a slice too
        expect(session.stats.kernelChoice.workerError).toBeUndefined(); // no slice fell back to this thread
        expect(session.stats.kernelChoice.all).toBe(simd ? 'wasm-simd-f32' : 'js-f32'); // Node 20: SIMD without the relaxed ops

        const trained = await session.readParams();
        expect(relErr(await session.forward(x, B), model_forward(config, trained, x, B, T).out)).toBeLessThan(1e-5);
        expect(relErr(await session.forward(x.subarray(0, T * config.inputSize), 1), model_forward(config, trained, x, 1, T).out)).toBeLessThan(1e-5);
        // lossAndGradients runs the same fast path as training.
        const lg = await session.lossAndGradients(x, y, B), ref = model_forward_backward(config, trained, x, y, B, T);
        expect(Math.abs(lg.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
        for (const slot of layout.slots) {
          const range = [slot.offset, slot.offset + slot.size] as const;
          expect(relErr(lg.grads.subarray(...range), ref.grads.subarray(...range)), slot.name).toBeLessThan(1e-4);
        }
      } finally {
        session.destroy();
      }
    });
  }

  it('keeps call order: setParams between queued steps restarts from those weights with fresh moments', async () => {
    const { params, x, y } = problem(config, B, T, 5);
    const session = new CpuSession(config, { batchSize: B, steps: T }, { threads: 2 });
    try {
      session.setParams(params);
      session.trainStep(x, y, B, hyper(1));
      const afterOne = session.readParams();
      session.trainStep(x, y, B, hyper(2));
      session.setParams(params);
      session.trainStep(x, y, B, hyper(1));
      const [a, , c] = await session.drainLosses();
      expect(c).toBe(a);
      expect(relErr(await afterOne, await session.readParams())).toBe(0);
    } finally {
      session.destroy();
    }
  });

  it('a smaller last batch and a batch larger than the session shape both work', async () => {
    const { params, x, y } = problem(config, B, T, 5);
    const session = new CpuSession(config, { batchSize: 4, steps: T }, { threads: 2 });
    try {
      session.setParams(params);
      session.trainStep(x, y, 3, hyper(1));
      session.trainStep(x, y, B, hyper(2));
      const [l3] = await session.drainLosses();
      expect(Math.abs(l3 - model_forward_backward(config, params, x, y, 3, T).loss) / l3).toBeLessThan(1e-5);
      expect(relErr(await session.forward(x, B), model_forward(config, await session.readParams(), x, B, T).out)).toBeLessThan(1e-5);
    } finally {
      session.destroy();
    }
  });

  it('destroy terminates the workers; a destroyed session still answers, on the calling thread', async () => {
    const { params, x, y } = problem(config, B, T, 5);
    const session = new CpuSession(config, { batchSize: B, steps: T }, { threads: 2 });
    session.setParams(params);
    const before = await session.forward(x, B);
    const workers = await (session as unknown as { workers: Promise<KernelWorker[]> }).workers;
    session.destroy();
    await Promise.resolve();
    expect(workers.every((w) => !w.alive)).toBe(true);
    expect(relErr(await session.forward(x, B), before)).toBe(0);
    session.trainStep(x, y, B, hyper(1));
    expect(await session.drainLosses()).toHaveLength(1);
  });

  it('a failed step is reported by every later call that waits, never as an unhandled rejection', async () => {
    const { params, x, y } = problem(config, B, T, 5);
    const session = new CpuSession(config, { batchSize: B, steps: T }, { threads: 0 });
    session.setParams(params);
    await session.readParams(); // the session has chosen its kernels and made its model
    (session as unknown as { local: FastModel }).local.forwardBackward = () => {
      throw new Error('kernel failed');
    };
    session.trainStep(x, y, B, hyper(1));
    await expect(session.drainLosses()).rejects.toThrow('kernel failed');
    await expect(session.readParams()).rejects.toThrow('kernel failed');
    session.destroy();
  });

  it('a worker that throws rejects its job with the error', async () => {
    const layout = paramLayout(config);
    const [w] = await KernelWorker.start(2, fastSpecOf(config, layout), T, B, null);
    try {
      await expect(w.run({ params: new Float32Array(0), x: new Float32Array(0), y: null, b: B, meanOver: B })).resolves.toHaveProperty('out');
      const bad = { params: null, x: new Float32Array(0), y: new Float32Array(1), b: B, meanOver: B } as unknown as Job;
      await expect(w.run(bad)).rejects.toThrow(/null/);
      expect(w.alive).toBe(true);
    } finally {
      w.terminate();
    }
    expect(w.alive).toBe(false);
    await expect(w.run({ params: new Float32Array(0), x: new Float32Array(0), y: null, b: 1, meanOver: 1 })).rejects.toThrow('terminated');
  });
});

describe("backend: 'reference'", () => {
  it('is the Float64 model and its Adam, step for step', async () => {
    const config: ModelConfig = { inputSize: 3, hiddenSize: 5, layers: 2, outputs: 2, loss: 'qlike' };
    const B = 4, T = 5;
    const { params, x, y } = problem(config, B, T, 9);
    const session = await openSession('reference', config, { batchSize: B, steps: T });
    expect(session.stats.backend).toBe('reference');
    session.setParams(params);
    const lg = await session.lossAndGradients(x, y, B), ref = model_forward_backward(config, params, x, y, B, T);
    expect(lg.loss).toBe(ref.loss);
    expect(relErr(lg.grads, ref.grads)).toBeLessThan(1e-7); // Float64 gradients rounded once to Float32
    const size = paramLayout(config).size, refParams = params.slice(), m = new Float32Array(size), v = new Float32Array(size);
    for (let t = 1; t <= 3; t++) {
      session.trainStep(x, y, B, hyper(t));
      adam_update(refParams, model_forward_backward(config, refParams, x, y, B, T).grads, m, v, hyper(t));
    }
    expect(await session.drainLosses()).toHaveLength(3);
    expect(await session.readParams()).toEqual(refParams);
    expect(Array.from(await session.forward(x, 2))).toEqual(Array.from(Float32Array.from(model_forward(config, refParams, x, 2, T).out)));
    session.destroy();
  });
});
