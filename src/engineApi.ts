// The engine's public API, the package's `webgpu-lstm/engine` subpath: models, training, prediction, sessions.
// It imports no finance code and no data package.
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
export { openSession } from './backend.js';
export type { BackendKind, EngineStats, KernelChoice, Session, SessionShape, StepHyper } from './engine.js';
export { train, predict, type PredictOptions } from './train/trainer.js';
export { lossAndGradients, type Batch, type SingleLayerParams } from './train/lossAndGradients.js';
export type { EpochRecord, Sequences, TrainOptions, TrainProgress, TrainResult } from './train/types.js';
