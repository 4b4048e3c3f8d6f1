// webgpu-lstm: LSTM training on WebGPU with fused WGSL kernels, a Float64 CPU reference, and a volatility /
// market-risk layer built on them.
export { UserError } from './errors.js';
export { Rng } from './rng.js';
export {
  createModel,
  modelFromWeights,
  modelFromJSON,
  modelToJSON,
  paramLayout,
  weightsOf,
  type LayerWeights,
  type LossKind,
  type Model,
  type ModelConfig,
  type ParamLayout,
  type Weights,
} from './model.js';
export { openSession, type BackendKind, type Session } from './backend.js';
export { train, predict, type PredictOptions } from './train/trainer.js';
export { lossAndGradients, type Batch, type SingleLayerParams } from './train/lossAndGradients.js';
export {
  inputGradients,
  integratedGradients,
  type Completeness,
  type InputGradientOptions,
  type IntegratedGradientOptions,
  type IntegratedGradients,
  type Windows,
} from './train/attributions.js';
export type { EngineStats, EpochRecord, Sequences, TrainOptions, TrainProgress, TrainResult } from './train/types.js';
export * from './finance/index.js';
