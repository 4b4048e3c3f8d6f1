import { check } from '../errors.js';

/**
 * The learning rate of each epoch, from the base rate (TrainOptions.learningRate). Evaluated once per epoch, as
 * Keras's LearningRateScheduler callback does.
 * - constant: the base rate throughout.
 * - step: base · factor^⌊(epoch − 1) / every⌋ (Keras's ExponentialDecay with staircase, counted in epochs).
 * - cosine: a linear warm-up over `warmupEpochs` (base · epoch / warmupEpochs), then half a cosine from the base
 *   rate towards `minLearningRate` over the remaining epochs (Keras's CosineDecay with warm-up, in epochs).
 */
export type LearningRateSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; factor: number }
  | { kind: 'cosine'; warmupEpochs?: number; minLearningRate?: number };

/**
 * Keras's ReduceLROnPlateau on the validation loss: after `patience` epochs whose validation loss did not beat the
 * best by more than `minDelta`, the rate is multiplied by `factor` (not below `minLearningRate`), then `cooldown`
 * epochs pass before counting again. Its factor multiplies the schedule's rate.
 */
export interface ReduceOnPlateau {
  factor?: number; // default 0.1
  patience?: number; // default 10
  minDelta?: number; // default 1e-4
  cooldown?: number; // default 0
  minLearningRate?: number; // default 0
}

export function validateSchedule(schedule: LearningRateSchedule): void {
  const kind = (schedule as { kind?: unknown })?.kind;
  check(kind === 'constant' || kind === 'step' || kind === 'cosine', `learningRateSchedule.kind must be 'constant', 'step' or 'cosine' (got ${String(kind)})`);
  if (schedule.kind === 'step') {
    check(Number.isInteger(schedule.every) && schedule.every > 0, `learningRateSchedule.every must be a positive integer of epochs (got ${schedule.every})`);
    check(schedule.factor > 0 && schedule.factor <= 1, `learningRateSchedule.factor must be in (0, 1] (got ${schedule.factor})`);
  }
  if (schedule.kind === 'cosine') {
    const warmup = schedule.warmupEpochs ?? 0;
    check(Number.isInteger(warmup) && warmup >= 0, `learningRateSchedule.warmupEpochs must be a non-negative integer (got ${warmup})`);
    const min = schedule.minLearningRate ?? 0;
    check(Number.isFinite(min) && min >= 0, `learningRateSchedule.minLearningRate must be a non-negative number (got ${min})`);
  }
}

/** The scheduled rate of 1-based `epoch` out of `epochs`. */
export function scheduledRate(schedule: LearningRateSchedule, base: number, epoch: number, epochs: number): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * schedule.factor ** Math.floor((epoch - 1) / schedule.every);
    case 'cosine': {
      const warmup = schedule.warmupEpochs ?? 0;
      if (epoch <= warmup) return (base * epoch) / warmup;
      const min = schedule.minLearningRate ?? 0;
      const progress = (epoch - warmup - 1) / Math.max(epochs - warmup, 1);
      return min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
  }
}

/** The plateau rule's state across epochs: `scale` multiplies the scheduled rate. */
export class PlateauTracker {
  scale = 1;
  private best = Infinity;
  private wait = 0;
  private cooldownLeft = 0;
  private readonly factor: number;
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly cooldown: number;
  readonly minLearningRate: number;

  constructor(settings: ReduceOnPlateau) {
    this.factor = settings.factor ?? 0.1;
    this.patience = settings.patience ?? 10;
    this.minDelta = settings.minDelta ?? 1e-4;
    this.cooldown = settings.cooldown ?? 0;
    this.minLearningRate = settings.minLearningRate ?? 0;
    check(this.factor > 0 && this.factor < 1, `reduceLearningRateOnPlateau.factor must be in (0, 1) (got ${this.factor})`);
    check(Number.isInteger(this.patience) && this.patience >= 0, `reduceLearningRateOnPlateau.patience must be a non-negative integer (got ${this.patience})`);
    check(Number.isInteger(this.cooldown) && this.cooldown >= 0, `reduceLearningRateOnPlateau.cooldown must be a non-negative integer (got ${this.cooldown})`);
    check(this.minDelta >= 0, `reduceLearningRateOnPlateau.minDelta must be >= 0 (got ${this.minDelta})`);
    check(this.minLearningRate >= 0, `reduceLearningRateOnPlateau.minLearningRate must be >= 0 (got ${this.minLearningRate})`);
  }

  /** Records one epoch's validation loss; `rate` is the rate that epoch used. Mirrors Keras's on_epoch_end. */
  update(valLoss: number, rate: number): void {
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.wait = 0;
    }
    if (valLoss < this.best - this.minDelta) {
      this.best = valLoss;
      this.wait = 0;
    } else if (this.cooldownLeft === 0 && ++this.wait >= this.patience) {
      if (rate > this.minLearningRate) this.scale *= this.factor;
      this.cooldownLeft = this.cooldown;
      this.wait = 0;
    }
  }

  /** The rate after the plateau rule: the scheduled rate scaled, not below the floor once reduced. */
  apply(scheduled: number): number {
    return this.scale < 1 ? Math.max(scheduled * this.scale, this.minLearningRate) : scheduled;
  }
}
