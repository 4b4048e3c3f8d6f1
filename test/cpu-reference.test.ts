import { describe, expect, it } from 'vitest';
import { createModel, paramLayout, targetsPerWindow, type ModelConfig } from '../src/model.js';
import { model_forward_backward } from '../src/cpu/model.js';
import { Rng } from '../src/rng.js';
import { relErr } from './helpers/compare.js';
import { centralDifferences } from './finiteDifferences.js';

// The CPU reference against central finite differences, in Float64, for every parameter tensor and the input.
const shapes: [string, ModelConfig, number, number][] = [
  ['1 layer mse', { inputSize: 3, hiddenSize: 5, layers: 1, outputs: 1, loss: 'mse' }, 2, 4],
  ['2 layers qlike', { inputSize: 2, hiddenSize: 3, layers: 2, outputs: 2, loss: 'qlike' }, 3, 3],
  ['T=1 B=1 I=1', { inputSize: 1, hiddenSize: 4, layers: 1, outputs: 1, loss: 'mse' }, 1, 1],
  ['2 layers student-t', { inputSize: 3, hiddenSize: 4, layers: 2, outputs: 2, loss: 'student-t' }, 3, 4],
  // TF.js's hard sigmoid on the gates: a kink-free neighbourhood almost surely (|0.2z + 0.5| well inside (0, 1)).
  ['3 layers of sizes 5, 3, 4', { inputSize: 2, hiddenSize: [5, 3, 4], layers: 3, outputs: 2, loss: 'mse' }, 2, 3],
  ['2 layers hard_sigmoid', { inputSize: 3, hiddenSize: 4, layers: 2, outputs: 1, loss: 'mse', recurrentActivation: 'hard_sigmoid' }, 2, 4],
];


describe('CPU reference vs finite differences', () => {
  for (const [name, config, B, T] of shapes) {
    it(name, () => {
      const rng = new Rng(7);
      const params = Float64Array.from(createModel(config, 3).params, (v) => v + 0.1 * rng.normal());
      const x = Float64Array.from({ length: B * T * config.inputSize }, () => rng.normal());
      const y = Float64Array.from({ length: B * targetsPerWindow(config) }, () => (config.loss === 'qlike' ? 0.5 + rng.next() : rng.normal()));
      const { grads, dx } = model_forward_backward(config, params, x, y, B, T);
      const loss = () => model_forward_backward(config, params, x, y, B, T).loss;
      expect(relErr(dx, centralDifferences(x, loss)), 'input').toBeLessThan(1e-6);
      const numeric = centralDifferences(params, loss);
      for (const slot of paramLayout(config).slots) {
        const range = [slot.offset, slot.offset + slot.size] as const;
        expect(relErr(grads.subarray(...range), numeric.subarray(...range)), slot.name).toBeLessThan(1e-6);
      }
    });
  }
});
