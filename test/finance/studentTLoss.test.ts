import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseMarketData } from '../../src/finance/data.js';
import { buildWindows } from '../../src/finance/features.js';
import { forecastNextDay } from '../../src/finance/forecast.js';
import { degreesOfFreedom, lstmTargets } from '../../src/finance/lstm.js';
import { resolveRiskOptions, type RiskOptions } from '../../src/finance/options.js';
import { prepareData, runRiskPipeline, type PipelineResult } from '../../src/finance/pipeline.js';
import type { RiskModelMeta } from '../../src/finance/report.js';
import { expectedShortfall, studentTTail, valueAtRisk } from '../../src/finance/risk.js';
import { modelFromJSON } from '../../src/model.js';
import { predict } from '../../src/train/trainer.js';
import { garchCsv } from './helpers.js';

// A tiny net for a few epochs on the CPU backend: seconds.
const STUDENT_T: Partial<RiskOptions> = { backend: 'cpu', window: 10, hidden: 8, epochs: 2, batchSize: 32, loss: 'student-t' };

describe('the Student-t LSTM in the single-split risk run', () => {
  const csv = garchCsv(800);
  let run: PipelineResult;
  beforeAll(async () => {
    run = await runRiskPipeline({ csvText: csv, source: 'synthetic', options: STUDENT_T });
  });

  it('trains a two-output network on the size of the next return', () => {
    expect(run.report.settings.loss).toBe('student-t');
    expect(modelFromJSON(run.modelText).model.config).toMatchObject({ outputs: 2, loss: 'student-t' });
    // The likelihood reads r only through r²: the target is |r| = √(r²).
    expect(Array.from(lstmTargets([[4, 0.25]], 'student-t'))).toEqual([2, 0.5]);
    expect(degreesOfFreedom(0)).toBeCloseTo(2 + Math.log(2), 12);
    expect(degreesOfFreedom(1000)).toBeCloseTo(1002, 9);
  });

  it('forecasts finite variances and takes VaR/ES from its own ν of each day', async () => {
    const days = run.testDays[0];
    const variance = days.forecasts.lstm;
    expect(variance.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    const nu = run.report.forecasts.lstm.nu!;
    expect(nu.min).toBeGreaterThan(2);
    expect(nu.min <= nu.p25 && nu.p25 <= nu.median && nu.median <= nu.p75 && nu.p75 <= nu.max).toBe(true);
    // Two days with different ν: each day's t VaR is √variance times that day's unit-variance t quantile, so the
    // ratio VaR/σ differs between days (one ν fitted on residuals would give one ratio).
    const ratios = Array.from(variance, (v, i) => days.var.lstm['0.99'].t[i] / Math.sqrt(v));
    expect(Math.max(...ratios) - Math.min(...ratios)).toBeGreaterThan(1e-6);
    // One day by hand: the network's two outputs for that day's window, ν = 2 + ln(1 + e^u), σ² = c·e^s.
    const i = 7;
    const prepared = prepareData(parseMarketData(csv), resolveRiskOptions(STUDENT_T));
    const { model, extra } = modelFromJSON(run.modelText);
    const risk = extra.risk as RiskModelMeta;
    const x = buildWindows(prepared.matrices[0], risk.scaler, [prepared.origins.test[i]], risk.window);
    const [s, u] = await predict(model, { x, count: 1, steps: risk.window }, { backend: 'cpu' });
    const nuOfDay = 2 + Math.log(1 + Math.exp(u));
    const sigma = Math.sqrt(risk.calibration[0] * Math.exp(s));
    expect(nuOfDay).toBeGreaterThanOrEqual(nu.min - 1e-9);
    expect(nuOfDay).toBeLessThanOrEqual(nu.max + 1e-9);
    expect(sigma ** 2).toBeCloseTo(variance[i], 9);
    expect(days.var.lstm['0.99'].t[i]).toBeCloseTo(valueAtRisk(sigma, studentTTail(0.99, nuOfDay)), 9);
    expect(days.es.lstm['0.975'][i]).toBeCloseTo(expectedShortfall(sigma, studentTTail(0.975, nuOfDay)), 9);
    // The backtest counts exceptions against those VaRs.
    const hits = days.returns.filter((r, k) => r < -days.var.lstm['0.99'].t[k]).length;
    expect(hits).toBe(run.report.var.lstm['0.99'].exceptions);
  });

  it('writes a model file that predict reads back, with the next day’s own ν', async () => {
    const { extra } = modelFromJSON(run.modelText);
    expect(extra.risk).toMatchObject({ horizon: 1, loss: 'student-t' });
    const forecast = await forecastNextDay({ modelText: run.modelText, csvText: csv, backend: 'cpu' });
    const next = forecast.series[0].nextDay.models.lstm;
    const trained = run.report.nextDay.models.lstm;
    expect(forecast.model.loss).toBe('student-t');
    expect(next.variance).toBeCloseTo(trained.variance, 6);
    expect(next.var['0.99'].t).toBeCloseTo(trained.var['0.99'].t, 6);
    expect(next.es['0.975'].t).toBeCloseTo(trained.es['0.975'].t, 6);
    // Not the ν fitted on residuals that the file also carries (for the other losses).
    const sigma = Math.sqrt(next.variance);
    expect(Math.abs(next.var['0.99'].t - valueAtRisk(sigma, studentTTail(0.99, (extra.risk as { nu: number }).nu)))).toBeGreaterThan(1e-6);
  });
});

describe('the Student-t loss options', () => {
  it('refuses a horizon over one day with a clear message', () => {
    expect(() => resolveRiskOptions({ loss: 'student-t', horizon: 5 })).toThrow(UserError);
    expect(() => resolveRiskOptions({ loss: 'student-t', horizon: 5 })).toThrow(/needs --horizon 1/);
    expect(resolveRiskOptions({}).loss).toBe('qlike');
  });
});
