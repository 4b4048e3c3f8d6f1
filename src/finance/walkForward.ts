// The walk-forward (rolling-origin) backtest: every forecast for day t+1 is made with data up to day t only. The
// baselines are re-estimated every refitEvery days, the LSTM re-trained (warm-started) every retrainEvery days, on a
// schedule anchored at the first out-of-sample day, so that appending rows to the file never changes an earlier
// forecast. Environment-agnostic like the single-split pipeline.
import { check, UserError } from '../errors.js';
import type { Model } from '../model.js';
import type { DataOptions, MarketData } from './data.js';
import { loadMarketData, type DataQuality } from './dataQuality.js';
import { checkResults, sanityWarnings, type Sanity } from './sanity.js';
import { BASELINE_NAMES, evaluateDays, MODEL_NAMES, nuSummary, PRIMARY, tailSet, withNu, type ModelName, type NuSummary, type SeriesEvaluation, type TailSet, type TestDays } from './evaluate.js';
import { featureMatrix, FIRST_ORIGIN, fitScaler, varianceTargets, windowOrigins, type FeatureMatrix, type Scaler } from './features.js';
import { createMember, memberConfig, trainMember, type MemberProgress } from './lstm.js';
import { openSession } from '../backend.js';
import type { SetupProgress } from '../engine.js';
import { forecastLosses, lossSeries, qlike, squaredError, type ForecastLosses } from './metrics.js';
import { resolveBacktestOptions, type BacktestOptions } from './options.js';
import type { EnsembleSpread, ExplainSummary } from './report.js';
import { importanceAt } from './explain.js';
import { buyAndHold, varLimitBreaches, varLimitPositions, volatilityTargeting, type StrategySummary } from './riskControl.js';
import { mincerZarnowitz, modelConfidenceSet, type MincerZarnowitz, type ModelConfidenceSet } from './compare.js';
import { atOrigins, baselinesUpTo, calibrate, ensembleSpread, fitBaselinesOn, invalidateTrafficLights, lstmForecasts, now, ownNu, sequences, setupMessage, type BaselineFits, type PipelineHooks, type PipelineStage, type WalkForwardProgress } from './steps.js';

/** Two years of trading days: the shortest out-of-sample period the default choice gives. */
export const MIN_DEFAULT_TEST_DAYS = 504;
/** The fewest out-of-sample days a backtest runs on. */
export const MIN_TEST_DAYS = 100;
/** The fewest LSTM windows before the first out-of-sample day (the first fit's training and validation). */
export const MIN_FIT_WINDOWS = 500;
/** The last share of the windows up to a retrain that early-stops it. */
export const VALIDATION_SHARE = 0.15;
/**
 * The t's ν and the FHS tails come from the standardised residuals of the last this many forecasts before each
 * refit: out-of-sample days, and before there are enough of them, the first fit's validation days (which the
 * network did not fit; the baselines' fit covers them).
 */
export const RESIDUAL_DAYS = 500;

export interface BacktestInput {
  csvText: string;
  /** Where the text came from (a file name), for the report. */
  source?: string;
  options?: Partial<BacktestOptions>;
}

export interface ModelLosses extends ForecastLosses {
  byYear: Record<string, ForecastLosses>;
}

/** One training of one member at one retrain date. */
export interface TrainingRecord {
  date: string;
  member: number;
  warmStart: boolean;
  epochs: number;
  bestEpoch: number;
  seconds: number;
  stopReason: string;
}

export interface WalkForwardSummary {
  testFrom: string;
  testTo: string;
  /** Forecast days per model and series. */
  forecasts: number;
  refitEvery: number;
  retrainEvery: number;
  warmEpochs: number;
  warmPatience: number;
  windowKind: BacktestOptions['windowKind'];
  fitDays: number | null;
  /** Baseline re-estimations and LSTM re-trainings (each of every member). */
  refits: number;
  retrains: number;
  trainings: number;
  /** Mean epochs and seconds per training, from scratch (the first fit) and warm-started (every later one). */
  epochs: { fromScratch: number; warmStart: number | null };
  trainingSeconds: { fromScratch: number; warmStart: number | null };
  seconds: number;
}

/** The Model Confidence Set's answer as reported (the bootstrap's settings are the run's). */
export type McsReport = Pick<ModelConfidenceSet, 'level' | 'models' | 'pValues' | 'eliminated'>;

export interface Comparison {
  dm: SeriesEvaluation['comparison']['dm'];
  mcs: { qlike: McsReport; mse: McsReport };
  mincerZarnowitz: Record<ModelName, MincerZarnowitz>;
}

export interface StrategyReport extends StrategySummary {
  /** With --var-limit: the days the limit cut the position, and the days the loss on that position still exceeded it. */
  varLimit: { bindingDays: number; breaches: number } | null;
}

export type RiskControlReport = { targetVol: number; maxLeverage: number; costBps: number; varLimit: number | null } & Record<ModelName, StrategyReport> & { buyAndHold: StrategySummary };

export interface BacktestSeriesReport extends Omit<SeriesEvaluation, 'forecasts' | 'comparison'> {
  name: string;
  /** The LSTM's also gives the spread of its own ν over the days when it was trained with the Student-t loss. */
  forecasts: Record<ModelName, ModelLosses> & { lstm: ModelLosses & { nu?: NuSummary } };
  comparison: Comparison;
  riskControl: RiskControlReport;
  ensemble: EnsembleSpread | null;
  /** Permutation importance of each training's first member on the out-of-sample days it forecast, weighted by days. */
  explain: ExplainSummary;
  /** Per model: whether its results passed the sanity checks; a model that failed has no traffic light. */
  sanity: Record<ModelName, Sanity>;
}

export interface BacktestReport extends Omit<BacktestSeriesReport, 'name'> {
  version: 1;
  data: { source: string; kind: MarketData['kind']; rows: number; returns: number; firstDate: string; lastDate: string; series: string[]; features: string[]; warnings: string[] };
  settings: Omit<BacktestOptions, keyof DataOptions>;
  dataQuality: DataQuality;
  /** Results that cannot be right, one line per model and series: their VaR, ES and traffic light are not valid. */
  warnings: string[];
  walkForward: WalkForwardSummary;
  training: { backend: BacktestOptions['backend']; adapter: string | null; parameters: number; trainings: TrainingRecord[] };
  series: BacktestSeriesReport[];
}

/** One series' out-of-sample days: forecasts, VaR, and each vol-targeting strategy's weights and returns. */
export interface BacktestDays extends TestDays {
  name: string;
  dates: string[];
  weights: Record<ModelName, Float64Array>;
  /** Daily simple returns (fractions) of each model's vol-targeting strategy and of buy-and-hold. */
  strategy: Record<ModelName | 'buyAndHold', Float64Array>;
}

export interface BacktestResult {
  report: BacktestReport;
  /** Per series, every out-of-sample day (for the forecasts CSV and the charts). */
  days: BacktestDays[];
}

/** The MCS's level and bootstrap draws, fixed and seeded so a report is reproducible. */
export const MCS_LEVEL = 0.9;
export const MCS_DRAWS = 1000;

function comparison(proxy: Float64Array, forecasts: Record<ModelName, Float64Array>, dm: Comparison['dm']): Comparison {
  const mcs = (loss: (p: number, f: number) => number): McsReport => {
    const { level, models, pValues, eliminated } = modelConfidenceSet(Object.fromEntries(MODEL_NAMES.map((m) => [m, lossSeries(loss, proxy, forecasts[m])])), { level: MCS_LEVEL, draws: MCS_DRAWS, seed: 1 });
    return { level, models, pValues, eliminated };
  };
  return {
    dm,
    mcs: { qlike: mcs(qlike), mse: mcs(squaredError) },
    mincerZarnowitz: Object.fromEntries(MODEL_NAMES.map((m) => [m, mincerZarnowitz(proxy, forecasts[m])])) as Record<ModelName, MincerZarnowitz>,
  };
}

/** Volatility targeting on every model's one-day forecast (and buy-and-hold), and the VaR limit when one is set. */
function riskControl(realised: Float64Array, days: TestDays, dates: string[], o: BacktestOptions): { report: RiskControlReport; weights: BacktestDays['weights']; strategy: BacktestDays['strategy'] } {
  const options = { targetVol: o.targetVol, maxLeverage: o.maxLeverage, costBps: o.costBps };
  const hold = buyAndHold(realised, dates, { costBps: o.costBps });
  const report = { ...options, varLimit: o.varLimit ?? null, buyAndHold: hold.summary } as RiskControlReport;
  const weights = {} as BacktestDays['weights'];
  const strategy = { buyAndHold: hold.strategy } as BacktestDays['strategy'];
  for (const m of MODEL_NAMES) {
    const s = volatilityTargeting(realised, days.forecasts[m].map(Math.sqrt), dates, options);
    let varLimit: StrategyReport['varLimit'] = null;
    if (o.varLimit !== undefined) {
      const limited = varLimitPositions(days.var[m]['0.99'][PRIMARY], o.varLimit);
      varLimit = { bindingDays: limited.bindingDays, breaches: varLimitBreaches(limited.positions, realised, o.varLimit) };
    }
    report[m] = { ...s.summary, varLimit };
    weights[m] = s.weights;
    strategy[m] = s.strategy;
  }
  return { report, weights, strategy };
}

/** Index of the first out-of-sample return: --test-from, --test-years, or the last half (at least two years). */
export function outOfSampleStart(dates: string[], o: Pick<BacktestOptions, 'testFrom' | 'testYears' | 'window'>): number {
  const M = dates.length;
  let start: number;
  if (o.testFrom !== undefined) {
    start = dates.findIndex((d) => d >= o.testFrom!);
    if (start < 0) throw new UserError(`--test-from ${o.testFrom} is after the data's last date ${dates[M - 1]}; choose an earlier date`);
  } else if (o.testYears !== undefined) {
    const last = new Date(`${dates[M - 1]}T00:00:00Z`);
    const cutoff = new Date(last.getTime() - o.testYears * 365.25 * 86_400_000).toISOString().slice(0, 10);
    start = dates.findIndex((d) => d > cutoff);
  } else {
    start = M - Math.max(Math.floor(M / 2), MIN_DEFAULT_TEST_DAYS);
  }
  const fitWindows = start - FIRST_ORIGIN - o.window;
  if (fitWindows < MIN_FIT_WINDOWS) {
    throw new UserError(
      `the out-of-sample period starts at ${dates[Math.max(0, start)]}, leaving ${Math.max(0, fitWindows)} training windows before it; the first fit needs ${MIN_FIT_WINDOWS} ` +
        `(about ${MIN_FIT_WINDOWS + FIRST_ORIGIN + o.window} days of data before the first forecast): use a later --test-from, fewer --test-years or a longer file`,
    );
  }
  if (M - start < MIN_TEST_DAYS) throw new UserError(`the out-of-sample period ${dates[start]}..${dates[M - 1]} has ${M - start} days; a backtest needs at least ${MIN_TEST_DAYS}: use an earlier --test-from`);
  return start;
}

/** The days a schedule acts on: the first out-of-sample day and every `every` days after it, before `end`. */
export function schedule(start: number, end: number, every: number): number[] {
  const out: number[] = [];
  for (let t = start; t < end; t += every) out.push(t);
  return out;
}

/** Per series: every model's forecast for each out-of-sample day, the LSTM members', and the tails in force. */
interface SeriesState {
  forecasts: Record<ModelName, Float64Array>;
  members: Float64Array[];
  tails: Record<ModelName, TailSet[]>;
  /** Standardised residuals of the first fit's validation days, per model. */
  seed: Record<ModelName, Float64Array>;
  /** The Student-t LSTM's own ν per day (NaN for the other losses). */
  lstmNu: Float64Array;
  /** The LSTM's forecasts on the first fit's validation days, where a failed fit shows first. */
  lstmValidation: Float64Array;
  /** Per feature: Σ over trainings of its permutation importance × the out-of-sample days that training forecast. */
  importance: Record<string, number>;
}

function emptyState(days: number, members: number): SeriesState {
  const perModel = <T>(make: () => T) => Object.fromEntries(MODEL_NAMES.map((m) => [m, make()])) as Record<ModelName, T>;
  return {
    forecasts: perModel(() => new Float64Array(days).fill(NaN)),
    members: Array.from({ length: members }, () => new Float64Array(days).fill(NaN)),
    tails: perModel(() => new Array<TailSet>(days)),
    seed: perModel(() => new Float64Array(0)),
    lstmNu: new Float64Array(days).fill(NaN),
    lstmValidation: new Float64Array(0),
    importance: {},
  };
}

/** The last RESIDUAL_DAYS standardised residuals before out-of-sample day `upTo`: the seed's, then the out-of-sample ones. */
function residualsBefore(returns: Float64Array, start: number, forecasts: Float64Array, seed: Float64Array, upTo: number): Float64Array {
  const oos = Float64Array.from({ length: upTo }, (_, d) => returns[start + d] / Math.sqrt(forecasts[d]));
  const all = new Float64Array(seed.length + oos.length);
  all.set(seed);
  all.set(oos, seed.length);
  return all.slice(Math.max(0, all.length - RESIDUAL_DAYS));
}

/** Losses over the whole period and per calendar year. */
function lossesByYear(proxy: Float64Array, forecast: Float64Array, dates: string[]): ModelLosses {
  const years = new Map<string, number[]>();
  dates.forEach((d, i) => {
    const y = d.slice(0, 4);
    if (!years.has(y)) years.set(y, []);
    years.get(y)!.push(i);
  });
  const pick = (a: Float64Array, idx: number[]) => Float64Array.from(idx, (i) => a[i]);
  return { ...forecastLosses(proxy, forecast), byYear: Object.fromEntries([...years].map(([y, idx]) => [y, forecastLosses(pick(proxy, idx), pick(forecast, idx))])) };
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);

export async function runBacktest(input: BacktestInput, hooks: Pick<PipelineHooks, 'onProgress' | 'signal'> = {}): Promise<BacktestResult> {
  const o = resolveBacktestOptions(input.options);
  const progress = (stage: PipelineStage, message: string, extra: { walkForward?: WalkForwardProgress; training?: MemberProgress } = {}) =>
    hooks.onProgress?.({ stage, message, ...extra });
  const t0 = now();
  progress('data', 'reading data');
  const { market, quality } = loadMarketData(input.csvText, o);
  const { dates } = market;
  const M = dates.length;
  const start = outOfSampleStart(dates, o);
  const D = M - start;
  const matrices: FeatureMatrix[] = market.series.map(featureMatrix);
  const targets = market.series.map((s) => varianceTargets(s.returns, 1));
  // Fitted once, on the days before the first forecast: the warm-started network keeps seeing the same inputs.
  const scaler: Scaler = fitScaler(matrices, { from: FIRST_ORIGIN, to: start });
  const refits = schedule(start, M, o.refitEvery);
  const retrains = schedule(start, M, o.retrainEvery);
  const events = [...new Set([...refits, ...retrains])].sort((a, b) => a - b);
  const states = market.series.map(() => emptyState(D, o.ensemble));
  const models: Model[] = [];
  let calibration: number[] = [];
  let fits: BaselineFits[] = [];
  let validationOrigins: number[] = [];
  const trainings: TrainingRecord[] = [];
  let adapter: string | null = null;

  // One session for every training and prediction of the run: all members share the network and the batch shape,
  // and opening a session (workers, kernels, on 'auto' the backend choice) costs more than a warm start's epoch.
  const windowsAtEnd = market.series.length * (M - FIRST_ORIGIN - o.window);
  const job = { kind: 'train' as const, steps: o.ensemble * (o.epochs + (retrains.length - 1) * o.warmEpochs) * Math.ceil(windowsAtEnd / o.batchSize) };
  progress('training', `setting up the ${o.backend} engine`);
  const shape = { batchSize: o.batchSize, steps: o.window, signal: hooks.signal, onSetup: (p: SetupProgress) => progress('training', setupMessage(p)) };
  const session = await openSession(o.backend, memberConfig(o, matrices[0].names.length), shape, job);
  try {
    for (const [e, R] of events.entries()) {
      hooks.signal?.throwIfAborted();
      const next = events[e + 1] ?? M;
      const elapsed = now() - t0;
      const walkForward: WalkForwardProgress = { refit: e + 1, refits: events.length, date: dates[R], etaSeconds: e > 0 ? (elapsed / e) * (events.length - e) : null };
      progress('walk-forward', `refit ${e + 1} of ${events.length} at ${dates[R]}`, { walkForward });

      if (retrains.includes(R)) {
        // Every window whose target lies before day R; its last share early-stops the training.
        const origins = windowOrigins({ from: FIRST_ORIGIN, to: R }, o.window, 1);
        const cut = origins.length - Math.round(VALIDATION_SHARE * origins.length);
        const data = { train: sequences(matrices, targets, scaler, origins.slice(0, cut), o.window, o.loss), validation: sequences(matrices, targets, scaler, origins.slice(cut), o.window, o.loss) };
        for (let k = 0; k < o.ensemble; k++) {
          const warmStart = models[k] !== undefined;
          models[k] ??= createMember(o, matrices[0].names.length, k);
          const settings = warmStart ? { ...o, epochs: Math.min(o.epochs, o.warmEpochs), patience: o.warmPatience } : o;
          const result = await trainMember(models[k], k, o.ensemble, settings, data, { signal: hooks.signal, session, onProgress: (training) => progress('training', 'training', { walkForward, training }) });
          hooks.signal?.throwIfAborted();
          adapter ??= result.engine.adapter ?? null;
          trainings.push({ date: dates[R], member: k + 1, warmStart, epochs: result.history.length, bestEpoch: result.bestEpoch, seconds: result.seconds, stopReason: result.stopReason });
        }
        calibration = await calibrate(models, data.validation, targets, origins.slice(cut), o, 'horizon', session);
        if (e === 0) validationOrigins = origins.slice(cut);
        // Scored on the days up to the next training, which these weights forecast out of sample: shuffled across them.
        const until = retrains.find((t) => t > R) ?? M;
        const forecastOrigins = Array.from({ length: until - R }, (_, j) => R - 1 + j);
        for (const [i, state] of states.entries()) {
          const importance = await importanceAt(models[0], calibration[0], matrices[i], scaler, targets[i], forecastOrigins, { ...o, session });
          for (const [f, v] of Object.entries(importance)) state.importance[f] = (state.importance[f] ?? 0) + v * forecastOrigins.length;
        }
      }
      if (refits.includes(R)) {
        const range = o.windowKind === 'rolling' ? { from: Math.max(0, R - o.fitDays), to: R } : { from: 0, to: R };
        fits = market.series.map((s, i) => fitBaselinesOn(s.returns, targets[i], range, 1, o.garchDist, fits[i]));
      }

      const origins = Array.from({ length: next - R }, (_, j) => R - 1 + j);
      for (const [i, s] of market.series.entries()) {
        const state = states[i];
        if (e === 0) {
          // The first fit's validation days give the residuals that the t and FHS start from.
          const lstm = await lstmForecasts(models, calibration, matrices[i], scaler, validationOrigins, o, null, session);
          const baselines = baselinesUpTo(s.returns, start, 1, fits[i]);
          const z = (f: (j: number, t: number) => number) => Float64Array.from(validationOrigins, (t, j) => s.returns[t + 1] / Math.sqrt(f(j, t)));
          state.seed.lstm = z((j) => lstm.mean[j]);
          state.lstmValidation = Float64Array.from(lstm.mean);
          for (const b of BASELINE_NAMES) state.seed[b] = z((_, t) => baselines[b][t]);
        }
        const lstm = await lstmForecasts(models, calibration, matrices[i], scaler, origins, o, null, session);
        const baselines = baselinesUpTo(s.returns, next, 1, fits[i]);
        origins.forEach((t, j) => {
          const d = t + 1 - start;
          state.forecasts.lstm[d] = lstm.mean[j];
          lstm.members.forEach((m, k) => (state.members[k][d] = m[j]));
          if (lstm.nu) state.lstmNu[d] = lstm.nu[j];
          for (const b of BASELINE_NAMES) state.forecasts[b][d] = baselines[b][t];
        });
        for (const m of MODEL_NAMES) {
          const tails = tailSet(residualsBefore(s.returns, start, state.forecasts[m], state.seed[m], R - start), m === 'lstm' ? undefined : ownNu(fits[i], m));
          // The Student-t LSTM's t tail is its own ν of each day; Gaussian and FHS from the residuals as for the rest.
          const ownT = m === 'lstm' && o.loss === 'student-t';
          for (let d = R - start; d < next - start; d++) state.tails[m][d] = ownT ? withNu(tails, state.lstmNu[d]) : tails;
        }
      }
    }
  } finally {
    session.destroy();
  }

  progress('evaluation', 'scoring the out-of-sample forecasts and backtesting VaR');
  const dayDates = dates.slice(start);
  const series: BacktestSeriesReport[] = [];
  const days: BacktestResult['days'] = [];
  const warnings: string[] = [];
  // The origins of the first fit's windows and of the out-of-sample forecasts, for the sanity checks.
  const fitOrigins = windowOrigins({ from: FIRST_ORIGIN, to: start }, o.window, 1);
  const scored = Array.from({ length: D }, (_, d) => start - 1 + d);
  for (const [i, s] of market.series.entries()) {
    const state = states[i];
    const realised = s.returns.slice(start);
    const proxy = Float64Array.from({ length: D }, (_, d) => targets[i][start + d - 1]);
    const { evaluation, days: perDay } = evaluateDays(realised, proxy, state.forecasts, state.tails, 1);
    const checks = checkResults(
      {
        targets: targets[i],
        scored,
        forecasts: Object.fromEntries(MODEL_NAMES.map((m) => [m, atOrigins(M, scored, state.forecasts[m])])),
        trainMean: fitOrigins.reduce((a, t) => a + targets[i][t], 0) / fitOrigins.length,
        lstmValidation: { origins: validationOrigins, forecasts: atOrigins(M, validationOrigins, state.lstmValidation) },
        // The tails in force at the end of the period.
        tailQuantiles: Object.fromEntries(MODEL_NAMES.map((m) => [m, state.tails[m][D - 1].tails.fhs['0.99'].quantile])),
      },
      quality,
    ) as Record<ModelName, Sanity>;
    warnings.push(...sanityWarnings(checks, market.series.length > 1 ? s.name : undefined));
    invalidateTrafficLights(evaluation.var, checks);
    const control = riskControl(realised, perDay, dayDates, o);
    days.push({ name: s.name, dates: dayDates, ...perDay, weights: control.weights, strategy: control.strategy });
    const forecasts = Object.fromEntries(MODEL_NAMES.map((m) => [m, lossesByYear(proxy, state.forecasts[m], dayDates)])) as BacktestSeriesReport['forecasts'];
    if (o.loss === 'student-t') forecasts.lstm.nu = nuSummary(state.lstmNu);
    series.push({
      name: s.name,
      ...evaluation,
      forecasts,
      comparison: comparison(proxy, state.forecasts, evaluation.comparison.dm),
      riskControl: control.report,
      ensemble: ensembleSpread(state.members, proxy),
      explain: { permutationImportance: Object.fromEntries(Object.entries(state.importance).map(([f, v]) => [f, v / D])) },
      sanity: checks,
    });
  }
  check(series.every((s) => MODEL_NAMES.every((m) => Number.isFinite(s.forecasts[m].qlike))), 'a model gave a forecast that is not a positive number; check the data for long runs of unchanged prices');

  const seconds = now() - t0;
  const fromScratch = trainings.filter((t) => !t.warmStart);
  const warm = trainings.filter((t) => t.warmStart);
  const { dateColumn: _d, priceColumns: _p, returnsColumn: _r, returnsUnit: _u, decimal: _s, dateFormat: _f, frequency: _q, ...settings } = o;
  const { name: _first, ...first } = series[0];
  const report: BacktestReport = {
    version: 1,
    data: { source: input.source ?? 'csv text', kind: market.kind, rows: market.rows, returns: M, firstDate: market.firstDate, lastDate: market.lastDate, series: market.series.map((x) => x.name), features: matrices[0].names, warnings: market.warnings },
    settings,
    dataQuality: quality,
    warnings,
    walkForward: {
      testFrom: dates[start],
      testTo: dates[M - 1],
      forecasts: D,
      refitEvery: o.refitEvery,
      retrainEvery: o.retrainEvery,
      warmEpochs: o.warmEpochs,
      warmPatience: o.warmPatience,
      windowKind: o.windowKind,
      fitDays: o.windowKind === 'rolling' ? o.fitDays : null,
      refits: refits.length,
      retrains: retrains.length,
      trainings: trainings.length,
      epochs: { fromScratch: mean(fromScratch.map((t) => t.epochs))!, warmStart: mean(warm.map((t) => t.epochs)) },
      trainingSeconds: { fromScratch: mean(fromScratch.map((t) => t.seconds))!, warmStart: mean(warm.map((t) => t.seconds)) },
      seconds,
    },
    ...first,
    series,
    training: { backend: o.backend, adapter, parameters: models[0].params.length, trainings },
  };
  return { report, days };
}

/**
 * The forecasts CSV: one row per series and out-of-sample day; per model its variance forecast (percent²), its
 * one-day VaR at 95% and 99% and ES at 97.5% under its primary (Student-t) distribution (positive losses, percent),
 * and its vol-targeting weight. Column names are stable.
 */
export function forecastsCsv(result: BacktestResult): string {
  const header = ['series', 'date', 'return', 'target', ...MODEL_NAMES.flatMap((m) => [`${m}_variance`, `${m}_var95`, `${m}_var99`, `${m}_es975`, `${m}_weight`])];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const num = (x: number) => (Number.isFinite(x) ? String(x) : '');
  const lines = [header.join(',')];
  for (const s of result.days) {
    s.dates.forEach((date, d) => {
      const cells = [quote(s.name), date, num(s.returns[d]), num(s.realized[d])];
      for (const m of MODEL_NAMES) {
        const v = s.var[m];
        cells.push(num(s.forecasts[m][d]), num(v['0.95'][PRIMARY][d]), num(v['0.99'][PRIMARY][d]), num(s.es[m]['0.975'][d]), num(s.weights[m][d]));
      }
      lines.push(cells.join(','));
    });
  }
  return `${lines.join('\n')}\n`;
}
