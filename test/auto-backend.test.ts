import { describe, expect, it } from 'vitest';
import { openSession } from '../src/backend.js';
import { model_forward } from '../src/cpu/model.js';
import { createModel, type ModelConfig } from '../src/model.js';
import { predict, train } from '../src/index.js';
import { Rng } from '../src/rng.js';
import { relErr } from './helpers/compare.js';

// backend 'auto' on this project's machines, whose only adapter is SwiftShader (a fallback adapter, a CPU): small
// jobs go to the CPU without compiling GPU kernels; a long job times both backends once per shape and keeps the
// faster; the result says which ran and why.
const config: ModelConfig = { inputSize: 3, hiddenSize: 8, layers: 1, outputs: 1, loss: 'mse' };
const T = 5;

function data(count: number) {
  const rng = new Rng(3);
  return { x: Float32Array.from({ length: count * T * config.inputSize }, () => rng.normal()), y: Float32Array.from({ length: count }, () => rng.normal()), count, steps: T };
}

describe("backend: 'auto'", () => {
  it('is the default of train: a small job on a fallback adapter trains on the CPU and says why', async () => {
    const model = createModel(config, 1);
    const result = await train(model, data(32), { epochs: 2, batchSize: 8, patience: 0 });
    expect(result.engine.backend).toBe('cpu');
    expect(result.engine.why).toMatch(/fallback adapter \(.*swiftshader.*\): 8 steps take about [\d.]+ s on the CPU, under the 20 s/i);
    expect(result.engine.kernelChoice.all).toMatch(/^wasm/);
  });

  it('is the default of predict: a handful of windows runs on the CPU without compiling GPU kernels', async () => {
    const session = await openSession('auto', config, { batchSize: 3, steps: T }, { kind: 'predict', steps: 1 });
    try {
      expect(session.stats.backend).toBe('cpu');
      expect(session.stats.why).toMatch(/prediction runs on the CPU rather than compile GPU kernels/);
    } finally {
      session.destroy();
    }
    const model = createModel(config, 2), d = data(3);
    expect(relErr(await predict(model, d), model_forward(config, model.params, d.x, 3, T).out)).toBeLessThan(1e-5);
  });

  it('a long job times both backends once per shape, keeps the faster and remembers it', async () => {
    const shape = { batchSize: 8, steps: T };
    const first = await openSession('auto', config, shape, { kind: 'train', steps: 1000, budgetSeconds: 0 });
    const why = first.stats.why ?? '';
    const m = /measured ([\d.]+) ms per step on the CPU, ([\d.]+) ms on WebGPU/.exec(why);
    expect(m, why).not.toBeNull();
    expect(first.stats.backend).toBe(Number(m![2]) < Number(m![1]) ? 'webgpu' : 'cpu');
    // the kept session trains: its weights are set again by the caller after the timing steps
    const params = createModel(config, 4).params, d = data(8);
    first.setParams(params);
    expect(relErr(await first.forward(d.x, 8), model_forward(config, params, d.x, 8, T).out)).toBeLessThan(1e-4);
    first.destroy();
    const again = await openSession('auto', config, shape, { kind: 'train', steps: 1000, budgetSeconds: 0 });
    expect(again.stats.backend).toBe(first.stats.backend);
    expect(again.stats.why).toBe(`${why} (measured earlier in this process)`);
    again.destroy();
  });
});
