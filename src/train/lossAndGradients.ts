import { openSession } from '../backend.js';
import type { BackendKind } from '../engine.js';
import { check } from '../errors.js';
import { modelFromWeights, paramLayout, weightsOf, type LossKind, type ModelConfig } from '../model.js';
import { validateSequences } from './trainer.js';

type Tensor = Float32Array | number[];

/** One LSTM layer and a dense head of O outputs (1, or 2 for 'student-t'), in the Keras layout (gate blocks i, f, c, o). */
export interface SingleLayerParams<T = Tensor> {
  inputSize: number;
  hiddenSize: number;
  kernel: T; // [I, 4H]
  recurrentKernel: T; // [H, 4H]
  bias: T; // [4H]
  denseKernel: T; // [H, O]
  denseBias: T; // [O]
}

export interface Batch {
  x: Tensor; // [B, T, I] row-major
  y: Tensor; // [B]: one target per window
  batchSize: number;
  steps: number;
}

/**
 * The batch-mean loss and the gradient of every parameter, on either backend. For interop and tests:
 * the same weights give the same numbers here, in Keras and in TensorFlow.js.
 */
export async function lossAndGradients(
  params: SingleLayerParams,
  batch: Batch,
  options: { backend: BackendKind; loss?: LossKind },
): Promise<{ loss: number; grads: SingleLayerParams<Float32Array> }> {
  const config: ModelConfig = { inputSize: params.inputSize, hiddenSize: params.hiddenSize, layers: 1, outputs: params.denseBias.length, loss: options.loss ?? 'mse' };
  const f32 = (t: Tensor) => (t instanceof Float32Array ? t : Float32Array.from(t));
  const model = modelFromWeights(config, {
    layers: [{ kernel: f32(params.kernel), recurrentKernel: f32(params.recurrentKernel), bias: f32(params.bias) }],
    denseKernel: f32(params.denseKernel),
    denseBias: f32(params.denseBias),
  });
  check(Number.isInteger(batch.batchSize) && batch.batchSize > 0, `batchSize must be a positive integer (got ${batch.batchSize}); an empty batch has no loss`);
  const data = { x: f32(batch.x), y: f32(batch.y), count: batch.batchSize, steps: batch.steps };
  validateSequences(model, data, 'batch');
  const session = await openSession(options.backend, config, { batchSize: batch.batchSize, steps: batch.steps });
  try {
    session.setParams(model.params);
    const { loss, grads } = await session.lossAndGradients(data.x, data.y, data.count);
    check(grads.length === paramLayout(config).size, 'internal error: gradient buffer has the wrong size');
    const w = weightsOf(config, grads);
    return {
      loss,
      grads: { inputSize: params.inputSize, hiddenSize: params.hiddenSize, ...w.layers[0], denseKernel: w.denseKernel, denseBias: w.denseBias },
    };
  } finally {
    session.destroy();
  }
}
