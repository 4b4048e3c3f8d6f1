import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledDataPath } from '../../src/cli/files.js';
import { UserError } from '../../src/errors.js';
import { MODEL_NAMES } from '../../src/finance/evaluate.js';
import type { BacktestOptions } from '../../src/finance/options.js';
import { forecastsCsv, MIN_DEFAULT_TEST_DAYS, outOfSampleStart, runBacktest, schedule, type BacktestResult } from '../../src/finance/walkForward.js';
import { backtestTable } from '../../src/cli/table.js';
import { businessDays, pricesFrom, simulateGarch, TYPICAL } from './helpers.js';

// A tiny network on the CPU backend and few refits keep each backtest to seconds.
const TINY: Partial<BacktestOptions> = { backend: 'cpu', window: 5, hidden: 4, epochs: 2, batchSize: 64, ensemble: 1, refitEvery: 63, retrainEvery: 63, testFrom: '2018-01-02' };

/** The bundled file's rows up to and including `last`. */
function truncated(csv: string, last: string): string {
  const [header, ...rows] = csv.trimEnd().split('\n');
  return [header, ...rows.filter((r) => r.slice(0, 10) <= last)].join('\n');
}

describe('the out-of-sample period and the schedule', () => {
  const dates = businessDays(3000);
  const o = { window: 22, testFrom: undefined, testYears: undefined };

  it('defaults to the last half of the data, at least two years', () => {
    expect(outOfSampleStart(dates, o)).toBe(1500);
    expect(outOfSampleStart(dates.slice(0, 1101), o)).toBe(1101 - 550);
    // The first fit needs 500 windows: any file long enough for it gives at least two years out of sample.
    expect(() => outOfSampleStart(dates.slice(0, 1000), o)).toThrow(/the first fit needs 500/);
    expect(1101 - 550).toBeGreaterThan(MIN_DEFAULT_TEST_DAYS);
  });

  it('starts at --test-from, or --test-years before the last date', () => {
    expect(dates[outOfSampleStart(dates, { ...o, testFrom: '2008-01-01' })]).toBe('2008-01-01');
    expect(dates[outOfSampleStart(dates, { ...o, testFrom: '2008-01-05' })]).toBe('2008-01-07'); // a Saturday: the next trading day
    const start = outOfSampleStart(dates, { ...o, testYears: 2 });
    expect(Math.abs(dates.length - start - 2 * 261)).toBeLessThanOrEqual(2); // 261 business days a year
  });

  it('refuses a period that leaves too little to fit or to test, saying what to change', () => {
    expect(() => outOfSampleStart(dates, { ...o, testFrom: '2001-06-01' })).toThrow(/leaving \d+ training windows before it; the first fit needs 500 .* use a later --test-from/);
    expect(() => outOfSampleStart(dates, { ...o, testFrom: '2012-06-20' })).toThrow(/has \d+ days; a backtest needs at least 100/);
    expect(() => outOfSampleStart(dates, { ...o, testFrom: '2030-01-01' })).toThrow(UserError);
  });

  it('anchors every refit at the first out-of-sample day, whatever the end', () => {
    expect(schedule(100, 200, 21)).toEqual([100, 121, 142, 163, 184]);
    expect(schedule(100, 400, 21).slice(0, 5)).toEqual(schedule(100, 200, 21));
  });
});

describe('walk-forward on the bundled S&P 500, truncated at two dates (cpu backend)', () => {
  const csv = readFileSync(bundledDataPath(), 'utf8');
  let early: BacktestResult;
  let late: BacktestResult;
  beforeAll(async () => {
    early = await runBacktest({ csvText: truncated(csv, '2018-06-29'), options: TINY });
    late = await runBacktest({ csvText: truncated(csv, '2018-12-31'), options: TINY });
  });

  it('gives byte-identical forecasts for every day before the earlier end: appending rows changes no earlier forecast', () => {
    const a = forecastsCsv(early).trimEnd().split('\n');
    const b = forecastsCsv(late).trimEnd().split('\n');
    expect(a.length).toBe(early.report.walkForward.forecasts + 1);
    expect(b.length).toBeGreaterThan(a.length + 100);
    expect(b.slice(0, a.length)).toEqual(a);
  });

  it('writes the forecasts CSV with its stable columns, one row per out-of-sample day', () => {
    const [header, first] = forecastsCsv(late).split('\n');
    expect(header).toBe(['series', 'date', 'return', 'target', ...MODEL_NAMES.flatMap((m) => [`${m}_variance`, `${m}_var95`, `${m}_var99`, `${m}_es975`, `${m}_weight`])].join(','));
    const cells = first.split(',');
    expect(cells.slice(0, 2)).toEqual(['adjclose', '2018-01-02']);
    expect(Number(cells[3])).toBeCloseTo(Number(cells[2]) ** 2, 10); // target: the day's squared return
    for (const c of cells.slice(4)) expect(Number(c)).toBeGreaterThan(0);
    for (let m = 0; m < MODEL_NAMES.length; m++) {
      const [variance, var95, var99, es975, weight] = cells.slice(4 + 5 * m, 9 + 5 * m).map(Number);
      expect(var99).toBeGreaterThan(var95);
      expect(es975).toBeGreaterThan(var95);
      // The vol-targeting weight: min(2, (10/sqrt(252)) / forecast volatility).
      expect(weight).toBeCloseTo(Math.min(2, 10 / Math.sqrt(252) / Math.sqrt(variance)), 12);
    }
  });

  it('reports the schedule, the trainings (first from scratch, then warm-started) and every stable key', () => {
    const r = late.report;
    expect(r.walkForward).toMatchObject({ testFrom: '2018-01-02', testTo: '2018-12-31', refitEvery: 63, retrainEvery: 63, refits: 4, retrains: 4, trainings: 4, windowKind: 'expanding' });
    expect(r.walkForward.forecasts).toBe(251);
    expect(r.training.trainings.map((t) => t.warmStart)).toEqual([false, true, true, true]);
    expect(r.training.trainings.map((t) => t.date)).toEqual([0, 63, 126, 189].map((d) => late.days[0].dates[d]));
    for (const m of MODEL_NAMES) {
      expect(r.forecasts[m]).toMatchObject({ n: 251 });
      for (const k of ['qlike', 'mse', 'mae'] as const) expect(Number.isFinite(r.forecasts[m][k])).toBe(true);
      expect(Object.keys(r.forecasts[m].byYear)).toEqual(['2018']);
      expect(r.forecasts[m].byYear['2018'].qlike).toBeCloseTo(r.forecasts[m].qlike, 12);
      expect(r.var[m]['0.99'].n).toBe(251);
    }
    for (const m of MODEL_NAMES.filter((x) => x !== 'lstm')) expect(r.comparison.dm[m].qlike.pValue).toBeGreaterThanOrEqual(0);
    const importance = r.explain.permutationImportance;
    console.log('walk-forward permutation importance (QLIKE rise):', JSON.stringify(importance));
    expect(Object.keys(importance)).toEqual(r.data.features);
    expect(Object.values(importance).every(Number.isFinite)).toBe(true);
    expect(Math.max(...Object.values(importance))).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('compares every model (MCS, Mincer-Zarnowitz), backtests t, Gaussian and FHS VaR and ES, and targets volatility', () => {
    const r = late.report;
    for (const loss of ['qlike', 'mse'] as const) {
      const mcs = r.comparison.mcs[loss];
      expect(mcs.level).toBe(0.9);
      expect(mcs.models.length).toBeGreaterThan(0);
      expect(Object.keys(mcs.pValues).sort()).toEqual([...MODEL_NAMES].sort());
      for (const m of mcs.models) expect(mcs.pValues[m]).toBeGreaterThanOrEqual(0.1);
    }
    for (const m of MODEL_NAMES) {
      expect(r.comparison.mincerZarnowitz[m]).toMatchObject({ n: 251 });
      const v = r.var[m]['0.99'];
      expect(v.gaussian.n).toBe(251);
      expect(v.fhs.n).toBe(251);
      expect(v.lowPower).toBe(true); // 2.5 exceptions expected
      expect(v.trafficLight).toBe(v.exceptions <= 4 ? 'green' : v.exceptions <= 9 ? 'yellow' : 'red'); // 251 days: a light
      const es = r.es[m]['0.975'];
      expect(es.pValue).toBeGreaterThan(0);
      expect(es.pValue).toBeLessThanOrEqual(1);
      expect(es.z2).toBe(es.t.z2);
      expect(r.es[m]['0.99'].pValue).toBeNull();
      expect(r.riskControl[m].annualizedVol).toBeGreaterThan(0);
      expect(r.riskControl[m].varLimit).toBeNull();
    }
    expect(r.riskControl).toMatchObject({ targetVol: 10, maxLeverage: 2, costBps: 0, varLimit: null });
    expect(r.riskControl.buyAndHold.turnover).toBeCloseTo(252 / 251, 12); // the entry trade only
  });

  it('uses a rolling window of --fit-days when asked, applies a VaR limit, and stops on its signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runBacktest({ csvText: csv, options: TINY }, { signal: controller.signal })).rejects.toThrow(/abort/i);
    const rolling = await runBacktest({ csvText: truncated(csv, '2018-06-29'), options: { ...TINY, windowKind: 'rolling', fitDays: 1000, varLimit: 1.5 } });
    expect(rolling.report.walkForward).toMatchObject({ windowKind: 'rolling', fitDays: 1000 });
    // The VaR limit: the position is cut on the days the full position's 99% VaR exceeds 1.5% of capital.
    expect(rolling.report.riskControl.varLimit).toBe(1.5);
    const days = rolling.days[0];
    for (const m of MODEL_NAMES) {
      const var99 = days.var[m]['0.99'].t;
      expect(rolling.report.riskControl[m].varLimit!.bindingDays).toBe(var99.filter((v) => v > 1.5).length);
      const breaches = days.returns.filter((r, d) => -Math.min(1, 1.5 / var99[d]) * r > 1.5).length;
      expect(rolling.report.riskControl[m].varLimit!.breaches).toBe(breaches);
    }
    expect(rolling.report.forecasts.lstm.qlike).toBe(early.report.forecasts.lstm.qlike); // the LSTM always expands
    expect(rolling.report.forecasts.garch.qlike).not.toBe(early.report.forecasts.garch.qlike);
  });

  it('stops warm starts early after --warm-patience epochs without improvement, within --warm-epochs', async () => {
    const options = { ...TINY, epochs: 8, patience: 8, warmEpochs: 5, warmPatience: 1, retrainEvery: 21 };
    const { report } = await runBacktest({ csvText: truncated(csv, '2018-06-29'), options });
    const [first, ...warm] = report.training.trainings;
    expect(first).toMatchObject({ warmStart: false, epochs: 8, stopReason: 'completed' }); // patience 8: never stops early
    expect(warm).toHaveLength(5);
    for (const t of warm) {
      expect(t.warmStart).toBe(true);
      // Patience 1: the first epoch that is no better than the best so far ends it, unless the cap comes first.
      if (t.stopReason === 'early-stopped') expect(t.epochs - t.bestEpoch).toBe(1);
      else expect(t).toMatchObject({ epochs: 5, stopReason: 'completed' });
    }
    expect(warm.some((t) => t.stopReason === 'early-stopped')).toBe(true);
    // The weights a warm start begins from compete: where no epoch beats them they are kept (best epoch 0), so
    // re-training after re-training does not pile epochs that only fit the training windows harder.
    expect(warm.some((t) => t.bestEpoch === 0)).toBe(true);
    expect(report.walkForward.epochs.warmStart).toBe(warm.reduce((a, t) => a + t.epochs, 0) / warm.length);
    expect(report.walkForward).toMatchObject({ warmEpochs: 5, warmPatience: 1 });
  });
});

describe('the walk-forward backtest with the Student-t LSTM', () => {
  it('takes each day’s t VaR from the ν the network forecast for that day', async () => {
    const csv = readFileSync(bundledDataPath(), 'utf8');
    const run = await runBacktest({ csvText: truncated(csv, '2018-06-29'), options: { ...TINY, loss: 'student-t' } });
    const nu = run.report.forecasts.lstm.nu!;
    expect(nu.min).toBeGreaterThan(2);
    expect(nu.min <= nu.median && nu.median <= nu.max).toBe(true);
    const days = run.days[0];
    expect(days.forecasts.lstm.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    // VaR over σ is the unit-variance t quantile of the day's ν: it moves with ν, where one fitted ν holds it fixed.
    const ratios = Array.from(days.forecasts.lstm, (v, d) => days.var.lstm['0.99'].t[d] / Math.sqrt(v));
    expect(Math.max(...ratios) - Math.min(...ratios)).toBeGreaterThan(1e-6);
    expect('nu' in run.report.forecasts.garch).toBe(false);
  });
});

describe('walk-forward results that cannot be right', () => {
  it('reads data as train does (quality warnings) and voids every model on an unadjusted 1000:1 split', async () => {
    const dates = businessDays(1100);
    const prices = pricesFrom(simulateGarch(TYPICAL, 1099, 7)).map((p, i) => (i >= 800 ? p / 1000 : p));
    const csvText = ['date,close', ...dates.map((d, i) => `${d},${prices[i].toFixed(6)}`)].join('\n');
    const { report } = await runBacktest({ csvText, options: { ...TINY, testFrom: undefined } });
    expect(report.dataQuality.implausibleJumps).toHaveLength(1);
    expect(report.data.warnings).toContainEqual(expect.stringMatching(/implausible jump/));
    for (const m of MODEL_NAMES) {
      expect(report.series[0].sanity[m].valid, m).toBe(false);
      expect(report.var[m]['0.99']).toMatchObject({ trafficLight: null, trafficLightReason: 'the model failed its sanity checks (see warnings)' });
    }
    expect(report.warnings).toHaveLength(MODEL_NAMES.length);
    expect(backtestTable(report)).toMatch(/^garch \(not valid\)(\s+\S+){4}(\s+-){4}$/m);
  }, 120_000);
});
