import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  buildWindows,
  checkEnoughData,
  chronologicalSplits,
  featureMatrix,
  FIRST_ORIGIN,
  fitScaler,
  harComponents,
  minimumReturns,
  MIN_WINDOWS,
  VARIANCE_FLOOR,
  varianceTargets,
  windowCounts,
  windowOrigins,
} from '../../src/finance/features.js';

const SPLIT = { train: 0.7, validation: 0.15, test: 0.15 };
const ramp = (n: number) => Float64Array.from({ length: n }, (_, t) => t + 1); // returns 1, 2, 3, ...

describe('HAR components and targets', () => {
  it('averages squared returns over 1, 5 and 22 days, causally', () => {
    const har = harComponents(ramp(25));
    expect(har.daily[3]).toBe(16);
    expect(har.weekly[3]).toBeNaN();
    expect(har.weekly[4]).toBeCloseTo((1 + 4 + 9 + 16 + 25) / 5, 12);
    expect(har.monthly[20]).toBeNaN();
    expect(har.monthly[21]).toBeCloseTo((22 * 23 * 45) / 6 / 22, 10); // mean of 1²..22²
    expect(har.monthly[22]).toBeCloseTo(har.monthly[21] + (23 ** 2 - 1) / 22, 10);
  });

  it('sums the next h squared returns as the target, NaN where the future is unknown', () => {
    expect(Array.from(varianceTargets(ramp(4), 1))).toEqual([4, 9, 16, NaN]);
    expect(Array.from(varianceTargets(ramp(4), 2))).toEqual([13, 25, NaN, NaN]);
  });

  it('builds features from the return and logs of the variance measures, floored', () => {
    const returns = Float64Array.from({ length: 30 }, (_, t) => (t === 25 ? 0 : t % 2 ? 1 : -2));
    const m = featureMatrix({ name: 's', returns });
    expect(m.names).toEqual(['return', 'log squared return', 'log mean sq. return 5d', 'log mean sq. return 22d']);
    const row = (t: number) => Array.from(m.values.subarray(t * 4, t * 4 + 4));
    expect(row(24)).toEqual([-2, Math.log(4), expect.closeTo(Math.log((4 + 1 + 4 + 1 + 4) / 5), 12), expect.any(Number)]);
    expect(row(25)[1]).toBe(Math.log(VARIANCE_FLOOR)); // a zero return
  });
});

describe('chronological splits and windows', () => {
  it('splits the days after the 22-day look-back 70/15/15 in time order', () => {
    expect(chronologicalSplits(1021, SPLIT)).toEqual({ train: { from: 21, to: 721 }, validation: { from: 721, to: 871 }, test: { from: 871, to: 1021 } });
  });

  it('keeps every window and its target inside its split', () => {
    const splits = chronologicalSplits(1021, SPLIT);
    for (const [window, horizon] of [[10, 1], [22, 5], [1, 1]]) {
      for (const range of Object.values(splits)) {
        const origins = windowOrigins(range, window, horizon);
        expect(origins.length).toBe(range.to - range.from - (window - 1) - horizon);
        expect(origins[0] - window + 1).toBe(range.from);
        expect(origins[origins.length - 1] + horizon).toBe(range.to - 1);
      }
    }
  });

  it('computes the minimum data length and refuses less, saying what it needs', () => {
    const need = minimumReturns(SPLIT, 22, 1);
    const enough = windowCounts(need, SPLIT, 22, 1);
    expect(enough.train).toBeGreaterThanOrEqual(MIN_WINDOWS.train);
    expect(enough.validation).toBeGreaterThanOrEqual(MIN_WINDOWS.validation);
    expect(enough.test).toBeGreaterThanOrEqual(MIN_WINDOWS.test);
    expect(() => checkEnoughData(need, SPLIT, 22, 1, 1)).not.toThrow();
    expect(() => checkEnoughData(need - 1, SPLIT, 22, 1, 1)).toThrow(UserError);
    expect(() => checkEnoughData(need - 1, SPLIT, 22, 1, 1)).toThrow(new RegExp(`the data has ${need}, .* need at least ${need + 1}`));
    expect(need).toBeGreaterThan(FIRST_ORIGIN + 400);
  });
});

describe('standardisation', () => {
  const returns = Float64Array.from({ length: 200 }, (_, t) => Math.sin(t) * (t < 150 ? 1 : 10));
  const m = featureMatrix({ name: 's', returns });
  const train = { from: FIRST_ORIGIN, to: 150 };

  it('is fitted on the training rows only', () => {
    const scaler = fitScaler([m], train);
    const later = featureMatrix({ name: 's', returns: returns.map((r, t) => (t >= 150 ? r * 100 : r)) });
    expect(fitScaler([later], train)).toEqual(scaler);
    // The training rows come out with mean 0 and standard deviation 1.
    const x = buildWindows(m, scaler, Array.from({ length: train.to - train.from }, (_, i) => train.from + i), 1);
    const ret = Array.from({ length: x.length / 4 }, (_, i) => x[i * 4]);
    const mean = ret.reduce((a, b) => a + b) / ret.length;
    expect(mean).toBeCloseTo(0, 5);
    expect(Math.sqrt(ret.reduce((a, b) => a + (b - mean) ** 2, 0) / (ret.length - 1))).toBeCloseTo(1, 5);
  });

  it('lays windows out as [window, step, feature], ending at their origin', () => {
    const scaler = fitScaler([m], train);
    const x = buildWindows(m, scaler, [40, 60], 3);
    // window 1, step 2 is day 60, feature 0 (the return)
    expect(x[(1 * 3 + 2) * 4]).toBeCloseTo((returns[60] - scaler.mean[0]) / scaler.std[0], 5);
    expect(x[(0 * 3 + 0) * 4 + 3]).toBeCloseTo((m.values[38 * 4 + 3] - scaler.mean[3]) / scaler.std[3], 5);
  });
});
