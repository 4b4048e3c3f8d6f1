// The whole volatility / market-risk run, environment-agnostic (no fs, no process): the CLI and the browser
// app both call runRiskPipeline with CSV text and show reportTable(report).
import { check } from '../errors.js';
import { modelToJSON, type LossKind, type Model } from '../model.js';
import type { BackendChoice } from '../engine.js';
import type { Sequences } from '../train/types.js';
import { baselineForecasts, fitBaselines, RISKMETRICS_LAMBDA, type HarModel } from './baselines.js';
import { parseMarketData, type DataKind, type DataOptions, type MarketData } from './data.js';
import {
  buildWindows,
  checkEnoughData,
  chronologicalSplits,
  featureMatrix,
  fitScaler,
  SPLIT_NAMES,
  varianceTargets,
  windowOrigins,
  type FeatureMatrix,
  type Scaler,
  type SplitFractions,
  type Splits,
} from './features.js';
import { garchSummary, type GarchSummary } from './garch.js';
import { lstmTargets, memberOutputs, memberVariances, trainMembers, type LstmSettings, type MemberProgress } from './lstm.js';
import {
  evaluateSeries,
  fhsTails,
  MODEL_NAMES,
  nextDay,
  standardisedResiduals,
  type ForecastSet,
  type ModelName,
  type NextDay,
  type PerLevel,
  type SeriesEvaluation,
  type TestDays,
} from './evaluate.js';
import { forecastLosses, qlikeOptimalScale } from './metrics.js';
import type { Tail } from './risk.js';

export interface RiskOptions extends DataOptions, LstmSettings {
  /** Forecast the variance of the next h days (h = 1: tomorrow's). */
  horizon: number;
  split: SplitFractions;
}

export const DEFAULT_RISK_OPTIONS: RiskOptions = {
  window: 22,
  horizon: 1,
  split: { train: 0.7, validation: 0.15, test: 0.15 },
  hidden: 32,
  layers: 1,
  dropout: 0,
  recurrentDropout: 0,
  loss: 'qlike',
  epochs: 20,
  batchSize: 64,
  learningRate: 3e-3,
  patience: 5,
  ensemble: 1,
  seed: 1,
  backend: 'auto',
};

/** Fills defaults and checks every setting; mistakes are UserErrors naming the option. */
export function resolveRiskOptions(options: Partial<RiskOptions> = {}): RiskOptions {
  const o: RiskOptions = { ...DEFAULT_RISK_OPTIONS, ...options, split: { ...DEFAULT_RISK_OPTIONS.split, ...options.split } };
  const int = (v: number, lo: number, hi: number, name: string) => check(Number.isInteger(v) && v >= lo && v <= hi, `${name} must be an integer from ${lo} to ${hi} (got ${v})`);
  int(o.window, 1, 250, 'window');
  int(o.horizon, 1, 22, 'horizon');
  int(o.hidden, 1, 1024, 'hidden');
  int(o.layers, 1, 8, 'layers');
  for (const [v, name] of [[o.dropout, 'dropout'], [o.recurrentDropout, 'recurrent dropout']] as const) {
    check(Number.isFinite(v) && v >= 0 && v < 1, `${name} must be a rate from 0 up to (not including) 1, e.g. 0.2 (got ${v})`);
  }
  int(o.epochs, 1, 10000, 'epochs');
  int(o.batchSize, 1, 65536, 'batch size');
  int(o.patience, 0, 10000, 'patience');
  int(o.seed, 0, 2 ** 31, 'seed');
  check(Number.isInteger(o.ensemble) && (o.ensemble === 1 || o.ensemble >= 5) && o.ensemble <= 100, `ensemble must be 1 (a single model) or 5 to 100 members (got ${o.ensemble}); fewer than 5 says little about model risk`);
  check(o.loss === 'qlike' || o.loss === 'mse', `loss must be 'qlike' or 'mse' (got ${String(o.loss)})`);
  check(o.backend === 'auto' || o.backend === 'webgpu' || o.backend === 'cpu', `backend must be 'auto', 'webgpu' or 'cpu' (got ${String(o.backend)})`);
  check(Number.isFinite(o.learningRate) && o.learningRate > 0 && o.learningRate < 1, `learning rate must be between 0 and 1 (got ${o.learningRate})`);
  const parts = SPLIT_NAMES.map((s) => o.split[s]);
  check(parts.every((p) => Number.isFinite(p) && p > 0) && Math.abs(parts.reduce((a, b) => a + b) - 1) < 1e-9, `split fractions must be positive and add up to 1 (got ${parts.join('/')})`);
  return o;
}

export type PipelineStage = 'data' | 'baselines' | 'training' | 'evaluation';

export interface PipelineProgress {
  stage: PipelineStage;
  message: string;
  training?: MemberProgress;
}

export interface PipelineHooks {
  onProgress?: (p: PipelineProgress) => void;
  /** Cancels the whole run: it rejects with an AbortError and returns nothing. */
  signal?: AbortSignal;
  /**
   * Ends training early and evaluates what was trained: the member in progress stops within a step and keeps its
   * best weights so far, later ensemble members are skipped, and the report says training.stopReason 'aborted'.
   * A stop before the first training step leaves nothing trained: the run fails with a UserError saying so.
   */
  stopTraining?: AbortSignal;
}

export interface PipelineInput {
  csvText: string;
  /** Where the text came from (a file name), for the report. */
  source?: string;
  options?: Partial<RiskOptions>;
}

export interface SplitSummary {
  firstDate: string;
  lastDate: string;
  days: number;
  windows: number;
}

export interface DataSummary {
  source: string;
  kind: DataKind;
  rows: number;
  returns: number;
  firstDate: string;
  lastDate: string;
  series: string[];
  features: string[];
  window: number;
  horizon: number;
  split: Record<(typeof SPLIT_NAMES)[number], SplitSummary>;
  warnings: string[];
}

export interface EnsembleSpread {
  members: number;
  /** Each member's test QLIKE: how much the score depends on the initial weights. */
  memberQlike: number[];
  /** Across test days, the members' volatility forecasts' standard deviation over their mean. */
  relativeSpread: { mean: number; max: number };
}

export interface SeriesReport extends SeriesEvaluation {
  name: string;
  garch: GarchSummary;
  har: HarModel;
  ewma: { lambda: number };
  ensemble: EnsembleSpread | null;
  nextDay: NextDay;
}

export interface TrainingSummary {
  /** 'aborted': stopTraining ended training early; `members` then holds only the members trained (the last cut short). */
  stopReason: 'completed' | 'aborted';
  backend: BackendChoice;
  adapter: string | null;
  parameters: number;
  windows: { train: number; validation: number };
  members: { seed: number; epochs: number; bestEpoch: number; bestValLoss: number | null; stopReason: string; seconds: number; calibration: number }[];
}

export interface Timing {
  totalSeconds: number;
  dataSeconds: number;
  baselinesSeconds: number;
  trainingSeconds: number;
  evaluationSeconds: number;
  samplesPerSecond: number;
}

/** The JSON report. The top-level forecasts/garch/var/es/... are the first series'; `series` has every one. */
export interface RiskReport extends Omit<SeriesReport, 'name'> {
  version: 1;
  data: DataSummary;
  settings: Omit<RiskOptions, keyof DataOptions>;
  series: SeriesReport[];
  training: TrainingSummary;
  timing: Timing;
}

export interface PipelineResult {
  report: RiskReport;
  /** The trained model(s) and everything `predict` needs, as the model file's text. */
  modelText: string;
  /** Per series, the test split day by day (not in the JSON report: it is for charts). */
  testDays: (TestDays & { name: string; dates: string[] })[];
}

/** What the model file carries besides the weights, under the key `risk`. */
export interface RiskModelMeta {
  version: 1;
  features: string[];
  window: number;
  horizon: number;
  loss: LossKind;
  scaler: Scaler;
  /** Per member: the scale c of its variance forecast c·e^out. */
  calibration: number[];
  /** The LSTM's standardised-residual tails on the training windows (for FHS VaR/ES). */
  fhs: PerLevel<Tail>;
  /** Weights of members 2..K (member 1 is the file's main model). */
  ensembleParams: number[][];
  dataOptions: DataOptions;
  trainedOn: { source: string; kind: DataKind; series: string[]; firstDate: string; lastDate: string };
}

const now = () => performance.now() / 1000;

/** Concatenates windows (or targets) of several series: pooled training, windows of every series in each batch. */
function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sequences(matrices: FeatureMatrix[], targets: Float64Array[], scaler: Scaler, origins: number[], window: number, loss: LossKind): Sequences {
  return {
    x: concat(matrices.map((m) => buildWindows(m, scaler, origins, window))),
    y: concat(targets.map((y) => lstmTargets(origins.map((t) => y[t]), loss))),
    count: origins.length * matrices.length,
    steps: window,
  };
}

/** Spreads a model's forecasts at some origins into a full-length, NaN-elsewhere array. */
function atOrigins(length: number, origins: number[], values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(length).fill(NaN);
  origins.forEach((t, i) => (out[t] = values[i]));
  return out;
}

/** Mean and max over days of the members' volatility standard deviation divided by their mean. */
function relativeSpread(members: Float64Array[], days: number): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < days; i++) {
    const vols = members.map((m) => Math.sqrt(m[i]));
    const mean = vols.reduce((a, b) => a + b) / vols.length;
    const sd = Math.sqrt(vols.reduce((a, v) => a + (v - mean) ** 2, 0) / (vols.length - 1));
    sum += sd / mean;
    max = Math.max(max, sd / mean);
  }
  return { mean: sum / days, max };
}

/** The rows the CLI and the app show: one per series and model. */
export interface TableRow {
  series: string;
  model: ModelName;
  qlike: number;
  mse: number;
  dmP: number | null;
  exceptions99: number;
  expected99: number;
  kupiecP: number;
  christoffersenP: number;
  trafficLight: string | null;
}

export function reportTable(report: RiskReport): TableRow[] {
  return report.series.flatMap((s) =>
    MODEL_NAMES.map((model) => {
      const v = s.var[model]['0.99'];
      return {
        series: s.name,
        model,
        qlike: s.forecasts[model].qlike,
        mse: s.forecasts[model].mse,
        dmP: s.forecasts[model].dmVsHar?.pValue ?? null,
        exceptions99: v.exceptions,
        expected99: v.expected,
        kupiecP: v.kupiecP,
        christoffersenP: v.christoffersenP,
        trafficLight: v.trafficLight,
      };
    }),
  );
}

export interface PreparedData {
  market: MarketData;
  splits: Splits;
  /** Forecast origins per split: whole window and whole target inside the split. */
  origins: Record<(typeof SPLIT_NAMES)[number], number[]>;
  matrices: FeatureMatrix[];
  /** Per series, the realized h-day variance at each origin. */
  targets: Float64Array[];
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
  const scaler = fitScaler(matrices, splits.train);
  return {
    market,
    splits,
    origins,
    matrices,
    targets,
    scaler,
    trainSet: sequences(matrices, targets, scaler, origins.train, o.window, o.loss),
    validationSet: sequences(matrices, targets, scaler, origins.validation, o.window, o.loss),
  };
}

/**
 * Reads the CSV, builds features and chronological splits, fits EWMA/GARCH/HAR on the training split, trains
 * the LSTM (early-stopped on validation), and scores everything on the same test origins.
 */
export async function runRiskPipeline(input: PipelineInput, hooks: PipelineHooks = {}): Promise<PipelineResult> {
  const o = resolveRiskOptions(input.options);
  const progress = (stage: PipelineStage, message: string, training?: MemberProgress) => hooks.onProgress?.({ stage, message, training });
  const t0 = now();

  progress('data', 'reading data');
  const prepared = prepareData(parseMarketData(input.csvText, o), o);
  const { market, splits, origins, matrices, targets, scaler, trainSet, validationSet } = prepared;
  const M = market.dates.length;
  const t1 = now();

  progress('baselines', 'fitting EWMA, GARCH(1,1) and HAR on the training split');
  hooks.signal?.throwIfAborted();
  const baselines = market.series.map((s, i) => fitBaselines(s.returns, targets[i], splits.train.to, origins.train));
  const t2 = now();

  progress('training', `training ${o.ensemble > 1 ? `${o.ensemble} LSTM members` : 'the LSTM'} on ${trainSet.count} windows`);
  const { models, results } = await trainMembers(o, matrices[0].names.length, { train: trainSet, validation: validationSet }, {
    signal: hooks.signal,
    stop: hooks.stopTraining,
    onProgress: (p) => progress('training', 'training', p),
  });
  check(models.length > 0, 'training was stopped before its first step, so there is no trained model to evaluate; train again and let it run at least one step');
  const stopped = results.length < o.ensemble || results.some((r) => r.stopReason === 'aborted');
  const t3 = now();

  progress('evaluation', 'forecasting the test split and backtesting VaR');
  const trainOutputs = await memberOutputs(models, trainSet.x, trainSet.count, o.window, o.backend, o.batchSize);
  const trainVariances = concat(targets.map((y) => Float32Array.from(origins.train, (t) => y[t])));
  const calibration = trainOutputs.map((out) => qlikeOptimalScale(out, trainVariances));
  const pooledTrain = memberVariances(trainOutputs, calibration).mean;
  const n = origins.train.length;
  const lstmTrain = market.series.map((_, i) => atOrigins(M, origins.train, pooledTrain.subarray(i * n, (i + 1) * n)));
  // One pooled model, one pooled residual distribution for its filtered historical simulation.
  const lstmFhs = fhsTails(concat(market.series.map((s, i) => Float32Array.from(standardisedResiduals(s.returns, lstmTrain[i], origins.train, o.horizon)))));
  const lastOrigin = M - 1;
  const lstmOrigins = [...origins.test, lastOrigin];

  const series: SeriesReport[] = [];
  const testDays: PipelineResult['testDays'] = [];
  for (const [i, s] of market.series.entries()) {
    hooks.signal?.throwIfAborted();
    const x = buildWindows(matrices[i], scaler, lstmOrigins, o.window);
    const lstm = memberVariances(await memberOutputs(models, x, lstmOrigins.length, o.window, o.backend, o.batchSize), calibration);
    const b = baselines[i];
    const forecasts: ForecastSet = { lstm: atOrigins(M, lstmOrigins, lstm.mean), ...baselineForecasts(s.returns, o.horizon, b) };
    const fhs = Object.fromEntries(MODEL_NAMES.map((m) => [m, m === 'lstm' ? lstmFhs : fhsTails(standardisedResiduals(s.returns, forecasts[m], origins.train, o.horizon))])) as Record<ModelName, PerLevel<Tail>>;
    const { evaluation, days } = evaluateSeries(s.returns, targets[i], forecasts, fhs, origins.test, o.horizon);
    testDays.push({ name: s.name, dates: origins.test.map((t) => market.dates[t + 1]), ...days });
    const testCount = origins.test.length;
    const ensemble: EnsembleSpread | null =
      models.length > 1
        ? {
            members: models.length,
            memberQlike: lstm.members.map((m) => forecastLosses(Float64Array.from(origins.test, (t) => targets[i][t]), m.subarray(0, testCount)).qlike),
            relativeSpread: relativeSpread(lstm.members, testCount),
          }
        : null;
    series.push({
      name: s.name,
      ...evaluation,
      garch: garchSummary(b.garch),
      har: b.har,
      ewma: { lambda: RISKMETRICS_LAMBDA },
      ensemble,
      nextDay: nextDay(
        market.dates[lastOrigin],
        Object.fromEntries(MODEL_NAMES.map((m) => [m, forecasts[m][lastOrigin]])) as Record<ModelName, number>,
        fhs,
        o.horizon,
        lstm.members.map((m) => m[testCount]),
      ),
    });
  }
  const t4 = now();

  const { window, horizon, split, hidden, layers, dropout, recurrentDropout, loss, epochs, batchSize, learningRate, patience, ensemble, seed, backend } = o;
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
    settings: { window, horizon, split, hidden, layers, dropout, recurrentDropout, loss, epochs, batchSize, learningRate, patience, ensemble, seed, backend },
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
  return { report, testDays, modelText: modelFileText(models, { scaler, calibration, fhs: lstmFhs, market, options: o, source: report.data.source, features: matrices[0].names }) };
}

function modelFileText(models: Model[], m: { scaler: Scaler; calibration: number[]; fhs: PerLevel<Tail>; market: MarketData; options: RiskOptions; source: string; features: string[] }): string {
  const { dateColumn, priceColumns, returnsColumn, returnsUnit } = m.options;
  const risk: RiskModelMeta = {
    version: 1,
    features: m.features,
    window: m.options.window,
    horizon: m.options.horizon,
    loss: m.options.loss,
    scaler: m.scaler,
    calibration: m.calibration,
    fhs: m.fhs,
    ensembleParams: models.slice(1).map((model) => Array.from(model.params)),
    dataOptions: { dateColumn, priceColumns, returnsColumn, returnsUnit },
    trainedOn: { source: m.source, kind: m.market.kind, series: m.market.series.map((s) => s.name), firstDate: m.market.firstDate, lastDate: m.market.lastDate },
  };
  return modelToJSON(models[0], { risk });
}
