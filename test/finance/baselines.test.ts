import { describe, expect, it } from 'vitest';
import { ewmaForecasts, fitHar, garchForecasts, harForecasts, RISKMETRICS_LAMBDA } from '../../src/finance/baselines.js';
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

describe('HAR-RV', () => {
  const returns = simulateGarch(TYPICAL, 600, 5);
  const har = harComponents(returns);
  const origins = Array.from({ length: 500 }, (_, i) => FIRST_ORIGIN + i);

  it('recovers the coefficients of an exactly linear target by OLS', () => {
    const target = Float64Array.from(returns, (_, t) => 0.1 + 0.2 * har.daily[t] + 0.3 * har.weekly[t] + 0.4 * har.monthly[t]);
    const fit = fitHar(returns, target, origins);
    expect(fit.intercept).toBeCloseTo(0.1, 8);
    expect(fit.daily).toBeCloseTo(0.2, 8);
    expect(fit.weekly).toBeCloseTo(0.3, 8);
    expect(fit.monthly).toBeCloseTo(0.4, 8);
  });

  it('forecasts b0 + bd·RV_d + bw·RV_w + bm·RV_m, floored at the variance floor', () => {
    const t = 100;
    const f = harForecasts(returns, { intercept: 0.1, daily: 0.2, weekly: 0.3, monthly: 0.4 });
    expect(f[t]).toBeCloseTo(0.1 + 0.2 * har.daily[t] + 0.3 * har.weekly[t] + 0.4 * har.monthly[t], 12);
    expect(f[FIRST_ORIGIN - 1]).toBeNaN();
    expect(harForecasts(returns, { intercept: -100, daily: 0, weekly: 0, monthly: 0 })[t]).toBe(VARIANCE_FLOOR);
  });

  it('fits a realistic target with positive weights on the slower components', () => {
    const fit = fitHar(returns, varianceTargets(returns, 1), origins);
    expect(fit.weekly + fit.monthly).toBeGreaterThan(0);
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
