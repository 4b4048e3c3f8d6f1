// The single-split risk run (`train`), environment-agnostic (no fs, no process): the CLI and the browser app
// both call runRiskPipeline with CSV text and show reportTable(report).
import { check } from '../errors.js';
import { modelToJSON, type Model } from '../model.js';
import { RISKMETRICS_LAMBDA } from './baselines.js';
import type { MarketData } from './data.js';
import { loadMarketData } from './dataQuality.js';
import { checkResults, sanityWarnings, type Sanity } from './sanity.js';
import { checkEnoughData, varianceTargets, chronologicalSplits, featureMatrix, fitScaler, windowOrigins, type FeatureMatrix, type Scaler, type Splits, type SPLIT_NAMES } from './features.js';
import { garchSummary } from './garch.js';
import { importanceAt } from './explain.js';
import { trainMembers, type MemberProgress } from './lstm.js';
import { backtestHorizon, BASEL_DAYS, BASELINE_NAMES, evaluateSeries, MODEL_NAMES, nextDay, nuSummary, standardisedResiduals, tailSet, withNu, type ForecastSet, type ModelName, type TailSet } from './evaluate.js';
import { resolveRiskOptions, type RiskOptions } from './options.js';
import type { RiskModelMeta, RiskReport, SeriesReport, SplitSummary } from './report.js';
import { atOrigins, baselinesUpTo, calibrate, concat, ensembleSpread, fitBaselinesOn, invalidateTrafficLights, lstmForecasts, now, oneDayBaselinesUpTo, ownNu, sequences, setupMessage, variancePath, type PipelineHooks, type PipelineStage } from './steps.js';
import type { Sequences } from '../train/types.js';
import type { TestDays } from './evaluate.js';

export interface PipelineInput {
  csvText: string;
  /** Where the text came from (a file name), for the report. */
  source?: string;
  options?: Partial<RiskOptions>;
}

export interface PreparedData {
  market: MarketData;
  splits: Splits;
  /** Forecast origins per split: whole window and whole target inside the split. */
  origins: Record<(typeof SPLIT_NAMES)[number], number[]>;
  matrices: FeatureMatrix[];
  /** Per series, the sum of the h squared returns after each origin (the target). */
  targets: Float64Array[];
  /** With h > 1, per series, the next day's squared return at each origin: the LSTM's second target. */
  oneDayTargets: Float64Array[] | null;
  /** Fitted on the training split of every series, and nothing else. */
  scaler: Scaler;
  /** Pooled windows of every series. */
  trainSet: Sequences;
  validationSet: Sequences;
}

/** Features, chronological splits, the training-only scaler, and the LSTM's pooled windows. */
export function prepareData(market: MarketData, o: RiskOptions): PreparedData {
  const M = market.dates.length;
  checkEnoughData(M, o.split, o.window, o.horizon, market.kind === 'returns' ? 0 : 1);
  const splits = chronologicalSplits(M, o.split);
  const origins = { train: windowOrigins(splits.train, o.window, o.horizon), validation: windowOrigins(splits.validation, o.window, o.horizon), test: windowOrigins(splits.test, o.window, o.horizon) };
  const matrices = market.series.map(featureMatrix);
  const targets = market.series.map((s) => varianceTargets(s.returns, o.horizon));
  const oneDayTargets = o.horizon > 1 ? market.series.map((s) => varianceTargets(s.returns, 1)) : null;
  const scaler = fitScaler(matrices, splits.train);
  return {
    market,
    splits,
    origins,
    matrices,
    targets,
    oneDayTargets,
    scaler,
    trainSet: sequences(matrices, targets, scaler, origins.train, o.window, o.loss, oneDayTargets),
    validationSet: sequences(matrices, targets, scaler, origins.validation, o.window, o.loss, oneDayTargets),
  };
}

export interface PipelineResult {
  report: RiskReport;
  /** The trained model(s) and everything `predict` needs, as the model file's text. */
  modelText: string;
  /** Per series, the test split day by day (not in the JSON report: it is for charts). */
  testDays: (TestDays & { name: string; dates: string[] })[];
}

/**
 * Reads the CSV, builds features and chronological splits, fits EWMA/GARCH/HAR on the training and validation splits, trains
 * the LSTM (early-stopped on validation), and scores everything on the same test origins.
 */
export async function runRiskPipeline(input: PipelineInput, hooks: PipelineHooks = {}): Promise<PipelineResult> {
  const o = resolveRiskOptions(input.options);
  const progress = (stage: PipelineStage, message: string, training?: MemberProgress) => hooks.onProgress?.({ stage, message, training });
  const t0 = now();

  progress('data', 'reading data');
  const { market: loaded, quality } = loadMarketData(input.csvText, o);
  const prepared = prepareData(loaded, o);
  const { market, splits, origins, matrices, targets, oneDayTargets, scaler, trainSet, validationSet } = prepared;
  const M = market.dates.length;
  const t1 = now();

  progress('baselines', 'fitting EWMA, GARCH, GJR-GARCH, HAR and log-HAR on the training and validation splits');
  hooks.signal?.throwIfAborted();
  // The baselines see the same days as the LSTM, which trains on one split and early-stops on the other.
  const baselines = market.series.map((s, i) => fitBaselinesOn(s.returns, targets[i], { from: 0, to: splits.validation.to }, o.horizon, o.garchDist));
  const t2 = now();

  progress('training', `training ${o.ensemble > 1 ? `${o.ensemble} LSTM members` : 'the LSTM'} on ${trainSet.count} windows`);
  const { models, results } = await trainMembers(o, matrices[0].names.length, { train: trainSet, validation: validationSet }, {
    signal: hooks.signal,
    stop: hooks.stopTraining,
    onProgress: (p) => progress('training', 'training', p),
    onSetup: (p) => progress('training', setupMessage(p)),
  });
  check(models.length > 0, 'training was stopped before its first step, so nothing was trained or evaluated; the data and settings are kept: train again and let it run at least one step');
  const stopped = results.length < o.ensemble || results.some((r) => r.stopReason === 'aborted');
  const t3 = now();

  progress('evaluation', 'forecasting the test split and backtesting VaR');
  const calibration = await calibrate(models, trainSet, targets, origins.train, o);
  const oneDayCalibration = oneDayTargets ? await calibrate(models, trainSet, oneDayTargets, origins.train, o, 'oneDay') : null;
  // FHS tails from the validation windows, which the network did not fit (in-sample residuals are too thin);
  // one pooled model, one pooled residual distribution.
  const validationForecasts = await Promise.all(matrices.map((m) => lstmForecasts(models, calibration, m, scaler, origins.validation, o, oneDayCalibration)));
  const lstmValidation = validationForecasts.map((f) => atOrigins(M, origins.validation, f.mean));
  const lstmValidationOneDay = validationForecasts.map((f) => atOrigins(M, origins.validation, f.oneDay));
  const lstmTails = tailSet(Float64Array.from(concat(market.series.map((s, i) => Float32Array.from(standardisedResiduals(s.returns, lstmValidationOneDay[i], origins.validation))))));
  const lastOrigin = M - 1;
  const lstmOrigins = [...origins.test, lastOrigin];
  const warnings: string[] = [];

  const series: SeriesReport[] = [];
  const testDays: PipelineResult['testDays'] = [];
  for (const [i, s] of market.series.entries()) {
    hooks.signal?.throwIfAborted();
    const lstm = await lstmForecasts(models, calibration, matrices[i], scaler, lstmOrigins, o, oneDayCalibration);
    const b = baselines[i];
    const forecasts: ForecastSet = { lstm: atOrigins(M, lstmOrigins, lstm.mean), ...baselinesUpTo(s.returns, M, o.horizon, b) };
    // One-day VaR and ES use each model's one-day variance, not the h-day forecast's daily average (which lags a shock).
    const oneDay: ForecastSet = o.horizon > 1 ? { lstm: atOrigins(M, lstmOrigins, lstm.oneDay), ...oneDayBaselinesUpTo(s.returns, M, b) } : forecasts;
    const testCount = origins.test.length;
    // The Student-t LSTM's t tails are its own ν of each day; Gaussian and FHS still from validation residuals.
    const lstmNu = lstm.nu;
    const lstmDaily = lstmNu ? Array.from(lstmOrigins, (_, k) => withNu(lstmTails, lstmNu[k])) : null;
    const tails = {
      lstm: lstmDaily ? lstmDaily[testCount] : lstmTails,
      ...Object.fromEntries(BASELINE_NAMES.map((m) => [m, tailSet(standardisedResiduals(s.returns, oneDay[m], origins.validation), ownNu(b, m))])),
    } as Record<ModelName, TailSet>;
    const testTails = { ...tails, lstm: lstmDaily?.slice(0, testCount) ?? lstmTails };
    const { evaluation, days } = evaluateSeries(s.returns, targets[i], forecasts, testTails, origins.test, o.horizon, oneDay);
    if (lstmNu) evaluation.forecasts.lstm.nu = nuSummary(lstmNu.subarray(0, testCount));
    const checks = checkResults(
      {
        targets: targets[i],
        scored: origins.test,
        forecasts,
        trainMean: origins.train.reduce((a, t) => a + targets[i][t], 0) / origins.train.length,
        lstmValidation: { origins: origins.validation, forecasts: lstmValidation[i] },
        tailQuantiles: Object.fromEntries(MODEL_NAMES.map((m) => [m, tails[m].tails.fhs['0.99'].quantile])),
      },
      quality,
    ) as Record<ModelName, Sanity>;
    warnings.push(...sanityWarnings(checks, market.series.length > 1 ? s.name : undefined));
    invalidateTrafficLights(evaluation.var, checks);
    testDays.push({ name: s.name, dates: origins.test.map((t) => market.dates[t + 1]), ...days });
    const next = Object.fromEntries(MODEL_NAMES.map((m) => [m, forecasts[m][lastOrigin]])) as Record<ModelName, number>;
    const nextOneDay = Object.fromEntries(MODEL_NAMES.map((m) => [m, oneDay[m][lastOrigin]])) as Record<ModelName, number>;
    series.push({
      name: s.name,
      ...evaluation,
      garch: garchSummary(b.garch),
      gjr: garchSummary(b.gjr),
      har: b.har,
      loghar: b.loghar,
      ewma: { lambda: RISKMETRICS_LAMBDA },
      ensemble: ensembleSpread(lstm.members, Float64Array.from(origins.test, (t) => targets[i][t])),
      explain: { permutationImportance: await importanceAt(models[0], calibration[0], matrices[i], scaler, targets[i], origins.test, o) },
      horizonVar: o.horizon > 1 ? backtestHorizon(s.returns, forecasts, testTails, origins.test, o.horizon) : null,
      nextDay: nextDay(
        market.dates[lastOrigin],
        next,
        nextOneDay,
        tails,
        o.horizon,
        lstm.oneDayMembers.map((m) => m[testCount]),
        Object.fromEntries(MODEL_NAMES.map((m) => [m, variancePath(m, nextOneDay[m], BASEL_DAYS, b)])) as Record<ModelName, number[]>,
      ),
      sanity: checks,
    });
  }
  const t4 = now();

  const { window, horizon, split, hidden, layers, dropout, recurrentDropout, loss, epochs, batchSize, learningRate, patience, ensemble, seed, backend, garchDist } = o;
  const splitSummary = (range: { from: number; to: number }, windows: number): SplitSummary => ({ firstDate: market.dates[range.from], lastDate: market.dates[range.to - 1], days: range.to - range.from, windows });
  const { name: _first, ...first } = series[0];
  const trainedSamples = results.reduce((n, r) => n + r.samplesPerSecond * r.seconds, 0);
  const report: RiskReport = {
    version: 1,
    data: {
      source: input.source ?? 'csv text',
      kind: market.kind,
      rows: market.rows,
      returns: M,
      firstDate: market.firstDate,
      lastDate: market.lastDate,
      series: market.series.map((s) => s.name),
      features: matrices[0].names,
      window,
      horizon,
      split: { train: splitSummary(splits.train, origins.train.length), validation: splitSummary(splits.validation, origins.validation.length), test: splitSummary(splits.test, origins.test.length) },
      warnings: market.warnings,
    },
    settings: { window, horizon, split, hidden, layers, dropout, recurrentDropout, loss, epochs, batchSize, learningRate, patience, ensemble, seed, backend, garchDist },
    dataQuality: quality,
    warnings,
    ...first,
    series,
    training: {
      stopReason: stopped ? 'aborted' : 'completed',
      backend,
      adapter: results[0].engine.adapter ?? null,
      parameters: models[0].params.length,
      windows: { train: trainSet.count, validation: validationSet.count },
      members: results.map((r, k) => ({
        seed: seed + k,
        epochs: r.history.length,
        bestEpoch: r.bestEpoch,
        bestValLoss: r.bestValLoss ?? null,
        stopReason: r.stopReason,
        seconds: r.seconds,
        calibration: calibration[k],
        ...(oneDayCalibration ? { oneDayCalibration: oneDayCalibration[k] } : {}),
      })),
    },
    timing: {
      totalSeconds: t4 - t0,
      dataSeconds: t1 - t0,
      baselinesSeconds: t2 - t1,
      trainingSeconds: t3 - t2,
      evaluationSeconds: t4 - t3,
      samplesPerSecond: trainedSamples / (t3 - t2),
    },
  };
  return { report, testDays, modelText: modelFileText(models, { scaler, calibration, oneDayCalibration, tails: lstmTails, market, options: o, source: report.data.source, features: matrices[0].names }) };
}

function modelFileText(models: Model[], m: { scaler: Scaler; calibration: number[]; oneDayCalibration: number[] | null; tails: TailSet; market: MarketData; options: RiskOptions; source: string; features: string[] }): string {
  const { dateColumn, priceColumns, returnsColumn, returnsUnit, decimal, dateFormat, frequency } = m.options;
  const risk: RiskModelMeta = {
    version: 1,
    features: m.features,
    window: m.options.window,
    horizon: m.options.horizon,
    loss: m.options.loss,
    scaler: m.scaler,
    calibration: m.calibration,
    ...(m.oneDayCalibration ? { oneDayCalibration: m.oneDayCalibration } : {}),
    nu: m.tails.nu,
    garchDist: m.options.garchDist,
    residuals: Array.from(m.tails.residuals),
    ensembleParams: models.slice(1).map((model) => Array.from(model.params)),
    dataOptions: { dateColumn, priceColumns, returnsColumn, returnsUnit, decimal, dateFormat, frequency },
    trainedOn: { source: m.source, kind: m.market.kind, series: m.market.series.map((s) => s.name), firstDate: m.market.firstDate, lastDate: m.market.lastDate },
  };
  return modelToJSON(models[0], { risk });
}
