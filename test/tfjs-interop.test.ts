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

/**
 * ln Γ(x) in TF.js ops, so that autodiff gives ψ on its own: lnΓ(x) = lnΓ(x+8) − ln(x(x+1)…(x+7)), then
 * Stirling's series to the x⁻⁵ term (within 2e-10 from x + 8 ≥ 9, far below Float32's rounding).
 */
function tfLnGamma(x: tf.Tensor): tf.Tensor {
  let product = x;
  for (let k = 1; k < 8; k++) product = tf.mul(product, tf.add(x, k));
  const z = tf.add(x, 8), zi = tf.reciprocal(z), zi2 = tf.square(zi);
  const series = tf.mul(zi, tf.sub(1 / 12, tf.mul(zi2, tf.sub(1 / 360, tf.mul(zi2, 1 / 1260)))));
  const stirling = tf.add(tf.sub(tf.mul(tf.sub(z, 0.5), tf.log(z)), z), tf.add(0.5 * Math.log(2 * Math.PI), series));
  return tf.sub(stirling, tf.log(product));
}

/** Per-window loss in TF.js ops; out is (B, O), y is (B, 1). */
function tfLoss(out: tf.Tensor2D, ys: tf.Tensor2D, loss: LossKind): tf.Tensor {
  if (loss === 'mse') return tf.square(tf.sub(out, ys));
  // QLIKE with ŷ = exp(out): y/ŷ − log(y/ŷ) − 1 = y·e^(−out) + out − log y − 1
  if (loss === 'qlike') return tf.sub(tf.add(tf.mul(ys, tf.exp(tf.neg(out))), out), tf.add(tf.log(ys), 1));
  const [s, u] = tf.split(out, 2, 1);
  const nu2 = tf.softplus(u), nu = tf.add(nu2, 2);
  const z = tf.div(tf.square(ys), tf.mul(nu2, tf.exp(s)));
  const terms = [
    tf.neg(tfLnGamma(tf.div(tf.add(nu, 1), 2))),
    tfLnGamma(tf.div(nu, 2)),
    tf.mul(0.5, tf.log(tf.mul(Math.PI, nu2))),
    tf.mul(0.5, s),
    tf.mul(tf.div(tf.add(nu, 1), 2), tf.log1p(z)),
  ];
  return terms.reduce((a, b) => tf.add(a, b));
}

/** The batch-mean loss and its gradients by TensorFlow.js, for one LSTM layer + Dense(O). */
function tfjsLossAndGradients(p: SingleLayerParams<Float32Array>, x: Float32Array, y: Float32Array, B: number, T: number, loss: LossKind) {
  const H = p.hiddenSize, O = p.denseBias.length;
  const model = tf.sequential({
    layers: [
      // zeros: the weights are set below (and TF.js's orthogonal initialiser is slow)
      tf.layers.lstm({ units: H, recurrentActivation: 'sigmoid', inputShape: [T, p.inputSize], kernelInitializer: 'zeros', recurrentInitializer: 'zeros' }),
      tf.layers.dense({ units: O }),
    ],
  });
  model.setWeights([
    tf.tensor2d(p.kernel, [p.inputSize, 4 * H]),
    tf.tensor2d(p.recurrentKernel, [H, 4 * H]),
    tf.tensor1d(p.bias),
    tf.tensor2d(p.denseKernel, [H, O]),
    tf.tensor1d(p.denseBias),
  ]);
  const xs = tf.tensor3d(x, [B, T, p.inputSize]);
  const ys = tf.tensor2d(y, [B, 1]);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(xs, { training: true }) as tf.Tensor2D;
    return tf.mean(tfLoss(out, ys, loss)) as tf.Scalar;
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
  { name: 'I=3 H=8 B=7 T=10 student-t', I: 3, H: 8, B: 7, T: 10, loss: 'student-t' },
];
const backends: BackendKind[] = ['reference', 'cpu', 'webgpu'];

describe('lossAndGradients vs TensorFlow.js (an independent LSTM, same weights)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of cases) {
    for (const backend of backends) {
      it(`${c.name} [${backend}]`, async () => {
        const O = c.loss === 'student-t' ? 2 : 1;
        const config: ModelConfig = { inputSize: c.I, hiddenSize: c.H, layers: 1, outputs: O, loss: c.loss };
        const w = weightsOf(config, createModel(config, 11).params);
        // Keras's forget bias of 1 and zero elsewhere would leave parts of the bias gradient untested: jitter it.
        const rng = new Rng(5);
        const params: SingleLayerParams<Float32Array> = {
          inputSize: c.I,
          hiddenSize: c.H,
          ...w.layers[0],
          bias: w.layers[0].bias.map((b) => b + 0.2 * rng.normal()),
          denseKernel: w.denseKernel,
          denseBias: O === 2 ? Float32Array.of(0.1, 0.5) : Float32Array.of(0.1),
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
