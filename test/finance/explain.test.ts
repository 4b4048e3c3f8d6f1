import { beforeAll, describe, expect, it } from 'vitest';
import { buildWindows, featureMatrix, varianceTargets } from '../../src/finance/features.js';
import { explainForecast, permutationImportance } from '../../src/finance/explain.js';
import { parseMarketData } from '../../src/finance/data.js';
import type { RiskModelMeta } from '../../src/finance/report.js';
import { runRiskPipeline } from '../../src/finance/pipeline.js';
import { modelFromJSON } from '../../src/model.js';
import { businessDays, garchCsv, pricesFrom, simulateGarch } from './helpers.js';

// explain on saved models: integrated gradients per day and over a range, permutation importance, and the
// ARCH(1) sanity case (tomorrow's variance depends only on today's squared return).
const SMALL = { backend: 'cpu' as const, window: 10, hidden: 8, epochs: 2, batchSize: 32 };

function archCsv(rows: number): string {
  const returns = simulateGarch({ mu: 0, omega: 0.3, alpha: 0.7, gamma: 0, beta: 0, nu: null }, rows - 1, 11);
  const prices = pricesFrom(returns);
  return ['date,close', ...businessDays(rows).map((d, i) => `${d},${prices[i].toFixed(6)}`)].join('\n');
}

describe('explain', () => {
  const csv = garchCsv(800);
  let modelText: string;
  beforeAll(async () => {
    modelText = (await runRiskPipeline({ csvText: csv, options: SMALL })).modelText;
  });

  it('explains the last day by default, with the stable keys and completeness', async () => {
    const r = await explainForecast({ modelText, csvText: csv, backend: 'cpu' });
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['features', 'lags', 'days']));
    expect(r.meanAbs).toBeUndefined();
    expect(r.lags).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.days).toHaveLength(1);
    const day = r.days[0];
    expect(day.date).toBe(businessDays(800)[799]);
    expect(day.attributions).toHaveLength(10);
    expect(day.attributions[0]).toHaveLength(r.features.length);
    const sum = day.attributions.flat().reduce((a, b) => a + b, 0);
    expect(day.completeness.sum).toBeCloseTo(sum, 5);
    expect(day.completeness.delta).toBeCloseTo(day.forecast - day.baselineForecast, 5);
    expect(day.completeness.relativeError).toBeLessThan(1e-2);
  });

  it('explains a range with mean absolute attributions per feature and lag', async () => {
    const dates = businessDays(800);
    const r = await explainForecast({ modelText, csvText: csv, from: dates[700], to: dates[719], steps: 16, backend: 'cpu' });
    expect(r.days.map((d) => d.date)).toEqual(dates.slice(700, 720));
    expect(Object.keys(r.meanAbs!.byFeature)).toEqual(r.features);
    expect(r.meanAbs!.byLag).toHaveLength(10);
    const total = r.days.reduce((s, d) => s + d.attributions.flat().reduce((a, b) => a + Math.abs(b), 0), 0) / r.days.length;
    expect(Object.values(r.meanAbs!.byFeature).reduce((a, b) => a + b, 0)).toBeCloseTo(total, 6);
    expect(r.meanAbs!.byLag.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 6);
  });

  it('labels the output by the horizon of the model: output 0 of an h-day model is the h-day log-variance', async () => {
    expect(await explainForecast({ modelText, csvText: csv, backend: 'cpu' })).toMatchObject({ horizon: 1, output: 'log-variance of the next-day percent return' });
    const fiveDay = (await runRiskPipeline({ csvText: csv, options: { ...SMALL, epochs: 1, horizon: 5 } })).modelText;
    const r = await explainForecast({ modelText: fiveDay, csvText: csv, steps: 8, backend: 'cpu' });
    expect(r).toMatchObject({ horizon: 5, output: 'log-variance of the 5-day percent return' });
    expect(r.days[0].completeness.relativeError).toBeLessThan(1e-2);
  });

  it('says what is wrong with a day it cannot explain', async () => {
    await expect(explainForecast({ modelText, csvText: csv, date: '2001-01-06', backend: 'cpu' })).rejects.toThrow(/not a trading day/);
    await expect(explainForecast({ modelText, csvText: csv, date: '2001-01-02', backend: 'cpu' })).rejects.toThrow(/too early/);
    await expect(explainForecast({ modelText, csvText: csv, date: '16/03/2020', backend: 'cpu' })).rejects.toThrow(/date like/);
    await expect(explainForecast({ modelText, csvText: csv, from: '2030-01-01', to: '2030-12-31', backend: 'cpu' })).rejects.toThrow(/no trading day/);
  });

  it('explains the series asked for in a file of several', async () => {
    // The same closes twice, the second column doubled: the same returns, so the same attributions.
    const lines = csv.split('\n');
    const two = [`${lines[0]},twice`, ...lines.slice(1).map((l) => `${l},${(2 * Number(l.split(',')[1])).toFixed(4)}`)].join('\n');
    const dataOptions = { priceColumns: ['close', 'twice'] }; // the model file names the one column it was trained on
    const first = await explainForecast({ modelText, csvText: two, dataOptions, backend: 'cpu' });
    const second = await explainForecast({ modelText, csvText: two, dataOptions, series: 1, backend: 'cpu' });
    expect([first.series, second.series]).toEqual(['close', 'twice']);
    expect(second.days[0].attributions.flat().map((a) => a.toFixed(4))).toEqual(first.days[0].attributions.flat().map((a) => a.toFixed(4)));
    await expect(explainForecast({ modelText, csvText: two, dataOptions, series: 2, backend: 'cpu' })).rejects.toThrow(/series must be a number from 0 to 1 \(the file has 2; got 2\)/);
  });

  it('permutation importance: seeded, one finite QLIKE rise per feature', async () => {
    const { model, extra } = modelFromJSON(modelText);
    const risk = extra.risk as RiskModelMeta;
    const market = parseMarketData(csv);
    const origins = Array.from({ length: 200 }, (_, k) => 580 + k);
    const x = buildWindows(featureMatrix(market.series[0]), risk.scaler, origins, risk.window);
    const targets = varianceTargets(market.series[0].returns, 1);
    const variances = origins.map((t) => targets[t]);
    const windows = { x, count: origins.length, steps: risk.window };
    const a = await permutationImportance(model, windows, variances, risk.features, { backend: 'cpu', calibration: risk.calibration[0] });
    const b = await permutationImportance(model, windows, variances, risk.features, { backend: 'cpu', calibration: risk.calibration[0] });
    expect(Object.keys(a)).toEqual(risk.features);
    expect(Object.values(a).every(Number.isFinite)).toBe(true);
    expect(a).toEqual(b);
  });
});

describe('explain on an ARCH(1) series', () => {
  it('puts most of the attribution on the most recent day', async () => {
    const csvText = archCsv(2000);
    const { modelText } = await runRiskPipeline({ csvText, options: { ...SMALL, epochs: 15, hidden: 16, learningRate: 1e-2 } });
    const r = await explainForecast({ modelText, csvText, from: '2007-01-01', to: '2008-12-31', backend: 'cpu' });
    const byLag = r.meanAbs!.byLag;
    console.log('ARCH(1) mean |attribution| by lag:', byLag.map((v) => v.toFixed(3)).join(' '));
    const total = byLag.reduce((a, b) => a + b, 0);
    expect(byLag[0]).toBeGreaterThan(3 * Math.max(...byLag.slice(1))); // 6.7x when this was written
    expect(byLag[0] / total).toBeGreaterThan(0.4); // 0.56
  }, 180_000);
});
