// Scoring variance forecasts on the test origins: losses, Diebold–Mariano against HAR, VaR/ES and backtests.
import { dieboldMariano, forecastLosses, lossSeries, qlike, type TestResult } from './metrics.js';
import { backtestEs, backtestVar, empiricalTail, expectedShortfall, gaussianTail, valueAtRisk, VAR_LEVELS, type EsBacktest, type Tail, type VarBacktest, type VarLevel } from './risk.js';

export const MODEL_NAMES = ['lstm', 'har', 'garch', 'ewma'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Report keys for the VaR levels: "0.95" and "0.99". */
export type LevelKey = `${VarLevel}`;
export const levelKey = (level: VarLevel) => String(level) as LevelKey;
export type PerLevel<T> = Record<LevelKey, T>;

/** Forecasts of every model, indexed by origin t (NaN where a model made none). */
export type ForecastSet = Record<ModelName, Float64Array>;

export interface ModelEvaluation {
  qlike: number;
  mse: number;
  mae: number;
  n: number;
  /** Diebold–Mariano on QLIKE against HAR (null for HAR itself); negative statistic: lower loss than HAR. */
  dmVsHar: TestResult | null;
}

export interface LevelBacktest extends VarBacktest {
  /** The same backtest for the filtered-historical-simulation VaR. */
  fhs: VarBacktest;
}

export interface EsReport {
  gaussian: EsBacktest;
  fhs: EsBacktest;
}

export interface SeriesEvaluation {
  forecasts: Record<ModelName, ModelEvaluation>;
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
  /** One-day VaR, percent of the position (positive = loss). */
  var: Record<ModelName, PerLevel<{ gaussian: Float64Array; fhs: Float64Array }>>;
}

/**
 * Scores every model on the test origins. `fhs` holds each model's standardised-residual tails from its
 * training origins; `proxies[t]` is the realised h-day variance at origin t.
 */
export function evaluateSeries(
  returns: Float64Array,
  proxies: Float64Array,
  forecasts: ForecastSet,
  fhs: Record<ModelName, PerLevel<Tail>>,
  origins: number[],
  horizon: number,
): { evaluation: SeriesEvaluation; days: TestDays } {
  const proxy = Float64Array.from(origins, (t) => proxies[t]);
  const realised = Float64Array.from(origins, (t) => returns[t + 1]);
  const at = (name: ModelName) => Float64Array.from(origins, (t) => forecasts[name][t]);
  const harLoss = lossSeries(qlike, proxy, at('har'));
  const gaussian = gaussianTails();
  const evaluation = { forecasts: {}, var: {}, es: {} } as SeriesEvaluation;
  const days: TestDays = { horizon, returns: realised, realized: proxy, forecasts: {} as TestDays['forecasts'], var: {} as TestDays['var'] };
  for (const name of MODEL_NAMES) {
    const f = at(name);
    evaluation.forecasts[name] = { ...forecastLosses(proxy, f), dmVsHar: name === 'har' ? null : dieboldMariano(lossSeries(qlike, proxy, f), harLoss, horizon) };
    const sigma = f.map((v) => Math.sqrt(v / horizon));
    const levels = VAR_LEVELS.map((level) => {
      const key = levelKey(level);
      const series = (tail: Tail) => ({ var: sigma.map((s) => valueAtRisk(s, tail)), es: sigma.map((s) => expectedShortfall(s, tail)) });
      const g = series(gaussian[key]);
      const h = series(fhs[name][key]);
      return {
        key,
        values: { gaussian: g.var, fhs: h.var },
        var: { ...backtestVar(realised, g.var, level), fhs: backtestVar(realised, h.var, level) },
        es: { gaussian: backtestEs(realised, g.var, g.es, level), fhs: backtestEs(realised, h.var, h.es, level) },
      };
    });
    evaluation.var[name] = Object.fromEntries(levels.map((l) => [l.key, l.var])) as PerLevel<LevelBacktest>;
    evaluation.es[name] = Object.fromEntries(levels.map((l) => [l.key, l.es])) as PerLevel<EsReport>;
    days.forecasts[name] = f;
    days.var[name] = Object.fromEntries(levels.map((l) => [l.key, l.values])) as TestDays['var'][ModelName];
  }
  return { evaluation, days };
}
