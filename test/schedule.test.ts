import { describe, expect, it } from 'vitest';
import { createModel, type ModelConfig } from '../src/model.js';
import { PlateauTracker, scheduledRate } from '../src/train/schedule.js';
import { train } from '../src/train/trainer.js';
import { garchWindows } from './helpers/synthetic.js';

const config: ModelConfig = { inputSize: 2, hiddenSize: 4, layers: 1, outputs: 1, loss: 'mse' };

describe('learning-rate schedules', () => {
  it('step decay multiplies by the factor every `every` epochs', () => {
    const s = { kind: 'step', every: 2, factor: 0.5 } as const;
    expect([1, 2, 3, 4, 5].map((e) => scheduledRate(s, 0.1, e, 5))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('cosine warms up linearly, then decays from the base rate towards the floor', () => {
    const s = { kind: 'cosine', warmupEpochs: 2, minLearningRate: 0.01 } as const;
    const rates = [1, 2, 3, 4, 5, 6].map((e) => scheduledRate(s, 0.1, e, 6));
    expect(rates[0]).toBeCloseTo(0.05, 12);
    expect(rates[1]).toBeCloseTo(0.1, 12);
    expect(rates[2]).toBeCloseTo(0.1, 12); // progress 0 of the 4 decay epochs
    expect(rates[3]).toBeCloseTo(0.01 + 0.09 * 0.5 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(rates[5]).toBeCloseTo(0.01 + 0.09 * 0.5 * (1 + Math.cos((3 * Math.PI) / 4)), 12);
    expect(scheduledRate({ kind: 'cosine' }, 0.1, 1, 1)).toBeCloseTo(0.1, 12);
  });

  it('the plateau rule follows Keras: patience, minDelta, cooldown and the floor', () => {
    const p = new PlateauTracker({ factor: 0.5, patience: 2, minDelta: 0.01, cooldown: 1, minLearningRate: 0.02 });
    const base = 0.1;
    const seen: number[] = [];
    // improves; two epochs within minDelta of the best reduce; the cooldown epoch resets the count, so two more
    // reduce again; an improvement, two flat epochs reduce to the floor, where it stays.
    for (const loss of [1, 0.995, 0.999, 0.998, 0.997, 0.996, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]) {
      const rate = p.apply(base);
      seen.push(rate);
      p.update(loss, rate);
    }
    expect(seen).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02]);
  });

  it('rejects bad settings with a message naming the setting', async () => {
    const data = garchWindows(32, 5);
    const model = createModel(config, 1);
    await expect(train(model, data, { backend: 'cpu', epochs: 1, learningRateSchedule: { kind: 'step', every: 0, factor: 0.5 } })).rejects.toThrow(/every must be a positive integer/);
    await expect(train(model, data, { backend: 'cpu', epochs: 1, learningRateSchedule: { kind: 'linear' } as never })).rejects.toThrow(/kind must be/);
    await expect(train(model, data, { backend: 'cpu', epochs: 1, reduceLearningRateOnPlateau: { factor: 2 } })).rejects.toThrow(/factor must be in \(0, 1\)/);
    await expect(train(model, data, { backend: 'cpu', epochs: 1, reduceLearningRateOnPlateau: {} })).rejects.toThrow(/validation loss: pass validation/);
  });
});

describe('training with a schedule and a stop callback', () => {
  it('trains each epoch at the scheduled rate and records it in the history', async () => {
    const data = garchWindows(64, 5);
    const result = await train(createModel(config, 1), data, {
      backend: 'cpu', epochs: 4, batchSize: 16, learningRate: 0.01, learningRateSchedule: { kind: 'step', every: 1, factor: 0.5 },
    });
    expect(result.history.map((r) => r.learningRate)).toEqual([0.01, 0.005, 0.0025, 0.00125]);
  });

  it('a different rate changes the weights, the same schedule reproduces them', async () => {
    const data = garchWindows(64, 5);
    const run = async (schedule: { kind: 'constant' } | { kind: 'step'; every: number; factor: number }) => {
      const model = createModel(config, 1);
      await train(model, data, { backend: 'cpu', epochs: 3, batchSize: 16, learningRate: 0.01, learningRateSchedule: schedule });
      return model.params;
    };
    const constant = await run({ kind: 'constant' });
    expect(await run({ kind: 'constant' })).toEqual(constant);
    expect(await run({ kind: 'step', every: 1, factor: 0.5 })).not.toEqual(constant);
  });

  it('reduces the rate on a validation plateau, as the rule replayed over the history says', async () => {
    const data = garchWindows(96, 5);
    const plateau = { factor: 0.5, patience: 1, minDelta: 0 };
    const result = await train(createModel(config, 1), data, {
      backend: 'cpu', epochs: 10, batchSize: 16, learningRate: 0.05, validationSplit: 0.3, patience: 0, reduceLearningRateOnPlateau: plateau,
    });
    expect(result.history).toHaveLength(10);
    const replay = new PlateauTracker(plateau);
    for (const r of result.history) {
      expect(r.learningRate).toBe(replay.apply(0.05));
      replay.update(r.valLoss!, r.learningRate);
    }
    expect(result.history.at(-1)!.learningRate).toBeLessThan(0.05); // a plateau was met at this rate
  });

  it('onEpochEnd returning false, or calling stop(), ends training after that epoch', async () => {
    const data = garchWindows(64, 5);
    const byFalse = await train(createModel(config, 1), data, { backend: 'cpu', epochs: 10, batchSize: 16, onEpochEnd: (r) => r.epoch < 2 });
    expect(byFalse.history.map((r) => r.epoch)).toEqual([1, 2]);
    expect(byFalse.stopReason).toBe('stopped');
    const byStop = await train(createModel(config, 1), data, {
      backend: 'cpu', epochs: 10, batchSize: 16,
      onEpochEnd: async (r, control) => { if (r.epoch === 3) control.stop(); },
    });
    expect(byStop.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(byStop.stopReason).toBe('stopped');
    const model = createModel(config, 1);
    const untouched = model.params.slice();
    await train(model, data, { backend: 'cpu', epochs: 10, batchSize: 16, onEpochEnd: () => false });
    expect(model.params.every(Number.isFinite)).toBe(true);
    expect(model.params).not.toEqual(untouched); // the epoch's training is kept
  });
});
