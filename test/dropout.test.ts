import { describe, expect, it } from 'vitest';
import { openSession } from '../src/backend.js';
import { model_forward, model_forward_backward } from '../src/cpu/model.js';
import { FastModel, fastSpecOf } from '../src/cpu/fast.js';
import { CpuSession } from '../src/cpu/session.js';
import { drawDropoutMasks, sliceDropoutMasks } from '../src/dropout.js';
import type { DropoutMasks } from '../src/engine.js';
import { UserError } from '../src/errors.js';
import { createModel, layerHiddenSize, layerInputSize, modelFromJSON, modelToJSON, paramLayout, validateConfig, type ModelConfig } from '../src/model.js';
import { Rng } from '../src/rng.js';
import { predict, train } from '../src/train/trainer.js';
import { parse, riskOptions, TRAIN_OPTIONS, UsageError } from '../src/cli/options.js';
import { trainMembers } from '../src/finance/lstm.js';
import { DEFAULT_RISK_OPTIONS, resolveRiskOptions } from '../src/finance/options.js';
import { relErr } from './helpers/compare.js';
import { requireGpu } from './helpers/gpu.js';
import { garchWindows } from './helpers/synthetic.js';
import { centralDifferences } from './finiteDifferences.js';

// Keras' dropout with FIXED masks (as the trainer draws them): the Float64 reference against finite differences,
// the fast Float32 path (one thread and split over workers) against the reference; then the trainer's use of them.
const shapes: [string, ModelConfig, number, number][] = [
  ['1 layer, both rates', { inputSize: 3, hiddenSize: 5, layers: 1, outputs: 1, loss: 'mse', dropout: 0.3, recurrentDropout: 0.4 }, 4, 5],
  ['3 layers of sizes 5, 3, 4, rates per layer', { inputSize: 2, hiddenSize: [5, 3, 4], layers: 3, outputs: 2, loss: 'qlike', dropout: [0.2, 0, 0.5], recurrentDropout: [0.5, 0.25, 0] }, 3, 4],
  ['2 layers hard_sigmoid, recurrent only', { inputSize: 3, hiddenSize: 4, layers: 2, outputs: 1, loss: 'mse', recurrentActivation: 'hard_sigmoid', recurrentDropout: 0.3 }, 3, 4],
];

function problem(config: ModelConfig, B: number, T: number, seed = 7) {
  const rng = new Rng(seed);
  const params = Float64Array.from(createModel(config, 3).params, (v) => v + 0.1 * rng.normal());
  const x = Float64Array.from({ length: B * T * config.inputSize }, () => rng.normal());
  const y = Float64Array.from({ length: B * config.outputs }, () => (config.loss === 'qlike' ? 0.5 + rng.next() : rng.normal()));
  const masks = drawDropoutMasks(config, B, new Rng(seed + 1));
  return { params, x, y, masks };
}


describe('dropout masks', () => {
  it('are 0 or 1/(1 − p), one row per window and layer, null where the rate is 0, and the same for a seed', () => {
    const config = shapes[1][1];
    const masks = drawDropoutMasks(config, 400, new Rng(5));
    for (let l = 0; l < 3; l++) {
      for (const [m, rate, n] of [[masks.input[l], [0.2, 0, 0.5][l], layerInputSize(config, l)], [masks.recurrent[l], [0.5, 0.25, 0][l], layerHiddenSize(config, l)]] as const) {
        if (rate === 0) {
          expect(m).toBeNull();
          continue;
        }
        expect(m).toHaveLength(400 * n);
        const kept = Array.from(m!).filter((v) => v !== 0);
        expect(kept.every((v) => Math.abs(v - 1 / (1 - rate)) < 1e-6)).toBe(true);
        expect(Math.abs(1 - kept.length / m!.length - rate)).toBeLessThan(0.06); // the dropped share is about p
      }
    }
    expect(drawDropoutMasks(config, 400, new Rng(5))).toEqual(masks);
    const part = sliceDropoutMasks(masks, 400, 10, 20);
    expect(part.recurrent[0]).toEqual(masks.recurrent[0]!.slice(50, 100));
  });

  it('rates outside [0, 1) or of the wrong count are a UserError', () => {
    const base: ModelConfig = { inputSize: 2, hiddenSize: 4, layers: 2, outputs: 1, loss: 'mse' };
    expect(() => validateConfig({ ...base, dropout: 1 })).toThrow(UserError);
    expect(() => validateConfig({ ...base, recurrentDropout: -0.1 })).toThrow(/recurrentDropout/);
    expect(() => validateConfig({ ...base, dropout: [0.1] })).toThrow(/one per layer/);
    expect(() => validateConfig({ ...base, dropout: [0.1, 0.2], recurrentDropout: 0.5 })).not.toThrow();
  });
});

describe('dropout in the reference', () => {
  for (const [name, config, B, T] of shapes) {
    it(`${name}: gradients match finite differences with the masks fixed`, () => {
      const { params, x, y, masks } = problem(config, B, T);
      const { grads, dx } = model_forward_backward(config, params, x, y, B, T, masks);
      const loss = () => model_forward_backward(config, params, x, y, B, T, masks).loss;
      expect(relErr(dx, centralDifferences(x, loss)), 'input').toBeLessThan(1e-6);
      const numeric = centralDifferences(params, loss);
      for (const slot of paramLayout(config).slots) {
        const range = [slot.offset, slot.offset + slot.size] as const;
        expect(relErr(grads.subarray(...range), numeric.subarray(...range)), slot.name).toBeLessThan(1e-6);
      }
      // and the masks change the result (they are not ignored)
      expect(relErr(model_forward_backward(config, params, x, y, B, T).grads, grads)).toBeGreaterThan(1e-3);
    });
  }

  it('an input mask is the input multiplied by it; a zero recurrent mask cuts h_{t-1} out', () => {
    const config: ModelConfig = { inputSize: 3, hiddenSize: 4, layers: 1, outputs: 1, loss: 'mse', dropout: 0.5, recurrentDropout: 0.5 };
    const B = 2, T = 3;
    const { params, x, masks } = problem(config, B, T);
    const input = masks.input[0]!;
    const xMasked = x.map((v, i) => v * input[Math.floor(i / (T * 3)) * 3 + (i % 3)]); // x is (B,T,I), the mask (B,I)
    const onlyInput: DropoutMasks = { input: [input], recurrent: [null] };
    expect(relErr(model_forward(config, params, x, B, T, onlyInput).out, model_forward(config, params, xMasked, B, T).out)).toBeLessThan(1e-12);
    const zero: DropoutMasks = { input: [null], recurrent: [new Float32Array(B * 4)] };
    const y = new Float64Array(B).fill(0.5);
    const { grads } = model_forward_backward(config, params, x, y, B, T, zero);
    const wh = paramLayout(config).layers[0].recurrentKernel;
    expect(grads.subarray(wh.offset, wh.offset + wh.size).every((g) => g === 0)).toBe(true);
  });
});

describe('dropout on the fast CPU path', () => {
  for (const [name, config, B, T] of shapes) {
    it(`${name}: FastModel matches the reference with the same masks`, () => {
      const { params, x, y, masks } = problem(config, B, T);
      const p32 = Float32Array.from(params), x32 = Float32Array.from(x), y32 = Float32Array.from(y);
      const layout = paramLayout(config);
      const ref = model_forward_backward(config, p32, x32, y32, B, T, masks);
      const fast = new FastModel(fastSpecOf(config, layout), T, B);
      const grads = new Float32Array(layout.size);
      const loss = fast.forwardBackward(p32, x32, y32, B, grads, B, masks);
      expect(Math.abs(loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
      for (const slot of layout.slots) {
        const range = [slot.offset, slot.offset + slot.size] as const;
        expect(relErr(grads.subarray(...range), ref.grads.subarray(...range)), slot.name).toBeLessThan(1e-4);
      }
      // inference: no masks, the same outputs as the reference without them
      expect(relErr(fast.forward(p32, x32, B), model_forward(config, p32, x32, B, T).out)).toBeLessThan(1e-5);
    });
  }

  it('the CPU session, its batch split over a worker, matches the reference and says the SIMD kernels declined', async () => {
    const [, config, B, T] = shapes[1];
    const { params, x, y, masks } = problem(config, B, T);
    const p32 = Float32Array.from(params), x32 = Float32Array.from(x), y32 = Float32Array.from(y);
    const ref = model_forward_backward(config, p32, x32, y32, B, T, masks);
    const session = new CpuSession(config, { batchSize: B, steps: T }, { threads: 2 });
    try {
      session.setParams(p32);
      const { loss, grads } = await session.lossAndGradients(x32, y32, B, masks);
      expect(Math.abs(loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
      expect(relErr(grads, ref.grads)).toBeLessThan(1e-4);
      expect(session.stats.kernelChoice.all).toBe('js-f32');
      expect(session.stats.kernelChoice.allWhy).toMatch(/dropout/);
    } finally {
      session.destroy();
    }
  });
});

describe('dropout in training', () => {
  const base: ModelConfig = { inputSize: 2, hiddenSize: 8, layers: 2, outputs: 1, loss: 'mse' };
  const data = garchWindows(96, 8, 4);
  const options = { epochs: 2, batchSize: 16, validationSplit: 0.25, backend: 'cpu' as const, seed: 11 };

  it('is reproducible for a seed, differs from training without it, and a model file keeps the rates', async () => {
    const config = { ...base, dropout: 0.2, recurrentDropout: [0.3, 0.1] };
    const runs = [];
    for (const c of [config, config, base]) {
      const model = createModel(c, 2);
      await train(model, data, options);
      runs.push(model.params);
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(relErr(runs[2], runs[0])).toBeGreaterThan(1e-4);
    const model = createModel(config, 2);
    expect(modelFromJSON(modelToJSON(model)).model.config).toEqual(config);
  });

  it('is off at inference and validation: predict and the validation loss equal a model without dropout', async () => {
    const trained = createModel({ ...base, dropout: 0.5, recurrentDropout: 0.5 }, 2);
    const result = await train(trained, data, { ...options, restoreBestWeights: false, epochs: 1 });
    const plain = { config: base, params: trained.params };
    const windows = { x: data.x, count: data.count, steps: data.steps };
    expect(await predict(trained, windows, { backend: 'reference' })).toEqual(await predict(plain, windows, { backend: 'reference' }));
    // on 'cpu' the model with dropout runs the plain JS kernels and the other WebAssembly SIMD: equal to Float32 rounding
    expect(relErr(await predict(trained, windows, { backend: 'cpu' }), await predict(plain, windows, { backend: 'cpu' }))).toBeLessThan(1e-6);
    // the validation loss the trainer recorded is the plain model's loss on the validation windows
    const nVal = Math.floor(data.count * 0.25), from = data.count - nVal;
    const out = await predict(plain, { x: data.x.subarray(from * 16), count: nVal, steps: 8 }, { backend: 'reference' });
    const mse = out.reduce((s, v, i) => s + (v - data.y[from + i]) ** 2, 0) / nVal;
    expect(Math.abs(result.history[0].valLoss! - mse) / mse).toBeLessThan(1e-5);
  });

  it('a session refuses masks for a model without dropout, or of the wrong size, rather than ignore them', async () => {
    for (const backend of ['cpu', 'reference'] as const) {
      const session = await openSession(backend, base, { batchSize: 4, steps: 8 });
      session.setParams(createModel(base, 1).params);
      const masks = drawDropoutMasks({ ...base, dropout: 0.5 }, 4, new Rng(1));
      await expect(Promise.resolve().then(() => session.lossAndGradients(data.x.subarray(0, 64), data.y.subarray(0, 4), 4, masks))).rejects.toThrow(/masks were given for a model without dropout/);
      session.destroy();
    }
    const withDropout = { ...base, dropout: 0.5 };
    const session = await openSession('cpu', withDropout, { batchSize: 4, steps: 8 });
    expect(() => session.trainStep(data.x.subarray(0, 48), data.y.subarray(0, 3), 3, { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, clipNorm: 1, t: 1 }, drawDropoutMasks(withDropout, 4, new Rng(1)))).toThrow(/the batch needs 3x2/);
    session.destroy();
  });

  it('the reference session takes the same masks as the CPU session', async () => {
    const config = { ...base, dropout: 0.3, recurrentDropout: 0.3 };
    const model = createModel(config, 5);
    const B = 8, x = data.x.subarray(0, B * 16), y = data.y.subarray(0, B), masks = drawDropoutMasks(config, B, new Rng(3));
    const results = [];
    for (const backend of ['reference', 'cpu'] as const) {
      const session = await openSession(backend, config, { batchSize: B, steps: 8 });
      session.setParams(model.params);
      results.push(await session.lossAndGradients(x, y, B, masks));
      session.destroy();
    }
    expect(relErr(results[1].grads, results[0].grads)).toBeLessThan(1e-4);
  });
});

describe('dropout on WebGPU', () => {
  const [, config, B, T] = shapes[1]; // 3 layers of sizes 5, 3, 4, both kinds of mask on different layers
  // 3 rows a lane: each row of a lane has its own mask, and B + 1 = 4 rows leave a slice with rows past the batch.
  const variants = [
    { recurrent: 'wide', gradients: 'wide' },
    { recurrent: 'stepwise', gradients: 'wide' },
    { recurrent: 'wide', gradients: 'wide', rowsPerLane: 3 },
    { recurrent: 'stepwise', gradients: 'wide', rowsPerLane: 3 },
    { recurrent: 'persistent', gradients: 'wide', rowsPerLane: 3 },
    { recurrent: 'persistent', gradients: 'wide', reduction: 'workgroup' },
  ] as const;
  for (const kernels of variants) {
    it(`${kernels.recurrent} recurrence, ${'rowsPerLane' in kernels ? kernels.rowsPerLane : 1} rows a lane${'reduction' in kernels ? `, ${kernels.reduction} reduction` : ''}: every gradient within 1e-3 of the reference with the same masks; none at inference`, async () => {
      await requireGpu();
      const { params, x, y, masks } = problem(config, B, T);
      const p32 = Float32Array.from(params), x32 = Float32Array.from(x), y32 = Float32Array.from(y);
      const ref = model_forward_backward(config, p32, x32, y32, B, T, masks);
      const session = await openSession('webgpu', config, { batchSize: B + 1, steps: T, kernels }); // a padding row too
      try {
        session.setParams(p32);
        const { loss, grads } = await session.lossAndGradients(x32, y32, B, masks);
        expect(Math.abs(loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-4);
        for (const slot of paramLayout(config).slots) {
          const range = [slot.offset, slot.offset + slot.size] as const;
          expect(relErr(grads.subarray(...range), ref.grads.subarray(...range)), slot.name).toBeLessThan(1e-3);
        }
        expect(relErr(await session.forward(x32, B), model_forward(config, p32, x32, B, T).out)).toBeLessThan(1e-4);
        // a step without masks is a step without dropout
        const plain = await session.lossAndGradients(x32, y32, B);
        expect(relErr(plain.grads, model_forward_backward(config, p32, x32, y32, B, T).grads)).toBeLessThan(1e-3);
      } finally {
        session.destroy();
      }
    });
  }

  it('trains as the CPU does: the trainer draws the same masks for every backend', async () => {
    await requireGpu();
    const config: ModelConfig = { inputSize: 2, hiddenSize: 6, layers: 2, outputs: 1, loss: 'mse', dropout: 0.2, recurrentDropout: 0.3 };
    const data = garchWindows(64, 6, 8);
    const losses = [];
    for (const backend of ['cpu', 'webgpu'] as const) {
      const model = createModel(config, 3);
      const result = await train(model, data, { backend, epochs: 2, batchSize: 16, seed: 4, lossReadEvery: 1 });
      losses.push(result.history.map((r) => r.trainLoss));
    }
    for (let e = 0; e < 2; e++) expect(Math.abs(losses[1][e] - losses[0][e]) / losses[0][e]).toBeLessThan(1e-3);
  });

  it('the narrow recurrent kernels decline a model with dropout', async () => {
    await requireGpu();
    await expect(openSession('webgpu', config, { batchSize: B, steps: T, kernels: { recurrent: 'narrow', gradients: 'narrow' } })).rejects.toThrow(/a model without dropout/);
  });
});

describe('dropout in the risk application', () => {
  it('the CLI flags set the pipeline options, which check the rates', () => {
    expect(riskOptions(parse(TRAIN_OPTIONS, ['--dropout', '0.2', '--recurrent-dropout', '0.1']))).toEqual({ dropout: 0.2, recurrentDropout: 0.1 });
    expect(() => riskOptions(parse(TRAIN_OPTIONS, ['--dropout', 'half']))).toThrow(UsageError);
    expect(() => resolveRiskOptions({ recurrentDropout: 1 })).toThrow(/recurrent-dropout: must be from 0 to 0.9/);
    expect(resolveRiskOptions({}).dropout).toBe(0);
  });

  it('the members are created with the rates and train with them', async () => {
    const data = garchWindows(48, 6, 5);
    const settings = { ...DEFAULT_RISK_OPTIONS, window: 6, hidden: 4, epochs: 1, batchSize: 16, dropout: 0.25, recurrentDropout: 0.5, backend: 'cpu' as const };
    const { models, results } = await trainMembers(settings, 2, { train: data, validation: data }, {});
    expect(models[0].config).toMatchObject({ dropout: 0.25, recurrentDropout: 0.5 });
    expect(results[0].engine.kernelChoice.allWhy).toMatch(/dropout/);
  });
});
