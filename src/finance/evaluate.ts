// Scoring variance forecasts on out-of-sample days: losses, Diebold–Mariano of the LSTM against each baseline,
// VaR/ES and their backtests.
import { dieboldMariano, forecastLosses, lossSeries, qlike, squaredError, type ForecastLosses, type TestResult } from './metrics.js';
import { backtestEs, backtestVar, empiricalTail, expectedShortfall, gaussianTail, valueAtRisk, VAR_LEVELS, type EsBacktest, type Tail, type VarBacktest, type VarLevel } from './risk.js';

export const MODEL_NAMES = ['lstm', 'har', 'garch', 'ewma'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Report keys for the VaR levels: "0.95" and "0.99". */
export type LevelKey = `${VarLevel}`;
export const levelKey = (level: VarLevel) => String(level) as LevelKey;
export type PerLevel<T> = Record<LevelKey, T>;

/** Forecasts of every model, indexed by origin t (NaN where a model made none). */
export type ForecastSet = Record<ModelName, Float64Array>;

export const BASELINE_NAMES = MODEL_NAMES.filter((m) => m !== 'lstm') as Exclude<ModelName, 'lstm'>[];
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Diebold–Mariano of the LSTM against one baseline, on QLIKE and on MSE; negative statistic: the LSTM's loss is lower. */
export interface DmVsLstm {
  qlike: TestResult;
  mse: TestResult;
}

export interface LevelBacktest extends VarBacktest {
  /** The same backtest for the filtered-historical-simulation VaR, over the days it had residuals for (null: none). */
  fhs: VarBacktest | null;
}

export interface EsReport {
  gaussian: EsBacktest;
  fhs: EsBacktest | null;
}

export interface SeriesEvaluation {
  forecasts: Record<ModelName, ForecastLosses>;
  comparison: { dm: Record<BaselineName, DmVsLstm> };
  var: Record<ModelName, PerLevel<LevelBacktest>>;
  es: Record<ModelName, PerLevel<EsReport>>;
}

/** Returns standardised by a model's own one-day volatility: z = r_{t+1} / sqrt(f_t / h). */
export function standardisedResiduals(returns: Float64Array, forecasts: Float64Array, origins: number[], horizon: number): Float64Array {
  return Float64Array.from(origins, (t) => returns[t + 1] / Math.sqrt(forecasts[t] / horizon));
}

export function fhsTails(residuals: ArrayLike<number>): PerLevel<Tail> {
  return Object.fromEntries(VAR_LEVELS.map((level) => [levelKey(level), empiricalTail(residuals, level)])) as PerLevel<Tail>;
}

export function gaussianTails(): PerLevel<Tail> {
  return Object.fromEntries(VAR_LEVELS.map((level) => [levelKey(level), gaussianTail(level)])) as PerLevel<Tail>;
}

export interface RiskFigures {
  /** Forecast variance of the next h days' returns, percent². */
  variance: number;
  /** One-day volatility, percent: sqrt(variance / h). */
  volatility: number;
  var: PerLevel<{ gaussian: number; fhs: number }>;
  es: PerLevel<{ gaussian: number; fhs: number }>;
}

/** One-day VaR and ES (percent of the position, positive = loss) from an h-day variance forecast. */
export function riskFigures(variance: number, horizon: number, fhs: PerLevel<Tail>): RiskFigures {
  const sigma = Math.sqrt(variance / horizon);
  const gaussian = gaussianTails();
  const per = (f: (sigma: number, tail: Tail) => number) =>
    Object.fromEntries(VAR_LEVELS.map((level) => [levelKey(level), { gaussian: f(sigma, gaussian[levelKey(level)]), fhs: f(sigma, fhs[levelKey(level)]) }])) as PerLevel<{ gaussian: number; fhs: number }>;
  return { variance, volatility: sigma, var: per(valueAtRisk), es: per(expectedShortfall) };
}

export interface NextDay {
  /** The forecasts are for the trading day after this date. */
  after: string;
  models: Record<ModelName, RiskFigures>;
  /** Lowest and highest LSTM member volatility for that day (ensembles only). */
  ensembleVolatility: { min: number; max: number } | null;
}

/** Every model's risk figures for the day after `after`, from each model's variance forecast made then. */
export function nextDay(after: string, variance: Record<ModelName, number>, fhs: Record<ModelName, PerLevel<Tail>>, horizon: number, memberVariances: number[]): NextDay {
  const vols = memberVariances.map((v) => Math.sqrt(v / horizon));
  return {
    after,
    models: Object.fromEntries(MODEL_NAMES.map((m) => [m, riskFigures(variance[m], horizon, fhs[m])])) as Record<ModelName, RiskFigures>,
    ensembleVolatility: vols.length > 1 ? { min: Math.min(...vols), max: Math.max(...vols) } : null,
  };
}

/** The test split day by day (for charts): index i is the forecast made at the i-th test origin. */
export interface TestDays {
  horizon: number;
  /** The return each forecast's VaR covers, percent: r_{t+1}. */
  returns: Float64Array;
  /** The realized variance of the h days the forecast covers (its target), percent². */
  realized: Float64Array;
  forecasts: Record<ModelName, Float64Array>;
  /** One-day VaR, percent of the position (positive = loss); NaN where FHS had no residuals yet. */
  var: Record<ModelName, PerLevel<{ gaussian: Float64Array; fhs: Float64Array }>>;
}

/** Diebold–Mariano of the LSTM against every baseline, on QLIKE and MSE, over the given days. */
export function dmVsLstm(proxy: Float64Array, forecasts: Record<ModelName, Float64Array>, horizon: number): Record<BaselineName, DmVsLstm> {
  const lstm = { qlike: lossSeries(qlike, proxy, forecasts.lstm), mse: lossSeries(squaredError, proxy, forecasts.lstm) };
  return Object.fromEntries(
    BASELINE_NAMES.map((m) => [
      m,
      { qlike: dieboldMariano(lstm.qlike, lossSeries(qlike, proxy, forecasts[m]), horizon), mse: dieboldMariano(lstm.mse, lossSeries(squaredError, proxy, forecasts[m]), horizon) },
    ]),
  ) as Record<BaselineName, DmVsLstm>;
}

/** The days whose entry is finite, and the series restricted to them. */
function finiteDays(values: Float64Array, ...others: ArrayLike<number>[]): Float64Array[] | null {
  const keep: number[] = [];
  values.forEach((v, i) => Number.isFinite(v) && keep.push(i));
  if (keep.length === 0) return null;
  return [values, ...others].map((a) => Float64Array.from(keep, (i) => a[i]));
}

/**
 * Scores every model day by day. Day i: `realised[i]` is the return the VaR covers, `proxy[i]` the realised h-day
 * variance, `forecasts[m][i]` the model's h-day variance forecast, `fhs[m][i]` its FHS tails in force that day
 * (from out-of-sample residuals only; null where there were too few yet: the FHS backtests skip those days).
 */
export function evaluateDays(
  realised: Float64Array,
  proxy: Float64Array,
  forecasts: Record<ModelName, Float64Array>,
  fhs: Record<ModelName, (PerLevel<Tail> | null)[]>,
  horizon: number,
): { evaluation: SeriesEvaluation; days: TestDays } {
  const gaussian = gaussianTails();
  const evaluation: SeriesEvaluation = { forecasts: {} as SeriesEvaluation['forecasts'], comparison: { dm: dmVsLstm(proxy, forecasts, horizon) }, var: {} as SeriesEvaluation['var'], es: {} as SeriesEvaluation['es'] };
  const days: TestDays = { horizon, returns: realised, realized: proxy, forecasts, var: {} as TestDays['var'] };
  for (const name of MODEL_NAMES) {
    const f = forecasts[name];
    evaluation.forecasts[name] = forecastLosses(proxy, f);
    const sigma = f.map((v) => Math.sqrt(v / horizon));
    const levels = VAR_LEVELS.map((level) => {
      const key = levelKey(level);
      const g = { var: sigma.map((s) => valueAtRisk(s, gaussian[key])), es: sigma.map((s) => expectedShortfall(s, gaussian[key])) };
      const tail = (i: number) => fhs[name][i]?.[key];
      const h = { var: sigma.map((s, i) => (tail(i) ? valueAtRisk(s, tail(i)!) : NaN)), es: sigma.map((s, i) => (tail(i) ? expectedShortfall(s, tail(i)!) : NaN)) };
      const hDays = finiteDays(h.var, h.es, realised);
      return {
        key,
        values: { gaussian: g.var, fhs: h.var },
        var: { ...backtestVar(realised, g.var, level), fhs: hDays && backtestVar(hDays[2], hDays[0], level) },
        es: { gaussian: backtestEs(realised, g.var, g.es, level), fhs: hDays && backtestEs(hDays[2], hDays[0], hDays[1], level) },
      };
    });
    evaluation.var[name] = Object.fromEntries(levels.map((l) => [l.key, l.var])) as PerLevel<LevelBacktest>;
    evaluation.es[name] = Object.fromEntries(levels.map((l) => [l.key, l.es])) as PerLevel<EsReport>;
    days.var[name] = Object.fromEntries(levels.map((l) => [l.key, l.values])) as TestDays['var'][ModelName];
  }
  return { evaluation, days };
}

/**
 * Scores every model on the test origins of one split. `fhs` holds each model's standardised-residual tails
 * (from out-of-sample days before the test split); `proxies[t]` is the realised h-day variance at origin t.
 */
export function evaluateSeries(
  returns: Float64Array,
  proxies: Float64Array,
  forecasts: ForecastSet,
  fhs: Record<ModelName, PerLevel<Tail>>,
  origins: number[],
  horizon: number,
): { evaluation: SeriesEvaluation; days: TestDays } {
  const at = (values: Float64Array) => Float64Array.from(origins, (t) => values[t]);
  const perDay = Object.fromEntries(MODEL_NAMES.map((m) => [m, at(forecasts[m])])) as Record<ModelName, Float64Array>;
  const tails = Object.fromEntries(MODEL_NAMES.map((m) => [m, origins.map(() => fhs[m])])) as Record<ModelName, PerLevel<Tail>[]>;
  return evaluateDays(Float64Array.from(origins, (t) => returns[t + 1]), at(proxies), perDay, tails, horizon);
}
