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
  type RecurrentActivation,
  type Weights,
} from './model.js';
export {
  fromTfjsLayersModel,
  toTfjsLayersModel,
  tfjsMetadata,
  TFJS_METADATA_KEY,
  TFJS_WEIGHTS_FILE,
  type TfjsModelJson,
  type TfjsWeightSpec,
} from './io/tfjs.js';
export { openSession, type Job } from './backend.js';
export type { BackendChoice, BackendKind, EngineStats, KernelChoice, Session, SessionShape, StepHyper } from './engine.js';
export { train, predict, type PredictOptions } from './train/trainer.js';
export type { LearningRateSchedule, ReduceOnPlateau } from './train/schedule.js';
export { lossAndGradients, type Batch, type SingleLayerParams } from './train/lossAndGradients.js';
export {
  inputGradients,
  integratedGradients,
  type Completeness,
  type InputGradientOptions,
  type IntegratedGradientOptions,
  type IntegratedGradients,
  type Quadrature,
  type Windows,
} from './train/attributions.js';
export type { EpochRecord, Sequences, TrainOptions, TrainProgress, TrainResult } from './train/types.js';
