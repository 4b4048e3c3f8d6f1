import { describe, expect, it } from 'vitest';
import { openSession } from '../src/backend.js';
import type { Session } from '../src/engine.js';
import { UserError } from '../src/errors.js';
import { createModel, modelFromJSON, modelToJSON, paramLayout, type ModelConfig } from '../src/model.js';
import { lossAndGradients } from '../src/train/lossAndGradients.js';
import { predict, train } from '../src/train/trainer.js';
import { Rng } from '../src/rng.js';
import { requireGpu } from './helpers/gpu.js';
import { garchWindows } from './helpers/synthetic.js';

const config: ModelConfig = { inputSize: 2, hiddenSize: 16, layers: 2, outputs: 1, loss: 'mse' };

describe('training', () => {
  it('GPU and CPU agree over 50 Adam steps from the same weights and batches', async () => {
    await requireGpu();
    const B = 8, T = 10;
    const data = garchWindows(B * 50, T, 9);
    const model = createModel(config, 4);
    const run = async (session: Session) => {
      session.setParams(model.params);
      const hp = { learningRate: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 1e-4, clipNorm: 1, t: 0 };
      for (let s = 0; s < 50; s++) {
        const x = data.x.subarray(s * B * T * 2, (s + 1) * B * T * 2), y = data.y.subarray(s * B, (s + 1) * B);
        session.trainStep(x, y, B, { ...hp, t: s + 1 });
      }
      const losses = await session.drainLosses();
      session.destroy();
      return losses;
    };
    const cpu = await run(await openSession('cpu', config, { batchSize: B, steps: T }));
    const gpu = await run(await openSession('webgpu', config, { batchSize: B, steps: T }));
    expect(gpu).toHaveLength(50);
    for (let s = 0; s < 50; s++) expect(Math.abs(gpu[s] - cpu[s]) / Math.abs(cpu[s]), `step ${s + 1}`).toBeLessThan(1e-3);
  });

  for (const backend of ['webgpu', 'cpu'] as const) {
    it(`learns a GARCH-like series on ${backend}: validation MSE well below the naive forecast`, async () => {
      const data = garchWindows(640, 20);
      const model = createModel({ ...config, layers: 1 }, 2);
      const seen: number[] = [];
      const result = await train(model, data, {
        backend, epochs: 12, batchSize: 32, learningRate: 5e-3, validationSplit: 0.25, patience: 4,
        onProgress: (p) => p.phase === 'epoch' && seen.push(p.epoch),
      });
      const val = { x: data.x.subarray(480 * 20 * 2), y: data.y.subarray(480), count: 160, steps: 20 };
      const out = await predict(model, val, { backend });
      const mse = out.reduce((s, v, i) => s + (v - val.y[i]) ** 2, 0) / val.count;
      const naive = garchWindows(640, 20).naiveMse;
      expect(result.history.length).toBe(seen.length);
      expect(result.bestValLoss).toBeCloseTo(mse, 3); // best weights restored
      expect(mse).toBeLessThan(0.75 * naive);
    });
  }

  it('one open session serves several trainings and predictions: the same weights and outputs as a session each', async () => {
    const data = garchWindows(256, 10, 3);
    const options = { backend: 'cpu' as const, epochs: 2, batchSize: 16, validationSplit: 0.25 };
    const fresh = [createModel(config, 5), createModel(config, 6)];
    for (const m of fresh) await train(m, data, options);
    const freshOut = await predict(fresh[1], data, { backend: 'cpu', batchSize: 16 });
    const session = await openSession('cpu', config, { batchSize: 16, steps: 10 });
    try {
      const shared = [createModel(config, 5), createModel(config, 6)];
      for (const m of shared) await train(m, data, { ...options, session });
      expect(shared[0].params).toEqual(fresh[0].params);
      expect(shared[1].params).toEqual(fresh[1].params);
      expect(await predict(shared[1], data, { backend: 'cpu', batchSize: 16, session })).toEqual(freshOut);
    } finally {
      session.destroy();
    }
  });

  it('validateStart: a warm start whose epochs only worsen the validation loss keeps the weights it started from', async () => {
    const data = garchWindows(320, 10);
    const cut = 240 * 10 * 2;
    const fit = { x: data.x.subarray(0, cut), y: data.y.subarray(0, 240), count: 240, steps: 10 };
    const validation = { x: data.x.subarray(cut), y: data.y.subarray(240), count: 80, steps: 10 };
    const options = { backend: 'cpu' as const, epochs: 6, batchSize: 16, learningRate: 5e-3, validation, patience: 2 };
    const model = createModel({ ...config, layers: 1 }, 2);
    await train(model, fit, options);
    // Training windows whose targets point the wrong way: every epoch on them moves away from the validation windows.
    const wrong = { ...fit, y: fit.y.map((v) => -3 * v) };
    const start = model.params.slice();
    const kept = await train(model, wrong, { ...options, validateStart: true });
    expect(kept.bestEpoch).toBe(0);
    expect(kept.stopReason).toBe('early-stopped');
    expect(model.params).toEqual(start);
    // Without it the best of the worse epochs is taken, as a fit from scratch must (its starting weights are random).
    const taken = await train(model, wrong, options);
    expect(taken.bestEpoch).toBeGreaterThan(0);
    expect(taken.bestValLoss!).toBeGreaterThan(kept.bestValLoss!);
    // From random weights the epochs win as before.
    const fresh = await train(createModel({ ...config, layers: 1 }, 2), fit, { ...options, validateStart: true });
    expect(fresh.bestEpoch).toBeGreaterThan(0);
  });

  it('stops on an AbortSignal and keeps the weights', async () => {
    const data = garchWindows(256, 10);
    const model = createModel({ ...config, layers: 1 }, 2);
    const controller = new AbortController();
    const result = await train(model, data, {
      backend: 'webgpu', epochs: 50, batchSize: 16, lossReadEvery: 1,
      onProgress: (p) => p.step >= 3 && controller.abort(),
      signal: controller.signal,
    });
    expect(result.stopReason).toBe('aborted');
    expect(result.history.length).toBeLessThanOrEqual(1);
    expect(model.params.every(Number.isFinite)).toBe(true);
  });

  it('a diverging loss stops training with a clear error and keeps the last good weights', async () => {
    const data = garchWindows(128, 10);
    data.y.fill(1e30); // squares to infinity in the loss
    const model = createModel({ ...config, layers: 1 }, 2);
    const before = model.params.slice();
    await expect(train(model, data, { backend: 'webgpu', epochs: 2, batchSize: 16 })).rejects.toThrow(/diverged.*last good weights/);
    expect(model.params).toEqual(before);
  });

  it('saves and loads a model as one validated JSON file', () => {
    const model = createModel(config, 8);
    const { model: back, extra } = modelFromJSON(modelToJSON(model, { note: 'x' }));
    expect(back.params).toEqual(model.params);
    expect(back.config).toEqual(model.config);
    expect(extra).toEqual({ note: 'x' });
    expect(() => modelFromJSON('{')).toThrow(/not valid JSON/);
    expect(() => modelFromJSON('{"format":"other"}')).toThrow(/not a webgpu-lstm model/);
    const sized = createModel({ ...config, hiddenSize: [5, 3] }, 2); // a hidden size per layer
    expect(modelFromJSON(modelToJSON(sized)).model).toEqual(sized);
    expect(paramLayout(sized.config).denseKernel.shape).toEqual([3, 1]);
    const doc = JSON.parse(modelToJSON(model));
    doc.tensors['layers.0.bias'].values.pop();
    expect(() => modelFromJSON(JSON.stringify(doc))).toThrow(/layers.0.bias.*shape/);
  });
});

describe('bad input is a clear error', () => {
  const one = { inputSize: 2, hiddenSize: 4 };
  const rng = new Rng(1);
  const params = () => {
    const m = createModel({ ...one, layers: 1, outputs: 1, loss: 'mse' }, 1);
    return { ...one, kernel: m.params.slice(0, 32), recurrentKernel: m.params.slice(32, 96), bias: m.params.slice(96, 112), denseKernel: m.params.slice(112, 116), denseBias: m.params.slice(116, 117) };
  };
  const batch = () => ({ x: Float32Array.from({ length: 2 * 3 * 2 }, () => rng.normal()), y: [0.5, 1], batchSize: 2, steps: 3 });

  for (const backend of ['reference', 'cpu', 'webgpu'] as const) {
    it(`rejects wrong shapes, NaN, empty batches and hidden size 0 (${backend})`, async () => {
      await expect(lossAndGradients(params(), { ...batch(), x: new Float32Array(5) }, { backend })).rejects.toThrow(/batch.x has 5 values.*needs 12/);
      await expect(lossAndGradients({ ...params(), kernel: new Float32Array(3) }, batch(), { backend })).rejects.toThrow(/layers.0.kernel has 3 values, expected 32/);
      const withNaN = batch();
      withNaN.x[4] = NaN;
      await expect(lossAndGradients(params(), withNaN, { backend })).rejects.toThrow(/non-finite/);
      await expect(lossAndGradients(params(), { ...batch(), batchSize: 0, x: [], y: [] }, { backend })).rejects.toThrow(/batchSize must be a positive integer/);
      await expect(lossAndGradients({ ...params(), hiddenSize: 0 }, batch(), { backend })).rejects.toThrow(/hiddenSize must be a positive integer/);
      await expect(lossAndGradients(params(), { ...batch(), y: [0, 1] }, { backend, loss: 'qlike' })).rejects.toThrow(/positive for the QLIKE/);
      await expect(lossAndGradients(params(), batch(), { backend })).resolves.toBeTruthy();
    });
  }

  it('rejects bad training options with UserError', async () => {
    const model = createModel({ ...one, layers: 1, outputs: 1, loss: 'mse' }, 1);
    const data = { x: new Float32Array(12), y: new Float32Array(2), count: 2, steps: 3 };
    await expect(train(model, data, { backend: 'cpu', epochs: 0 })).rejects.toBeInstanceOf(UserError);
    await expect(train(model, { ...data, count: 0, x: new Float32Array(0), y: new Float32Array(0) }, { backend: 'cpu' })).rejects.toThrow(/no windows/);
    await expect(train(model, data, { backend: 'cpu', learningRate: -1 })).rejects.toThrow(/learningRate/);
    expect(() => createModel({ ...one, hiddenSize: [4, 3], layers: 3, outputs: 1, loss: 'mse' }, 1)).toThrow(/hiddenSize lists 2 sizes for 3 layers/);
    expect(() => createModel({ ...one, hiddenSize: [4, 0], layers: 2, outputs: 1, loss: 'mse' }, 1)).toThrow(/hiddenSize must hold positive integers \(got \[4,0\]\)/);
    expect(() => createModel({ ...one, layers: 1, outputs: 1, loss: 'mse', recurrentActivation: 'relu' as never }, 1)).toThrow(/recurrentActivation must be 'sigmoid' or 'hard_sigmoid' \(got relu\)/);
  });
});
