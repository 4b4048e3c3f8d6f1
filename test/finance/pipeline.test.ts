import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledDataPath } from '../../src/cli/files.js';
import { UserError } from '../../src/errors.js';
import { baselinesUpTo, fitBaselinesOn } from '../../src/finance/steps.js';
import { parseMarketData } from '../../src/finance/data.js';
import { MODEL_NAMES } from '../../src/finance/evaluate.js';
import { forecastNextDay } from '../../src/finance/forecast.js';
import { resolveRiskOptions, type RiskOptions } from '../../src/finance/options.js';
import { prepareData, runRiskPipeline, type PipelineResult } from '../../src/finance/pipeline.js';
import { reportTable, type RiskModelMeta } from '../../src/finance/report.js';
import { importanceAt } from '../../src/finance/explain.js';
import { backtestVar, gaussianTail, valueAtRisk } from '../../src/finance/risk.js';
import { modelFromJSON } from '../../src/model.js';
import { garchCsv } from './helpers.js';

// Small shapes on the CPU backend keep these end-to-end runs to seconds.
const SMALL: Partial<RiskOptions> = { backend: 'cpu', window: 10, hidden: 8, epochs: 2, batchSize: 32 };
const ROWS = 800;

/** The same prices, with every return from `fromReturn` on multiplied by `factor` (a different future). */
function withFuture(csv: string, fromReturn: number, factor: number): string {
  const [header, ...lines] = csv.split('\n');
  const cells = lines.map((l) => l.split(','));
  const out = [cells[0]];
  for (let i = 1; i < cells.length; i++) {
    const r = Math.log(Number(cells[i][1]) / Number(cells[i - 1][1]));
    const prev = Number(out[i - 1][1]);
    out.push([cells[i][0], (prev * Math.exp(i - 1 >= fromReturn ? factor * r : r)).toFixed(8)]);
  }
  // Rows before the change keep their exact text.
  return [header, ...lines.slice(0, fromReturn + 1), ...out.slice(fromReturn + 1).map((c) => c.join(','))].join('\n');
}

describe('the risk pipeline, end to end on the CPU backend', () => {
  const csv = garchCsv(ROWS);
  let run: PipelineResult;
  beforeAll(async () => {
    run = await runRiskPipeline({ csvText: csv, source: 'synthetic', options: SMALL });
  });

  it('reports the data, its chronological splits and the settings', () => {
    const { data } = run.report;
    expect(data).toMatchObject({ source: 'synthetic', kind: 'prices', rows: ROWS, returns: ROWS - 1, firstDate: '2001-01-01', series: ['close'], window: 10, horizon: 1 });
    const { train, validation, test } = data.split;
    expect(train.days + validation.days + test.days).toBe(ROWS - 1 - 21);
    expect(train.lastDate < validation.firstDate && validation.lastDate < test.firstDate).toBe(true);
    expect(test.windows).toBe(test.days - 10);
    expect(run.report.settings).toMatchObject({ window: 10, hidden: 8, epochs: 2, loss: 'qlike', backend: 'cpu' });
    expect(run.report.training.stopReason).toBe('completed');
  });

  it('has every stable key with finite numbers', () => {
    const r = run.report;
    for (const m of MODEL_NAMES) {
      for (const k of ['qlike', 'mse', 'mae'] as const) expect(Number.isFinite(r.forecasts[m][k])).toBe(true);
      for (const level of ['0.95', '0.99'] as const) {
        const v = r.var[m][level];
        expect(Object.keys(v)).toEqual(expect.arrayContaining(['exceptions', 'n', 'kupiecP', 'christoffersenP', 'conditionalCoverageP', 'trafficLight']));
        expect(v.n).toBe(r.data.split.test.windows);
        for (const p of [v.kupiecP, v.christoffersenP, v.conditionalCoverageP, v.fhs!.kupiecP]) expect(p).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(r.es[m][level].gaussian.averageEs)).toBe(true);
      }
    }
    // Diebold–Mariano of the LSTM against every baseline, on QLIKE and MSE.
    expect(Object.keys(r.comparison.dm).sort()).toEqual(MODEL_NAMES.filter((m) => m !== 'lstm').sort());
    for (const test of Object.values(r.comparison.dm)) for (const loss of [test.qlike, test.mse]) expect(loss.pValue).toBeGreaterThanOrEqual(0);
    // About 120 test days: too few for Basel's 250-day traffic light.
    expect(r.var.garch['0.99']).toMatchObject({ trafficLight: null, trafficLightReason: expect.stringMatching(/needs 250/) });
    expect(r.var.garch['0.95'].trafficLight).toBeNull();
    expect(Object.keys(r.garch)).toEqual(expect.arrayContaining(['mu', 'omega', 'alpha', 'beta', 'logLikelihood']));
    expect(r.garch.persistence).toBeLessThan(1);
    expect(Object.keys(r.timing)).toEqual(expect.arrayContaining(['totalSeconds', 'trainingSeconds']));
    expect(r.series).toHaveLength(1);
    const { name, ...first } = r.series[0];
    expect(name).toBe('close');
    for (const key of Object.keys(first) as (keyof typeof first)[]) expect(r[key]).toEqual(first[key]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // plain JSON, nothing lost
  });

  it('reports permutation importance per feature on the test split, as explain computes it for the saved model', async () => {
    const importance = run.report.explain.permutationImportance;
    console.log('permutation importance (QLIKE rise):', JSON.stringify(importance));
    expect(Object.keys(importance)).toEqual(run.report.data.features);
    expect(Object.values(importance).every(Number.isFinite)).toBe(true);
    expect(Math.max(...Object.values(importance))).toBeGreaterThan(0); // shuffling what the model reads costs something
    const { model, extra } = modelFromJSON(run.modelText);
    const risk = extra.risk as RiskModelMeta;
    const o = resolveRiskOptions(SMALL);
    const prepared = prepareData(parseMarketData(csv, o), o);
    expect(await importanceAt(model, risk.calibration[0], prepared.matrices[0], prepared.scaler, prepared.targets[0], prepared.origins.test, o)).toEqual(importance);
  });

  it('gives the table rows and the test days for charts', () => {
    const rows = reportTable(run.report);
    expect(rows.map((row) => row.model)).toEqual([...MODEL_NAMES]);
    expect(rows[2]).toMatchObject({ series: 'close', model: 'garch', exceptions99: run.report.var.garch['0.99'].exceptions, kupiecP: run.report.var.garch['0.99'].kupiecP });
    const days = run.testDays[0];
    expect(days.dates).toHaveLength(run.report.data.split.test.windows);
    const hits = days.returns.filter((r, i) => r < -days.var.ewma['0.99'].gaussian[i]).length;
    expect(hits).toBe(run.report.var.ewma['0.99'].exceptions);
  });

  it('writes a model file that predict reads back to the same next-day LSTM forecast', async () => {
    const { extra } = modelFromJSON(run.modelText);
    expect(extra.risk).toMatchObject({ window: 10, horizon: 1, loss: 'qlike', ensembleParams: [] });
    const forecast = await forecastNextDay({ modelText: run.modelText, csvText: csv, backend: 'cpu' });
    const next = forecast.series[0].nextDay;
    expect(next.after).toBe(run.report.nextDay.after);
    expect(next.models.lstm.variance).toBeCloseTo(run.report.nextDay.models.lstm.variance, 6);
    expect(next.models.lstm.var['0.99'].fhs).toBeCloseTo(run.report.nextDay.models.lstm.var['0.99'].fhs, 6);
    // 10-day figures: the square-root-of-time rule for EWMA (exact there), the GARCH family's own variance path.
    const ewma = next.models.ewma;
    expect(ewma.tenDay['0.99'].t.valueAtRisk).toBeCloseTo(Math.sqrt(10) * ewma.var['0.99'].t, 9);
    expect(ewma.tenDay['0.975'].t.expectedShortfall).toBeCloseTo(Math.sqrt(10) * ewma.es['0.975'].t, 9);
    for (const m of MODEL_NAMES) expect(next.models[m].tenDay['0.99'].fhs.valueAtRisk).toBeGreaterThan(next.models[m].var['0.99'].fhs);
    for (const m of MODEL_NAMES) expect(next.models[m].var['0.99'].gaussian).toBeGreaterThan(next.models[m].var['0.95'].gaussian);
  });

  it('trains the same model whatever the test split holds: no future leaks into training', async () => {
    // The textbook Keras recipe shuffles windows before splitting and fits its scaler on all the data: then
    // a different future changes the scaler, the training windows and the model, and this test fails.
    const testStart = run.report.data.returns - run.report.data.split.test.days;
    const altered = await runRiskPipeline({ csvText: withFuture(csv, testStart, 3), source: 'synthetic', options: SMALL });
    expect(altered.modelText).toBe(run.modelText);
    expect(altered.report.garch).toEqual(run.report.garch);
    expect(altered.report.har).toEqual(run.report.har);
    expect(altered.report.training.members[0].bestValLoss).toBe(run.report.training.members[0].bestValLoss);
    expect(altered.report.forecasts.garch.qlike).not.toBe(run.report.forecasts.garch.qlike);
  });
});

describe('preparation: the scaler sees the training split only, the baselines training and validation', () => {
  it('gives identical training windows, scaler and baseline fits when the later splits change', () => {
    const o = resolveRiskOptions(SMALL);
    const csv = garchCsv(ROWS, 3);
    const a = prepareData(parseMarketData(csv), o);
    const b = prepareData(parseMarketData(withFuture(csv, a.splits.train.to, 5)), o);
    expect(b.scaler).toEqual(a.scaler);
    expect(b.trainSet).toEqual(a.trainSet);
    expect(b.validationSet.y).not.toEqual(a.validationSet.y);
    // The baselines see what the LSTM sees (training and validation): a different test split leaves them alone.
    const c = prepareData(parseMarketData(withFuture(csv, a.splits.validation.to, 5)), o);
    const fit = (p: typeof a) => fitBaselinesOn(p.market.series[0].returns, p.targets[0], { from: 0, to: p.splits.validation.to }, 1, 't');
    expect(fit(c)).toEqual(fit(a));
    expect(fit(b)).not.toEqual(fit(a));
  });
});

describe('several series, ensembles, and refusals', () => {
  it('pools windows of every price column into one model and reports each series', async () => {
    const run = await runRiskPipeline({ csvText: garchCsv(ROWS, 11, 2), options: { ...SMALL, epochs: 1 } });
    expect(run.report.data.series).toEqual(['asset1', 'asset2']);
    expect(run.report.series.map((s) => s.name)).toEqual(['asset1', 'asset2']);
    expect(run.report.training.windows.train).toBe(2 * run.report.data.split.train.windows);
    expect(run.report.forecasts).toEqual(run.report.series[0].forecasts);
    expect(run.report.series[1].garch).not.toEqual(run.report.series[0].garch);
    expect(reportTable(run.report).map((r) => r.series)).toEqual([...Array(MODEL_NAMES.length).fill('asset1'), ...Array(MODEL_NAMES.length).fill('asset2')]);
  });

  it('trains K independent ensemble members and reports their spread', async () => {
    const csv = garchCsv(ROWS, 13);
    const run = await runRiskPipeline({ csvText: csv, options: { ...SMALL, epochs: 1, ensemble: 5 } });
    const e = run.report.ensemble!;
    expect(e.members).toBe(5);
    expect(e.memberQlike).toHaveLength(5);
    expect(new Set(e.memberQlike).size).toBe(5); // differently initialised, differently wrong
    expect(e.relativeSpread.mean).toBeGreaterThan(0);
    expect(e.relativeSpread.max).toBeGreaterThanOrEqual(e.relativeSpread.mean);
    expect(run.report.training.members.map((m) => m.seed)).toEqual([1, 2, 3, 4, 5]);
    const forecast = await forecastNextDay({ modelText: run.modelText, csvText: csv, backend: 'cpu' });
    const band = forecast.series[0].nextDay.ensembleVolatility!;
    expect(band.min).toBeLessThan(band.max);
    expect(forecast.model.members).toBe(5);
  });

  it('refuses bad settings and too little data with what to do', async () => {
    const csv = garchCsv(ROWS);
    await expect(runRiskPipeline({ csvText: csv, options: { ...SMALL, ensemble: 2 } })).rejects.toThrow(/ensemble: use 1 .* or 5 to 100/);
    await expect(runRiskPipeline({ csvText: csv, options: { ...SMALL, split: { train: 0.5, validation: 0.2, test: 0.2 } } })).rejects.toThrow(/add up to 1/);
    await expect(runRiskPipeline({ csvText: csv, options: { ...SMALL, window: 0 } })).rejects.toThrow(UserError);
    await expect(runRiskPipeline({ csvText: garchCsv(500), options: SMALL })).rejects.toThrow(/too few rows: the data has 500, .* need at least \d+/);
  });

  it('stops training within a step on stopTraining, keeps the best weights so far and still evaluates', async () => {
    const stop = new AbortController();
    const afterStop: string[] = [];
    const run = await runRiskPipeline(
      { csvText: garchCsv(ROWS), options: { ...SMALL, epochs: 50, ensemble: 5 } },
      {
        stopTraining: stop.signal,
        onProgress: (p) => {
          if (!p.training) return;
          if (stop.signal.aborted) afterStop.push(p.training.train.phase);
          else stop.abort(); // the first progress report comes a few steps into member 1's first epoch
        },
      },
    );
    expect(afterStop).toEqual(['epoch']); // no further step: only the stopped epoch's closing record
    const { training } = run.report;
    expect(training.stopReason).toBe('aborted');
    expect(training.members).toHaveLength(1); // members 2..5 skipped
    expect(training.members[0]).toMatchObject({ stopReason: 'aborted', epochs: 1, bestEpoch: 1 });
    expect(training.members[0].bestValLoss).toBeGreaterThan(0);
    expect(run.report.ensemble).toBeNull();
    for (const row of reportTable(run.report)) {
      expect(Number.isFinite(row.qlike) && Number.isFinite(row.mse) && Number.isFinite(row.kupiecP)).toBe(true);
    }
    expect(run.testDays[0].forecasts.lstm.every(Number.isFinite)).toBe(true);
    expect(modelFromJSON(run.modelText).extra.risk).toMatchObject({ ensembleParams: [] });
  });

  it('fails with what to do when training is stopped before its first step', async () => {
    const stop = new AbortController();
    stop.abort();
    await expect(runRiskPipeline({ csvText: garchCsv(ROWS), options: SMALL }, { stopTraining: stop.signal })).rejects.toThrow(/stopped before its first step, so nothing was trained or evaluated; the data and settings are kept/);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runRiskPipeline({ csvText: garchCsv(ROWS), options: SMALL }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('baselines on the bundled S&P 500 data', () => {
  it('have sane GARCH persistence and 95% VaR exceptions near their expected count on the test split', () => {
    const o = resolveRiskOptions({});
    const p = prepareData(parseMarketData(readFileSync(bundledDataPath(), 'utf8')), o);
    const returns = p.market.series[0].returns;
    const fits = fitBaselinesOn(returns, p.targets[0], { from: 0, to: p.splits.train.to }, 1, 'normal');
    expect(fits.garch.persistence).toBeGreaterThan(0.97);
    expect(fits.garch.persistence).toBeLessThan(1);
    const forecasts = baselinesUpTo(returns, returns.length, 1, fits);
    const realised = p.origins.test.map((t) => returns[t + 1]);
    for (const model of ['ewma', 'garch'] as const) {
      const vaR = p.origins.test.map((t) => valueAtRisk(Math.sqrt(forecasts[model][t]), gaussianTail(0.95)));
      const b = backtestVar(realised, vaR, 0.95);
      expect(b.kupiecP).toBeGreaterThan(0.05);
      expect(Math.abs(b.exceptions - b.expected)).toBeLessThan(10);
    }
  });
});
