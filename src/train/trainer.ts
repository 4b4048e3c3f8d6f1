import { openSession } from '../backend.js';
import type { BackendChoice, Session, StepHyper } from '../engine.js';
import { check, UserError } from '../errors.js';
import { loss_forward } from '../cpu/loss.js';
import { drawDropoutMasks } from '../dropout.js';
import { hasDropout, targetsPerWindow, type Model, type ModelConfig } from '../model.js';
import { Rng } from '../rng.js';
import { PlateauTracker, scheduledRate, validateSchedule } from './schedule.js';
import type { EpochRecord, Sequences, TrainOptions, TrainResult } from './types.js';

const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }; // Keras' defaults

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now()) / 1000;

/** Checks windows against the model; every problem is a UserError that says what to fix. */
export function validateWindows(model: Model, data: { x: Float32Array; count: number; steps: number }, what: string): void {
  const I = model.config.inputSize;
  check(Number.isInteger(data.count) && data.count > 0, `${what} has no windows (count = ${data.count}); supply at least one window`);
  check(Number.isInteger(data.steps) && data.steps > 0, `${what}.steps must be a positive integer (got ${data.steps})`);
  check(data.x.length === data.count * data.steps * I, `${what}.x has ${data.x.length} values; [count=${data.count}, steps=${data.steps}, features=${I}] needs ${data.count * data.steps * I}`);
  const bad = data.x.findIndex((v) => !Number.isFinite(v));
  check(bad < 0, `${what}.x holds a non-finite value (NaN or ±Infinity) in window ${Math.floor(bad / (data.steps * I))}; clean or drop it first`);
}

/** validateWindows, and the targets too. */
export function validateSequences(model: Model, data: Sequences, what: string): void {
  validateWindows(model, data, what);
  const O = targetsPerWindow(model.config);
  check(data.y.length === data.count * O, `${what}.y has ${data.y.length} values; [count=${data.count}, targets=${O}] needs ${data.count * O}`);
  const bad = data.y.findIndex((v) => !Number.isFinite(v));
  check(bad < 0, `${what}.y holds a non-finite value in window ${Math.floor(bad / O)}; clean or drop it first`);
  if (model.config.loss === 'qlike') {
    check(data.y.every((v) => v > 0), `${what}.y must be positive for the QLIKE loss (it is a variance); use loss 'mse' otherwise`);
  }
}

/** Copies windows `index[from..to)` into one (b,T,I) batch and its (b,O) targets (O = targets per window). */
function gatherBatch(data: Sequences, index: Uint32Array, from: number, to: number, I: number, O: number) {
  const stride = data.steps * I;
  const x = new Float32Array((to - from) * stride);
  const y = new Float32Array((to - from) * O);
  for (let r = from; r < to; r++) {
    const w = index[r];
    x.set(data.x.subarray(w * stride, (w + 1) * stride), (r - from) * stride);
    y.set(data.y.subarray(w * O, (w + 1) * O), (r - from) * O);
  }
  return { x, y, b: to - from };
}

function sliceSequences(data: Sequences, from: number, to: number, I: number, O: number): Sequences {
  const stride = data.steps * I;
  return { x: data.x.subarray(from * stride, to * stride), y: data.y.subarray(from * O, to * O), count: to - from, steps: data.steps };
}

/** Mean loss of the model over every window, in batches; the loss itself is the CPU reference's. */
async function evaluateOn(session: Session, config: ModelConfig, data: Sequences, batchSize: number): Promise<number> {
  const I = config.inputSize, Y = targetsPerWindow(config);
  let sum = 0;
  for (let from = 0; from < data.count; from += batchSize) {
    const to = Math.min(from + batchSize, data.count);
    const out = Float64Array.from(await session.forward(data.x.subarray(from * data.steps * I, to * data.steps * I), to - from));
    sum += loss_forward(out, data.y.subarray(from * Y, to * Y), to - from, config.outputs, config.loss) * (to - from);
  }
  return sum / data.count;
}

/**
 * Trains the model in place: seeded shuffling per epoch, Adam, global-norm clipping, validation after every
 * epoch, early stopping with the best weights restored, progress callbacks and an AbortSignal.
 * A loss that turns NaN or infinite stops training with an error and leaves the last good weights in the model.
 */
export async function train(model: Model, data: Sequences, options: TrainOptions = {}): Promise<TrainResult> {
  const I = model.config.inputSize, O = targetsPerWindow(model.config);
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 64;
  const patience = options.patience ?? 5;
  const readEvery = Math.max(1, options.lossReadEvery ?? 8);
  check(Number.isInteger(epochs) && epochs > 0, `epochs must be a positive integer (got ${epochs})`);
  check(Number.isInteger(batchSize) && batchSize > 0, `batchSize must be a positive integer (got ${batchSize})`);
  const lr = options.learningRate ?? 1e-3;
  check(Number.isFinite(lr) && lr > 0, `learningRate must be a positive number (got ${lr})`);
  const schedule = options.learningRateSchedule ?? { kind: 'constant' };
  validateSchedule(schedule);
  const plateau = options.reduceLearningRateOnPlateau && new PlateauTracker(options.reduceLearningRateOnPlateau);
  validateSequences(model, data, 'training data');

  let trainSet = data;
  let validation = options.validation;
  const split = options.validationSplit ?? 0;
  check(split >= 0 && split < 1, `validationSplit must be in [0, 1) (got ${split})`);
  if (!validation && split > 0) {
    const nVal = Math.floor(data.count * split);
    check(nVal > 0 && nVal < data.count, `validationSplit ${split} leaves no windows for one side of ${data.count}; use more data or another split`);
    validation = sliceSequences(data, data.count - nVal, data.count, I, O);
    trainSet = sliceSequences(data, 0, data.count - nVal, I, O);
  }
  if (validation) {
    validateSequences(model, validation, 'validation data');
    check(validation.steps === trainSet.steps, `validation windows have ${validation.steps} steps, training windows ${trainSet.steps}`);
  }
  check(!plateau || validation, 'reduceLearningRateOnPlateau watches the validation loss: pass validation or validationSplit');

  const job = { kind: 'train' as const, steps: epochs * Math.ceil(trainSet.count / batchSize) };
  const session = options.session ?? (await openSession(options.backend ?? 'auto', model.config, { batchSize, steps: trainSet.steps, onSetup: options.onSetup, signal: options.signal }, job));
  const started = now();
  const history: EpochRecord[] = [];
  let best: { epoch: number; loss: number; params: Float32Array } = { epoch: 0, loss: Infinity, params: model.params.slice() };
  let lastGood: Float32Array = model.params.slice();
  let stopReason: TrainResult['stopReason'] = 'completed';
  let samples = 0;
  let t = 0;
  let epochRate = lr;
  const hyper = (): StepHyper => ({
    ...ADAM,
    learningRate: epochRate,
    clipNorm: options.clipNorm ?? 1,
    weightDecay: options.weightDecay ?? 0,
    t,
  });
  const rng = new Rng(options.seed ?? 1);
  // Dropout masks from their own stream, so that turning dropout on leaves the shuffling as it was.
  const maskRng = hasDropout(model.config) ? new Rng(((options.seed ?? 1) ^ 0x5bd1e995) >>> 0) : null;
  const index = Uint32Array.from({ length: trainSet.count }, (_, i) => i);
  const stepsPerEpoch = Math.ceil(trainSet.count / batchSize);
  try {
    session.setParams(model.params);
    if (validation && options.validateStart) best = { epoch: 0, loss: await evaluateOn(session, model.config, validation, batchSize), params: model.params.slice() };
    for (let epoch = 1; epoch <= epochs && stopReason === 'completed'; epoch++) {
      const epochStart = now();
      epochRate = scheduledRate(schedule, lr, epoch, epochs);
      if (plateau) epochRate = plateau.apply(epochRate);
      rng.shuffle(index);
      let lossSum = 0, lossCount = 0;
      const readLosses = async () => {
        for (const loss of await session.drainLosses()) {
          if (!Number.isFinite(loss)) {
            model.params.set(lastGood);
            throw new UserError(`training diverged: the loss became ${loss} in epoch ${epoch}; the last good weights were kept. Lower the learning rate, clip gradients harder or check the data's scale`);
          }
          lossSum += loss;
          lossCount++;
        }
      };
      for (let step = 1; step <= stepsPerEpoch; step++) {
        if (options.signal?.aborted) {
          stopReason = 'aborted';
          break;
        }
        const from = (step - 1) * batchSize;
        const batch = gatherBatch(trainSet, index, from, Math.min(from + batchSize, trainSet.count), I, O);
        t++;
        session.trainStep(batch.x, batch.y, batch.b, hyper(), maskRng ? drawDropoutMasks(model.config, batch.b, maskRng) : undefined);
        samples += batch.b;
        if (step % readEvery === 0 || step === stepsPerEpoch) {
          await readLosses();
          const elapsed = now() - started;
          const remainingSteps = (epochs - epoch) * stepsPerEpoch + (stepsPerEpoch - step);
          options.onProgress?.({
            phase: 'step', epoch, epochs, step, stepsPerEpoch,
            trainLoss: lossCount ? lossSum / lossCount : NaN,
            samplesPerSecond: samples / elapsed,
            etaSeconds: (elapsed / t) * remainingSteps,
          });
        }
      }
      await readLosses();
      if (stopReason === 'aborted' && lossCount === 0) break;
      lastGood = await session.readParams();
      const record: EpochRecord = { epoch, trainLoss: lossSum / Math.max(lossCount, 1), learningRate: epochRate, seconds: now() - epochStart };
      if (validation) {
        record.valLoss = await evaluateOn(session, model.config, validation, batchSize);
        if (record.valLoss < best.loss) best = { epoch, loss: record.valLoss, params: lastGood };
        else if (patience > 0 && epoch - best.epoch >= patience && stopReason === 'completed') stopReason = 'early-stopped';
        plateau?.update(record.valLoss, epochRate);
      }
      history.push(record);
      let stopAsked = false;
      if (options.onEpochEnd && (await options.onEpochEnd(record, { stop: () => (stopAsked = true) })) === false) stopAsked = true;
      if (stopAsked && stopReason === 'completed') stopReason = 'stopped';
      const elapsed = now() - started;
      options.onProgress?.({
        phase: 'epoch', epoch, epochs, step: stepsPerEpoch, stepsPerEpoch,
        trainLoss: record.trainLoss, valLoss: record.valLoss,
        samplesPerSecond: samples / elapsed,
        etaSeconds: stopReason === 'completed' ? (elapsed / epoch) * (epochs - epoch) : 0,
      });
    }
    const restore = validation && best.loss < Infinity && (options.restoreBestWeights ?? true);
    model.params.set(restore ? best.params : lastGood);
  } finally {
    if (!options.session) session.destroy();
  }
  const seconds = now() - started;
  return {
    history,
    bestEpoch: validation ? best.epoch : 0,
    bestValLoss: validation && best.loss < Infinity ? best.loss : undefined,
    stopReason,
    seconds,
    samplesPerSecond: samples / seconds,
    engine: session.stats,
  };
}

export interface PredictOptions {
  backend?: BackendChoice; // default 'auto'
  batchSize?: number;
  /** Predict on this open session (opened for at least batchSize and these steps; the caller destroys it). */
  session?: Session;
}

/** Dense-head outputs (count, O) for windows x (count, steps, I). */
export async function predict(model: Model, data: { x: Float32Array; count: number; steps: number }, options: PredictOptions = {}): Promise<Float32Array> {
  const { inputSize: I, outputs: O } = model.config;
  validateWindows(model, data, 'prediction input');
  const batchSize = Math.min(options.batchSize ?? 256, data.count);
  const session = options.session ?? (await openSession(options.backend ?? 'auto', model.config, { batchSize, steps: data.steps }, { kind: 'predict', steps: Math.ceil(data.count / batchSize) }));
  try {
    session.setParams(model.params);
    const out = new Float32Array(data.count * O);
    const stride = data.steps * I;
    for (let from = 0; from < data.count; from += batchSize) {
      const to = Math.min(from + batchSize, data.count);
      out.set(await session.forward(data.x.subarray(from * stride, to * stride), to - from), from * O);
    }
    return out;
  } finally {
    if (!options.session) session.destroy();
  }
}
