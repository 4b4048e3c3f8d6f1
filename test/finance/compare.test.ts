import jStat from 'jstat';
import { describe, expect, it } from 'vitest';
import { mincerZarnowitz, modelConfidenceSet } from '../../src/finance/compare.js';
import { Rng } from '../../src/rng.js';

/** n days of losses: mean + sd·N(0,1), from a seeded generator. */
function noisy(n: number, mean: number, sd: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => mean + sd * rng.normal());
}

describe('Model Confidence Set (Hansen, Lunde & Nason 2011, T_max)', () => {
  it('keeps only a clearly best model; the others get p-values near 0, worst eliminated first', () => {
    const mcs = modelConfidenceSet({ good: noisy(500, 1, 0.3, 1), middling: noisy(500, 1.5, 0.3, 2), bad: noisy(500, 2, 0.3, 3) });
    expect(mcs.models).toEqual(['good']);
    expect(mcs.eliminated).toEqual(['bad', 'middling']);
    expect(mcs.pValues.good).toBe(1);
    expect(mcs.pValues.bad).toBeLessThan(0.01);
    expect(mcs.pValues.middling).toBeLessThan(0.01);
    expect(mcs).toMatchObject({ level: 0.9, draws: 1000, blockLength: 8 }); // ceil(500^(1/3)) = ceil(7.94)
  });

  it('keeps every model when the losses are identical (p-value 1 for all)', () => {
    const l = noisy(200, 1, 0.5, 4);
    const mcs = modelConfidenceSet({ a: l, b: l, c: Float64Array.from(l) });
    expect(mcs.models).toEqual(['a', 'b', 'c']);
    expect(mcs.pValues).toEqual({ a: 1, b: 1, c: 1 });
    expect(mcs.eliminated).toEqual([]);
  });

  it('keeps models of equal expected loss (one draw from the null: large p-values)', () => {
    const mcs = modelConfidenceSet({ a: noisy(1000, 1, 0.5, 5), b: noisy(1000, 1, 0.5, 6), c: noisy(1000, 1, 0.5, 7), d: noisy(1000, 1, 0.5, 8) });
    expect(mcs.models).toEqual(['a', 'b', 'c', 'd']);
    for (const p of Object.values(mcs.pValues)) expect(p).toBeGreaterThan(0.2);
  });

  it('with two models and iid resampling, its p-value is the two-sided z-test of the mean loss difference', () => {
    // For two models d_1· = (L1 - L2)/2 = -d_2·, so T_max = |t| with t = mean(d)·sqrt(n)/sd(d): the bootstrap
    // p-value must approach 2(1 - Φ(|t|)).
    const a = noisy(1000, 1, 1, 9);
    const b = noisy(1000, 1.12, 1, 10);
    const d = a.map((v, i) => v - b[i]);
    const dBar = d.reduce((s, v) => s + v, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, v) => s + (v - dBar) ** 2, 0) / d.length);
    const expected = 2 * (1 - jStat.normal.cdf(Math.abs(dBar) * Math.sqrt(d.length) / sd, 0, 1));
    expect(expected).toBeGreaterThan(0.01);
    expect(expected).toBeLessThan(0.2);
    const mcs = modelConfidenceSet({ a, b }, { blockLength: 1, draws: 4000 });
    const worse = mcs.pValues.a < 1 ? 'a' : 'b';
    expect(mcs.pValues[worse]).toBeCloseTo(expected, 1);
    expect(Math.abs(mcs.pValues[worse] - expected)).toBeLessThan(0.02);
  });

  it('MCS p-values never fall as models are eliminated', () => {
    const mcs = modelConfidenceSet({ a: noisy(300, 1, 1, 11), b: noisy(300, 1.1, 1, 12), c: noisy(300, 1.2, 1, 13), d: noisy(300, 1.6, 1, 14) }, { draws: 500 });
    const order = Object.entries(mcs.pValues).sort((x, y) => x[1] - y[1]).map(([name]) => name);
    const values = order.map((name) => mcs.pValues[name]);
    expect(values).toEqual([...values].sort((x, y) => x - y));
    expect(values[values.length - 1]).toBe(1);
  });

  it('is deterministic for a seed', () => {
    const losses = { a: noisy(300, 1, 1, 15), b: noisy(300, 1.15, 1, 16), c: noisy(300, 1.05, 1, 17) };
    expect(modelConfidenceSet(losses, { seed: 3, draws: 300 })).toEqual(modelConfidenceSet(losses, { seed: 3, draws: 300 }));
    expect(modelConfidenceSet(losses, { seed: 1, draws: 300 }).pValues.b).not.toBe(modelConfidenceSet(losses, { seed: 2, draws: 300 }).pValues.b);
  });

  it('says what is wrong with bad input', () => {
    expect(() => modelConfidenceSet({})).toThrow(/at least one model/);
    expect(() => modelConfidenceSet({ a: [1, 2, 3], b: [1, 2] })).toThrow(/one length/);
    expect(() => modelConfidenceSet({ a: [1, NaN, 3] })).toThrow(/non-finite/);
    expect(() => modelConfidenceSet({ a: [1, 2, 3] }, { level: 1 })).toThrow(/level/);
    expect(() => modelConfidenceSet({ a: [1, 2, 3] }, { blockLength: 4 })).toThrow(/block length/);
  });
});

describe('Mincer–Zarnowitz regression of log target on log forecast', () => {
  it('recovers an exact linear relation in logs', () => {
    // ln target = 0.5 + 0.8·ln forecast exactly.
    const forecast = [1, 2, 4, 8, 0.5];
    const target = forecast.map((f) => Math.exp(0.5) * f ** 0.8);
    const mz = mincerZarnowitz(target, forecast);
    expect(mz.intercept).toBeCloseTo(0.5, 12);
    expect(mz.slope).toBeCloseTo(0.8, 12);
    expect(mz.r2).toBeCloseTo(1, 12);
    expect(mz.n).toBe(5);
  });

  it('matches a hand-computed fit', () => {
    // x = ln f = [0, 1, 2], y = ln target = [0, 2, 1]: x̄ = ȳ = 1, Sxy = 1, Sxx = 2, so b = 0.5, a = 0.5;
    // fitted [0.5, 1, 1.5], residuals [-0.5, 1, -0.5]: SSR = 1.5, SST = 2, R² = 0.25.
    const mz = mincerZarnowitz([1, Math.E ** 2, Math.E], [1, Math.E, Math.E ** 2]);
    expect(mz).toEqual({ intercept: expect.closeTo(0.5, 12), slope: expect.closeTo(0.5, 12), r2: expect.closeTo(0.25, 12), n: 3 });
  });

  it('floors zero targets at the variance floor', () => {
    // ln(1e-4) = -9.2103 for the zero target: x = [0, 1, 2], y = [ln 1e-4, 1, 2].
    const mz = mincerZarnowitz([0, Math.E, Math.E ** 2], [1, Math.E, Math.E ** 2]);
    const y = [Math.log(1e-4), 1, 2];
    const yBar = (y[0] + 3) / 3;
    expect(mz.slope).toBeCloseTo((-(y[0] - yBar) + (2 - yBar)) / 2, 12);
  });

  it('rejects a constant forecast and mismatched lengths', () => {
    expect(() => mincerZarnowitz([1, 2, 3], [1, 1, 1])).toThrow(/constant/);
    expect(() => mincerZarnowitz([1, 2, 3], [1, 2])).toThrow(/one length/);
  });
});
