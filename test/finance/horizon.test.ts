// Horizon h > 1: one-day VaR and ES from each model's one-day variance forecast, h-day VaR against h-day returns.
import { beforeAll, describe, expect, it } from 'vitest';
import { fitHar, fitLogHar, ewmaForecasts, garchForecasts, RISKMETRICS_LAMBDA } from '../../src/finance/baselines.js';
import { parseMarketData } from '../../src/finance/data.js';
import { backtestHorizon, horizonReturn, MODEL_NAMES, tailSet, type ForecastSet } from '../../src/finance/evaluate.js';
import { buildWindows, FIRST_ORIGIN, varianceTargets, windowOrigins } from '../../src/finance/features.js';
import { forecastNextDay } from '../../src/finance/forecast.js';
import { lstmTargets, memberVariances } from '../../src/finance/lstm.js';
import { resolveRiskOptions, type RiskOptions } from '../../src/finance/options.js';
import { prepareData, runRiskPipeline, type PipelineResult } from '../../src/finance/pipeline.js';
import type { RiskModelMeta } from '../../src/finance/report.js';
import { gaussianTail, studentTTail, valueAtRisk } from '../../src/finance/risk.js';
import { fitBaselinesOn, oneDayBaselinesUpTo } from '../../src/finance/steps.js';
import { modelFromJSON, modelToJSON } from '../../src/model.js';
import { predict } from '../../src/train/trainer.js';
import { garchCsv } from './helpers.js';

const HORIZON = 5;
const SMALL: Partial<RiskOptions> = { backend: 'cpu', window: 10, hidden: 8, epochs: 2, batchSize: 32, horizon: HORIZON };

describe('h-day VaR backtested on non-overlapping h-day returns', () => {
  it('sums the h returns after the origin', () => {
    expect(horizonReturn(Float64Array.from([9, 1, 2, 3, 9]), 0, 3)).toBe(6);
  });

  it('keeps every h-th test origin and counts exceptions of sqrt(h-day variance)·quantile, by hand', () => {
    // h = 2, origins 0..4: the windows kept start at 0, 2 and 4 and cover returns 1-2, 3-4 and 5-6.
    const returns = Float64Array.from([0, -2, -1, 5, -9, -1, -3, 7]);
    const origins = [0, 1, 2, 3, 4];
    // h-day variance 4 everywhere: Gaussian 99% VaR 2·2.326 = 4.65; h-day returns -3, -4, -4 (none beyond);
    // variance 1 for EWMA: VaR 2.33, every window is an exception.
    const flat = (v: number) => new Float64Array(8).fill(v);
    const forecasts = Object.fromEntries(MODEL_NAMES.map((m) => [m, flat(m === 'ewma' ? 1 : 4)])) as ForecastSet;
    const gaussian = tailSet(Float64Array.from({ length: 50 }, (_, i) => i - 25), Infinity);
    const tails = Object.fromEntries(MODEL_NAMES.map((m) => [m, gaussian])) as Record<(typeof MODEL_NAMES)[number], typeof gaussian>;
    const b = backtestHorizon(returns, forecasts, tails, origins, 2);
    expect(b).toMatchObject({ horizon: 2, windows: 3 });
    expect(b.var.garch['0.99']).toMatchObject({ n: 3, exceptions: 0, trafficLight: null });
    expect(b.var.ewma['0.99']).toMatchObject({ n: 3, exceptions: 3 });
    expect(b.var.ewma['0.99'].expected).toBeCloseTo(0.03, 12);
    // At 95% (VaR 1.645·2 = 3.29 for variance 4): -4 and -4 are exceptions, -3 is not.
    expect(b.var.har['0.95'].exceptions).toBe(2);
    expect(valueAtRisk(2, gaussianTail(0.95))).toBeCloseTo(3.29, 2);
  });
});

describe('one-day forecasts of the baselines beside their h-day ones', () => {
  const returns = parseMarketData(garchCsv(600)).series[0].returns;
  const fits = fitBaselinesOn(returns, varianceTargets(returns, HORIZON), { from: 0, to: 500 }, HORIZON, 'normal');
  const oneDay = oneDayBaselinesUpTo(returns, 500, fits);

  it('EWMA and the GARCH family give their one-step variance; HAR and log-HAR a HAR fitted on the next squared return', () => {
    const inside = returns.subarray(0, 500);
    expect(oneDay.ewma).toEqual(ewmaForecasts(inside, 1, RISKMETRICS_LAMBDA, fits.ewmaStart));
    expect(oneDay.garch).toEqual(garchForecasts(inside, 1, fits.garch));
    const nextDay = varianceTargets(inside, 1);
    const origins = windowOrigins({ from: FIRST_ORIGIN, to: 500 }, 1, 1);
    expect(fits.oneDay!.har).toEqual(fitHar(inside, nextDay, origins));
    expect(fits.oneDay!.loghar).toEqual(fitLogHar(inside, nextDay, origins));
    expect(fits.oneDay!.har.coefficients).not.toEqual(fits.har.coefficients);
    expect(fitBaselinesOn(returns, varianceTargets(returns, 1), { from: 0, to: 500 }, 1, 'normal').oneDay).toBeNull();
  });
});

describe('the LSTM for h > 1: a second output, the next day’s log-variance', () => {
  it('trains on both targets side by side and scales each output by its own calibration', () => {
    // QLIKE targets are the variances themselves: h-day then one-day, window by window.
    expect(Array.from(lstmTargets([[10, 20], [1, 3]], 'qlike'))).toEqual([10, 1, 20, 3]);
    expect(Array.from(lstmTargets([[Math.E, 1]], 'mse'))).toEqual([1, 0]);
    const outputs = [
      { logVariance: Float32Array.from([0, 1]), oneDayLogVariance: Float32Array.from([-1, 0]), nu: null },
      { logVariance: Float32Array.from([1, 0]), oneDayLogVariance: Float32Array.from([0, -1]), nu: null },
    ];
    const v = memberVariances(outputs, [2, 4], [1, 3]);
    expect(v.mean[0]).toBeCloseTo((2 * 1 + 4 * Math.E) / 2, 6);
    expect(v.oneDayMembers[1][0]).toBeCloseTo(3, 6);
    expect(v.oneDay[0]).toBeCloseTo((Math.exp(-1) + 3) / 2, 6);
    // Without one-day scales (h = 1) the one-day forecast is the forecast.
    expect(memberVariances(outputs, [2, 4]).oneDay).toEqual(memberVariances(outputs, [2, 4]).mean);
  });
});

describe('the single-split run with --horizon 5', () => {
  const csv = garchCsv(900);
  let run: PipelineResult;
  beforeAll(async () => {
    run = await runRiskPipeline({ csvText: csv, source: 'synthetic', options: SMALL });
  });

  it('takes one-day VaR from the one-day variance, not from the h-day forecast / h', async () => {
    const r = run.report;
    const { model, extra } = modelFromJSON(run.modelText);
    const risk = extra.risk as RiskModelMeta;
    expect(model.config.outputs).toBe(2);
    expect(risk.oneDayCalibration).toHaveLength(1);
    expect(r.training.members[0].oneDayCalibration).toBe(risk.oneDayCalibration![0]);
    // One test day by hand: the network's second output, scaled by its calibration, is the one-day variance.
    const prepared = prepareData(parseMarketData(csv), resolveRiskOptions(SMALL));
    const days = run.testDays[0];
    const i = 11;
    const x = buildWindows(prepared.matrices[0], risk.scaler, [prepared.origins.test[i]], risk.window);
    const [s, s1] = await predict(model, { x, count: 1, steps: risk.window }, { backend: 'cpu' });
    expect(days.forecasts.lstm[i]).toBeCloseTo(risk.calibration[0] * Math.exp(s), 9);
    const sigma = Math.sqrt(risk.oneDayCalibration![0] * Math.exp(s1));
    expect(days.var.lstm['0.99'].t[i]).toBeCloseTo(valueAtRisk(sigma, studentTTail(0.99, risk.nu)), 9);
    expect(Math.abs(days.var.lstm['0.99'].t[i] - valueAtRisk(Math.sqrt(days.forecasts.lstm[i] / HORIZON), studentTTail(0.99, risk.nu)))).toBeGreaterThan(1e-6);
    // GARCH's one-day VaR: its one-step variance at that origin.
    const b = fitBaselinesOn(prepared.market.series[0].returns, prepared.targets[0], { from: 0, to: prepared.splits.validation.to }, HORIZON, 't');
    const t = prepared.origins.test[i];
    const garchOneDay = oneDayBaselinesUpTo(prepared.market.series[0].returns, prepared.market.dates.length, b).garch[t];
    expect(days.var.garch['0.99'].t[i]).toBeCloseTo(valueAtRisk(Math.sqrt(garchOneDay), studentTTail(0.99, b.garch.nu!)), 9);
    // The one-day backtest counts one-day returns against those VaRs.
    for (const m of MODEL_NAMES) expect(days.returns.filter((ret, k) => ret < -days.var[m]['0.99'].t[k]).length).toBe(r.var[m]['0.99'].exceptions);
  });

  it('backtests h-day VaR on every fifth test day against the 5-day return', () => {
    const h = run.report.horizonVar!;
    const n = run.report.data.split.test.windows;
    expect(h).toMatchObject({ horizon: HORIZON, windows: Math.ceil(n / HORIZON) });
    for (const m of MODEL_NAMES) expect(h.var[m]['0.99']).toMatchObject({ n: h.windows, trafficLight: null, trafficLightReason: expect.stringMatching(/one-day/) });
    // By hand for EWMA: VaR = sqrt(5-day variance)·(its t quantile), exceptions of the 5-day return.
    const prepared = prepareData(parseMarketData(csv), resolveRiskOptions(SMALL));
    const returns = prepared.market.series[0].returns;
    const days = run.testDays[0];
    const q = (days.var.ewma['0.99'].t[0] / Math.sqrt(days.forecasts.ewma[0] / HORIZON)) * -1; // EWMA's 5-day forecast is flat: 5·σ²
    let exceptions = 0;
    for (let k = 0; k < n; k += HORIZON) if (horizonReturn(returns, prepared.origins.test[k], HORIZON) < Math.sqrt(days.forecasts.ewma[k]) * q) exceptions++;
    expect(h.var.ewma['0.99'].exceptions).toBe(exceptions);
  });

  it('predict reads the model back to the same one-day and h-day figures, and refuses a file without the one-day output', async () => {
    const forecast = await forecastNextDay({ modelText: run.modelText, csvText: csv, backend: 'cpu' });
    const next = forecast.series[0].nextDay.models;
    const trained = run.report.nextDay.models;
    expect(next.lstm.volatility).toBeCloseTo(trained.lstm.volatility, 6);
    expect(next.lstm.variance).toBeCloseTo(trained.lstm.variance, 6);
    // The h-day VaR is the t's on the 5-day variance; the 10-day path starts from the one-day variance.
    expect(next.ewma.horizon!['0.99'].valueAtRisk).toBeCloseTo(Math.sqrt(next.ewma.variance) * (next.ewma.var['0.99'].t / next.ewma.volatility), 9);
    expect(next.ewma.tenDay['0.99'].t.valueAtRisk).toBeCloseTo(Math.sqrt(10) * next.ewma.var['0.99'].t, 9);
    expect(trained.garch.volatility).not.toBeCloseTo(Math.sqrt(trained.garch.variance / HORIZON), 6);
    const { model, extra } = modelFromJSON(run.modelText);
    const { oneDayCalibration: _dropped, ...older } = extra.risk as RiskModelMeta;
    await expect(forecastNextDay({ modelText: modelToJSON(model, { risk: older }), csvText: csv, backend: 'cpu' })).rejects.toThrow(/horizon 5 .* train the model again/);
  });
});
