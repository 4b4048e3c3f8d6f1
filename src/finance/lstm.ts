// The LSTM volatility forecaster on top of the engine: K independently initialised members trained on the
// same windows, each predicting log-variance, each calibrated on the training windows.
import type { BackendChoice, Session, SetupProgress } from '../engine.js';
import { createModel, type LossKind, type Model, type ModelConfig } from '../model.js';
import { predict, train } from '../train/trainer.js';
import type { Sequences, TrainProgress, TrainResult } from '../train/types.js';
import { VARIANCE_FLOOR } from './features.js';
import type { LstmOptions } from './options.js';

export interface MemberProgress {
  member: number; // 1-based
  members: number;
  train: TrainProgress;
}

/**
 * What the network is trained against, from the target v (the sum of the h squared returns): for QLIKE v itself (the loss reads the output
 * as log-variance), for MSE log v, floored so neither sees log(0). For the Student-t loss (h = 1, v = r²) the
 * return's size |r| = √v: its likelihood reads r only through r², so the sign is not needed. With several columns
 * (the h-day and the one-day variance) a window's targets lie side by side, one per output.
 */
export function lstmTargets(columns: ArrayLike<number>[], loss: LossKind): Float32Array {
  const target = (v: number) => (loss === 'student-t' ? Math.sqrt(v) : loss === 'qlike' ? Math.max(v, VARIANCE_FLOOR) : Math.log(Math.max(v, VARIANCE_FLOOR)));
  const n = columns[0].length;
  return Float32Array.from({ length: n * columns.length }, (_, i) => target(columns[i % columns.length][Math.floor(i / columns.length)]));
}

/**
 * Outputs per window: the Student-t loss adds u, its degrees of freedom ν = 2 + softplus(u); with a horizon
 * h > 1 a second log-variance, the next day's, gives one-day VaR its own forecast (the loss averages both).
 */
export function lstmOutputs(loss: LossKind, horizon: number): number {
  return loss === 'student-t' || horizon > 1 ? 2 : 1;
}

/** The network every member is. */
export function memberConfig(settings: LstmOptions & { horizon?: number }, inputSize: number): ModelConfig {
  const { dropout, recurrentDropout } = settings; // set only when used: a model file without dropout stays as it was
  const rates = { ...(dropout > 0 ? { dropout } : {}), ...(recurrentDropout > 0 ? { recurrentDropout } : {}) };
  return { inputSize, hiddenSize: settings.hidden, layers: settings.layers, outputs: lstmOutputs(settings.loss, settings.horizon ?? 1), loss: settings.loss, ...rates };
}

/** A new, untrained member k (0-based): members differ in their initial weights and their shuffling, nothing else. */
export function createMember(settings: LstmOptions & { horizon?: number }, inputSize: number, k: number): Model {
  return createModel(memberConfig(settings, inputSize), settings.seed + k);
}

/**
 * Trains member k (0-based) of `members` in place, from its current weights: a new member trains from scratch,
 * a trained one is warm-started. Early-stopped on the validation windows, best weights restored; the weights it
 * starts from compete too, so a warm start whose epochs only fit the training windows harder keeps what it had
 * (re-training on re-training, those epochs pile up into an overfit network). `session`: an open one to train on
 * (the caller destroys it).
 */
export function trainMember(
  model: Model,
  k: number,
  members: number,
  settings: LstmOptions,
  data: { train: Sequences; validation: Sequences },
  hooks: { onProgress?: (p: MemberProgress) => void; onSetup?: (p: SetupProgress) => void; signal?: AbortSignal; session?: Session },
): Promise<TrainResult> {
  return train(model, data.train, {
    backend: settings.backend,
    session: hooks.session,
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    patience: settings.patience,
    validation: data.validation,
    restoreBestWeights: true,
    validateStart: true,
    seed: settings.seed + k,
    signal: hooks.signal,
    onProgress: (p) => hooks.onProgress?.({ member: k + 1, members, train: p }),
    onSetup: hooks.onSetup,
  });
}

/**
 * Trains the members one after another. `signal` cancels: it throws an AbortError. `stop` ends training early:
 * the member in progress stops within a step and keeps its best weights, later members are skipped, and the
 * members trained so far are returned (their results' stopReason says 'aborted' where Stop cut one short); none if
 * Stop came before the first step.
 */
export async function trainMembers(
  settings: LstmOptions & { horizon?: number },
  inputSize: number,
  data: { train: Sequences; validation: Sequences },
  hooks: { onProgress?: (p: MemberProgress) => void; onSetup?: (p: SetupProgress) => void; signal?: AbortSignal; stop?: AbortSignal },
): Promise<{ models: Model[]; results: TrainResult[] }> {
  const models: Model[] = [];
  const results: TrainResult[] = [];
  const signals = [hooks.signal, hooks.stop].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  for (let k = 0; k < settings.ensemble; k++) {
    hooks.signal?.throwIfAborted();
    if (k > 0 && hooks.stop?.aborted) break;
    const model = createMember(settings, inputSize, k);
    const result = await trainMember(model, k, settings.ensemble, settings, data, { signal, onProgress: hooks.onProgress, onSetup: hooks.onSetup });
    hooks.signal?.throwIfAborted();
    if (result.history.length === 0) break; // stopped before its first step: nothing trained
    models.push(model);
    results.push(result);
  }
  return { models, results };
}

/** One member's outputs per window. */
export interface MemberOutput {
  /** Of the forecast horizon's variance (the next day's when h = 1). */
  logVariance: Float32Array;
  /** The next day's alone, from a network trained for h > 1; null when h = 1 (logVariance is the next day's). */
  oneDayLogVariance: Float32Array | null;
  /** The Student-t loss's degrees of freedom ν = 2 + softplus(u); null for the other losses. */
  nu: Float64Array | null;
}

/** ν = 2 + softplus(u), written so a large u does not overflow (as the engine's loss computes it). */
export function degreesOfFreedom(u: number): number {
  return 2 + Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
}

/**
 * Each member's outputs for the windows x [count, window, features]. Pass the training batch size
 * where there is one: the engine prepares its kernels per batch shape, and a new shape costs seconds on a
 * software adapter. `session`: an open one (of that batch size) to predict on instead of one per member.
 */
export async function memberOutputs(models: Model[], x: Float32Array, count: number, window: number, backend: BackendChoice, batchSize?: number, session?: Session): Promise<MemberOutput[]> {
  const out: MemberOutput[] = [];
  for (const model of models) {
    const raw = await predict(model, { x, count, steps: window }, { backend, batchSize, session });
    if (model.config.outputs === 1) {
      out.push({ logVariance: raw, oneDayLogVariance: null, nu: null });
      continue;
    }
    const column = (j: number) => Float64Array.from({ length: count }, (_, i) => raw[2 * i + j]);
    const logVariance = Float32Array.from(column(0));
    if (model.config.loss === 'student-t') out.push({ logVariance, oneDayLogVariance: null, nu: column(1).map((u) => degreesOfFreedom(u)) });
    else out.push({ logVariance, oneDayLogVariance: Float32Array.from(column(1)), nu: null });
  }
  return out;
}

/**
 * Member variance forecasts c_k·e^{s_k} and their mean, the ensemble's forecast (c_k: `scales[k]`, QLIKE-optimal on
 * the training windows); the members' one-day variances and their mean, from the one-day outputs scaled by
 * `oneDayScales` where the network has them (h > 1), else the same forecasts; with the Student-t loss also the
 * members' mean ν per window.
 */
export function memberVariances(outputs: MemberOutput[], scales: number[], oneDayScales: number[] | null = null) {
  const scaled = (log: Float32Array, c: number) => Float64Array.from(log, (v) => c * Math.exp(v));
  const average = (series: Float64Array[]) => Float64Array.from(series[0], (_, i) => series.reduce((s, m) => s + m[i], 0) / series.length);
  const members = outputs.map((o, k) => scaled(o.logVariance, scales[k]));
  const oneDayMembers = oneDayScales ? outputs.map((o, k) => scaled(o.oneDayLogVariance!, oneDayScales[k])) : members;
  const nus = outputs.map((o) => o.nu).filter((n): n is Float64Array => n !== null);
  return { members, mean: average(members), oneDayMembers, oneDay: average(oneDayMembers), nu: nus.length > 0 ? average(nus) : null };
}
