import { describe, expect, it } from 'vitest';
import { ewmaForecasts, fitHar, fitLogHar, garchForecasts, harForecasts, logHarForecasts, RISKMETRICS_LAMBDA } from '../../src/finance/baselines.js';
import { qlike } from '../../src/finance/metrics.js';
import { FIRST_ORIGIN, harComponents, VARIANCE_FLOOR, varianceTargets } from '../../src/finance/features.js';
import { fitGarch, garchVariances } from '../../src/finance/garch.js';
import { simulateGarch, TYPICAL } from './helpers.js';

describe('EWMA (RiskMetrics)', () => {
  it('updates sigma² = 0.94·sigma² + 0.06·r², by hand', () => {
    // start 1; r = 1, -2, 0.5: 1, 0.94 + 0.24 = 1.18, 0.94·1.18 + 0.06·0.25 = 1.1242
    const f = ewmaForecasts(Float64Array.of(1, -2, 0.5), 1, RISKMETRICS_LAMBDA, 1);
    expect(Array.from(f)).toEqual([expect.closeTo(1, 12), expect.closeTo(1.18, 12), expect.closeTo(1.1242, 12)]);
    // Over h days the forecast is flat: h·sigma².
    expect(ewmaForecasts(Float64Array.of(1, -2, 0.5), 5, RISKMETRICS_LAMBDA, 1)[2]).toBeCloseTo(5 * 1.1242, 12);
  });
});

describe('HAR on levels', () => {
  const returns = simulateGarch(TYPICAL, 600, 5);
  const har = harComponents(returns);
  const origins = Array.from({ length: 500 }, (_, i) => FIRST_ORIGIN + i);
  const b = { intercept: 0.1, meanSquare1d: 0.2, meanSquare5d: 0.3, meanSquare22d: 0.4 };
  const linear = (t: number) => 0.1 + 0.2 * har.daily[t] + 0.3 * har.weekly[t] + 0.4 * har.monthly[t];

  it('recovers the coefficients of an exactly linear target by OLS, and the range of the fitted targets', () => {
    const target = Float64Array.from(returns, (_, t) => linear(t));
    const fit = fitHar(returns, target, origins);
    expect(fit.coefficients.intercept).toBeCloseTo(0.1, 8);
    expect(fit.coefficients.meanSquare1d).toBeCloseTo(0.2, 8);
    expect(fit.coefficients.meanSquare5d).toBeCloseTo(0.3, 8);
    expect(fit.coefficients.meanSquare22d).toBeCloseTo(0.4, 8);
    const fitted = origins.map((t) => target[t]);
    expect(fit.targetRange.min).toBe(Math.min(...fitted));
    expect(fit.targetRange.max).toBe(Math.max(...fitted));
    expect(fit.targetRange.mean).toBeCloseTo(fitted.reduce((s, v) => s + v, 0) / fitted.length, 12);
  });

  it('forecasts b0 + b1·meanSquare1d + b5·meanSquare5d + b22·meanSquare22d inside the fitted range', () => {
    const t = 100;
    const f = harForecasts(returns, { coefficients: b, targetRange: { min: 0, max: 1e6, mean: 1 } });
    expect(f[t]).toBeCloseTo(linear(t), 12);
    expect(f[FIRST_ORIGIN - 1]).toBeNaN();
  });

  it('replaces a forecast outside the fitted range by the fitted mean (the insanity filter), then floors it', () => {
    const t = 100;
    const below = harForecasts(returns, { coefficients: b, targetRange: { min: linear(t) + 1e-9, max: 1e6, mean: 1.5 } });
    expect(below[t]).toBe(1.5);
    const above = harForecasts(returns, { coefficients: b, targetRange: { min: 0, max: linear(t) - 1e-9, mean: 1.5 } });
    expect(above[t]).toBe(1.5);
    const negative = { ...b, intercept: -100 };
    expect(harForecasts(returns, { coefficients: negative, targetRange: { min: -1e6, max: 1e6, mean: 1 } })[t]).toBe(VARIANCE_FLOOR);
    expect(harForecasts(returns, { coefficients: negative, targetRange: { min: 0, max: 1e6, mean: 0 } })[t]).toBe(VARIANCE_FLOOR);
  });

  it('fits a realistic target with positive weights on the slower components', () => {
    const fit = fitHar(returns, varianceTargets(returns, 1), origins);
    expect(fit.coefficients.meanSquare5d + fit.coefficients.meanSquare22d).toBeGreaterThan(0);
  });
});

describe('log-HAR', () => {
  const returns = simulateGarch(TYPICAL, 600, 5);
  const har = harComponents(returns);
  const origins = Array.from({ length: 500 }, (_, i) => FIRST_ORIGIN + i);
  const logLinear = (t: number) => -0.2 + 0.3 * Math.log(Math.max(har.daily[t], VARIANCE_FLOOR)) + 0.25 * Math.log(har.weekly[t]) + 0.35 * Math.log(har.monthly[t]);

  it('recovers an exactly log-linear target, with scale 1', () => {
    const target = Float64Array.from(returns, (_, t) => Math.exp(logLinear(t)));
    const fit = fitLogHar(returns, target, origins);
    expect(fit.coefficients.intercept).toBeCloseTo(-0.2, 8);
    expect(fit.coefficients.meanSquare1d).toBeCloseTo(0.3, 8);
    expect(fit.coefficients.meanSquare5d).toBeCloseTo(0.25, 8);
    expect(fit.coefficients.meanSquare22d).toBeCloseTo(0.35, 8);
    expect(fit.scale).toBeCloseTo(1, 8);
    expect(logHarForecasts(returns, fit)[200]).toBeCloseTo(target[200], 8);
    expect(logHarForecasts(returns, fit)[FIRST_ORIGIN - 1]).toBeNaN();
  });

  it('scales by mean(target / e^fit) over the fitted origins: the QLIKE-optimal constant', () => {
    // Noise the logs cannot fit: whatever OLS finds, the scale makes mean(target / forecast) = 1 over the origins.
    const target = Float64Array.from(returns, (_, t) => Math.exp(logLinear(t)) * (t % 2 === 0 ? 0.5 : 2.5));
    const fit = fitLogHar(returns, target, origins);
    const forecasts = logHarForecasts(returns, fit);
    const ratio = origins.reduce((s, t) => s + target[t] / forecasts[t], 0) / origins.length;
    expect(ratio).toBeCloseTo(1, 10);
    // The noise has mean 1.5 and geometric mean sqrt(1.25): the scale lifts exp(E[log]) back to E[level].
    expect(fit.scale).toBeGreaterThan(1.2);
  });

  it('improves QLIKE on a GARCH target over the unscaled fit', () => {
    const target = varianceTargets(returns, 1);
    const fit = fitLogHar(returns, target, origins);
    expect(fit.scale).toBeGreaterThan(1.5); // E[log r²] sits ~1.27 below log E[r²]: e^1.27 ≈ 3.6, less with the smoothing
    const f = logHarForecasts(returns, fit);
    const unscaled = logHarForecasts(returns, { ...fit, scale: 1 });
    const loss = (g: Float64Array) => origins.reduce((s, t) => s + qlike(target[t], g[t]), 0);
    expect(loss(f)).toBeLessThan(loss(unscaled));
  });
});

describe('GARCH forecasts', () => {
  it('are the filtered next-day variances for h = 1', () => {
    const returns = simulateGarch(TYPICAL, 400, 9);
    const fit = fitGarch(returns.subarray(0, 300));
    const sigma2 = garchVariances(returns, fit, fit.backcast);
    const f = garchForecasts(returns, 1, fit);
    expect(f[350]).toBeCloseTo(sigma2[351], 12);
    expect(f[299]).toBeCloseTo(sigma2[300], 12);
  });
});
