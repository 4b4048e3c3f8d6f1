import type { BackendChoice, EngineStats, Session, SetupProgress } from '../engine.js';
import type { LearningRateSchedule, ReduceOnPlateau } from './schedule.js';

/** Windows of a sequence problem, all row-major Float32. */
export interface Sequences {
  x: Float32Array; // [count, steps, features]
  y: Float32Array; // [count, outputs]
  count: number;
  steps: number; // T
}

export interface TrainProgress {
  phase: 'step' | 'epoch';
  epoch: number; // 1-based
  epochs: number;
  step: number; // 1-based within the epoch
  stepsPerEpoch: number;
  trainLoss: number; // mean over the epoch so far (NaN before the first loss read-back)
  valLoss?: number; // after each epoch
  samplesPerSecond: number;
  etaSeconds: number;
}

export interface TrainOptions {
  backend?: BackendChoice; // default 'auto': result.engine says which ran and why
  epochs?: number; // default 20
  batchSize?: number; // default 64
  learningRate?: number; // the base rate; default 1e-3
  learningRateSchedule?: LearningRateSchedule; // default constant
  reduceLearningRateOnPlateau?: ReduceOnPlateau; // on the validation loss; needs validation data
  clipNorm?: number; // global-norm gradient clip; 0 turns it off; default 1
  weightDecay?: number; // decoupled (AdamW-style) decay; default 0
  validation?: Sequences; // explicit validation windows (e.g. a chronological split)
  validationSplit?: number; // else: the last fraction of the windows, taken before shuffling; default 0
  patience?: number; // epochs without validation improvement before stopping; 0 = never; default 5
  restoreBestWeights?: boolean; // default true
  /**
   * Validate the starting weights before the first epoch and let them compete: kept when no epoch beats them
   * (bestEpoch 0). For warm starts, where an epoch that only fits the training windows harder must not be taken.
   * Default false.
   */
  validateStart?: boolean;
  seed?: number; // seeds the shuffling and the dropout masks; default 1
  signal?: AbortSignal; // stops within one step and keeps the best weights
  onProgress?: (p: TrainProgress) => void;
  /** Before the first step: what the backend's set-up is doing (WebGPU: compiling kernels, choosing among variants). */
  onSetup?: (p: SetupProgress) => void;
  /** After each epoch's record (and validation): returning false, or calling control.stop(), ends training there. */
  onEpochEnd?: (record: EpochRecord, control: { stop(): void }) => boolean | void | Promise<boolean | void>;
  lossReadEvery?: number; // read the GPU loss back every N steps (no stall per step); default 8
  /**
   * Train on this open session (opened for at least batchSize and these windows' steps) instead of opening one:
   * the caller keeps it for more trainings and predictions and destroys it. Saves the set-up of each training.
   */
  session?: Session;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  learningRate: number; // the rate this epoch trained with
  seconds: number;
}

export interface TrainResult {
  history: EpochRecord[];
  bestEpoch: number; // 0 when no validation data, or when validateStart kept the starting weights
  bestValLoss?: number;
  stopReason: 'completed' | 'early-stopped' | 'stopped' | 'aborted'; // 'stopped': by onEpochEnd
  seconds: number;
  samplesPerSecond: number;
  engine: EngineStats;
}
