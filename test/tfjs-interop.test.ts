import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendKind } from '../src/engine.js';
import { createModel, weightsOf, type LossKind, type ModelConfig } from '../src/model.js';
import { Rng } from '../src/rng.js';
import { lossAndGradients, type SingleLayerParams } from '../src/train/lossAndGradients.js';
import { relErr } from './helpers/compare.js';

// lossAndGradients against an independent LSTM: TensorFlow.js's tf.layers.lstm (pure-JS cpu backend) with the
// same Keras-layout weights, its own autodiff giving the gradients. Float32 on both sides: loss within 1e-5,
// every gradient tensor within 1e-3 (relative, ‖a−b‖/‖b‖).

/** The batch-mean loss and its gradients by TensorFlow.js, for one LSTM layer + Dense(1). */
function tfjsLossAndGradients(p: SingleLayerParams<Float32Array>, x: Float32Array, y: Float32Array, B: number, T: number, loss: LossKind) {
  const H = p.hiddenSize;
  const model = tf.sequential({
    layers: [
      // zeros: the weights are set below (and TF.js's orthogonal initialiser is slow)
      tf.layers.lstm({ units: H, recurrentActivation: 'sigmoid', inputShape: [T, p.inputSize], kernelInitializer: 'zeros', recurrentInitializer: 'zeros' }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.setWeights([
    tf.tensor2d(p.kernel, [p.inputSize, 4 * H]),
    tf.tensor2d(p.recurrentKernel, [H, 4 * H]),
    tf.tensor1d(p.bias),
    tf.tensor2d(p.denseKernel, [H, 1]),
    tf.tensor1d(p.denseBias),
  ]);
  const xs = tf.tensor3d(x, [B, T, p.inputSize]);
  const ys = tf.tensor2d(y, [B, 1]);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(xs, { training: true }) as tf.Tensor;
    // QLIKE with ŷ = exp(out): y/ŷ − log(y/ŷ) − 1 = y·e^(−out) + out − log y − 1
    const perRow = loss === 'mse' ? tf.square(tf.sub(out, ys)) : tf.sub(tf.add(tf.mul(ys, tf.exp(tf.neg(out))), out), tf.add(tf.log(ys), 1));
    return tf.mean(perRow) as tf.Scalar;
  }, vars);
  const g = (i: number) => Float32Array.from(grads[vars[i].name].dataSync());
  const result = { loss: value.dataSync()[0], kernel: g(0), recurrentKernel: g(1), bias: g(2), denseKernel: g(3), denseBias: g(4) };
  tf.dispose([xs, ys, value, ...Object.values(grads)]);
  model.dispose();
  return result;
}

const cases: { name: string; I: number; H: number; B: number; T: number; loss: LossKind }[] = [
  { name: 'I=3 H=7 B=5 T=6 mse', I: 3, H: 7, B: 5, T: 6, loss: 'mse' },
  { name: 'I=8 H=32 B=16 T=20 mse', I: 8, H: 32, B: 16, T: 20, loss: 'mse' },
  { name: 'I=2 H=16 B=9 T=12 qlike', I: 2, H: 16, B: 9, T: 12, loss: 'qlike' },
];
const backends: BackendKind[] = ['reference', 'cpu', 'webgpu'];

describe('lossAndGradients vs TensorFlow.js (an independent LSTM, same weights)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of cases) {
    for (const backend of backends) {
      it(`${c.name} [${backend}]`, async () => {
        const config: ModelConfig = { inputSize: c.I, hiddenSize: c.H, layers: 1, outputs: 1, loss: c.loss };
        const w = weightsOf(config, createModel(config, 11).params);
        // Keras's forget bias of 1 and zero elsewhere would leave parts of the bias gradient untested: jitter it.
        const rng = new Rng(5);
        const params: SingleLayerParams<Float32Array> = {
          inputSize: c.I,
          hiddenSize: c.H,
          ...w.layers[0],
          bias: w.layers[0].bias.map((b) => b + 0.2 * rng.normal()),
          denseKernel: w.denseKernel,
          denseBias: Float32Array.of(0.1),
        };
        const x = Float32Array.from({ length: c.B * c.T * c.I }, () => rng.normal());
        const y = Float32Array.from({ length: c.B }, () => (c.loss === 'qlike' ? rng.uniform(0.2, 2.2) : rng.normal()));

        const ref = tfjsLossAndGradients(params, x, y, c.B, c.T, c.loss);
        const ours = await lossAndGradients(params, { x, y, batchSize: c.B, steps: c.T }, { backend, loss: c.loss });
        expect(Math.abs(ours.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
        for (const key of ['kernel', 'recurrentKernel', 'bias', 'denseKernel', 'denseBias'] as const) {
          expect(relErr(ours.grads[key], ref[key]), key).toBeLessThan(1e-3);
        }
      });
    }
  }
});
