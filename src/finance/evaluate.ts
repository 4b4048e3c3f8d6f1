// Scoring variance forecasts on out-of-sample days: losses, Diebold–Mariano of the LSTM against each baseline,
// VaR/ES and their backtests.
import { dieboldMariano, forecastLosses, lossSeries, qlike, squaredError, type ForecastLosses, type TestResult } from './metrics.js';
import jStat from 'jstat';
import {
  backtestEs,
  backtestEsZ2,
  backtestVar,
  empiricalTail,
  expectedShortfall,
  filteredBootstrapRisk,
  fitStudentTNu,
  gaussianTail,
  horizonRisk,
  studentTDraw,
  studentTTail,
  valueAtRisk,
  VAR_LEVELS,
  type EsBacktest,
  type HorizonRisk,
  type StandardisedDraw,
  type Tail,
  type VarBacktest,
  type VarLevel,
} from './risk.js';

export const MODEL_NAMES = ['lstm', 'ewma', 'garch', 'gjr', 'har', 'loghar'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Report keys for the VaR levels: "0.95", "0.975" and "0.99". */
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

/** The distributions of the standardised return behind VaR and ES; the first is each model's primary one. */
export const DISTRIBUTIONS = ['t', 'gaussian', 'fhs'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];
export const PRIMARY: Distribution = 't';

/**
 * The tails a model's VaR and ES use on a day: the unit-variance Student-t with the model's ν, the Gaussian, and
 * filtered historical simulation on out-of-sample residuals (`residuals`, kept for the Z2 test's simulation).
 */
export interface TailSet {
  nu: number;
  tails: Record<Distribution, PerLevel<Tail>>;
  residuals: Float64Array;
}

export function fhsTails(residuals: ArrayLike<number>): PerLevel<Tail> {
  return Object.fromEntries(VAR_LEVELS.map((level) => [levelKey(level), empiricalTail(residuals, level)])) as PerLevel<Tail>;
}

export function gaussianTails(): PerLevel<Tail> {
  return Object.fromEntries(VAR_LEVELS.map((level) => [levelKey(level), gaussianTail(level)])) as PerLevel<Tail>;
}

function studentTTails(nu: number): PerLevel<Tail> {
  return Object.fromEntries(VAR_LEVELS.map((level) => [levelKey(level), studentTTail(level, nu)])) as PerLevel<Tail>;
}

/** A model's tails from its standardised out-of-sample residuals; ν fitted on them unless the model has its own (the GARCH family's). */
export function tailSet(residuals: Float64Array, nu: number = fitStudentTNu(residuals)): TailSet {
  return { nu, tails: { t: studentTTails(nu), gaussian: gaussianTails(), fhs: fhsTails(residuals) }, residuals };
}

/** The same tails with the Student-t of a forecast ν (the Student-t LSTM's, one per day); Gaussian and FHS kept. */
export function withNu(tails: TailSet, nu: number): TailSet {
  return { ...tails, nu, tails: { ...tails.tails, t: studentTTails(nu) } };
}

/** How ν spread over the test days. */
export interface NuSummary {
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
}

export function nuSummary(nu: ArrayLike<number>): NuSummary {
  const at = (k: number) => jStat.percentile(nu, k);
  return { min: Math.min(...Array.from(nu)), p25: at(0.25), median: at(0.5), p75: at(0.75), max: Math.max(...Array.from(nu)) };
}

/** The primary (t) backtest, with the Gaussian and FHS ones beside it. */
export type LevelBacktest = VarBacktest & Record<Exclude<Distribution, 't'>, VarBacktest>;

/**
 * ES backtests per distribution, and the primary ES's Acerbi–Székely Z2 with its p-value by simulation under the
 * model's own t (at 97.5%, the Basel level; null at the others).
 */
export type EsReport = Record<Distribution, EsBacktest> & { z2: number; pValue: number | null };

export interface SeriesEvaluation {
  /** The LSTM's also gives the spread of its own ν over the test days when it was trained with the Student-t loss. */
  forecasts: Record<ModelName, ForecastLosses> & { lstm: ForecastLosses & { nu?: NuSummary } };
  comparison: { dm: Record<BaselineName, DmVsLstm> };
  var: Record<ModelName, PerLevel<LevelBacktest>>;
  es: Record<ModelName, PerLevel<EsReport>>;
}

/** Returns standardised by a model's own one-day volatility: z = r_{t+1} / sqrt(v_t), v_t its one-day variance forecast. */
export function standardisedResiduals(returns: Float64Array, oneDay: Float64Array, origins: number[]): Float64Array {
  return Float64Array.from(origins, (t) => returns[t + 1] / Math.sqrt(oneDay[t]));
}

/** Basel's horizon for market-risk capital, trading days. */
export const BASEL_DAYS = 10;

export interface RiskFigures {
  /** Forecast variance of the next h days' returns, percent². */
  variance: number;
  /** One-day volatility, percent: the square root of the model's one-day variance forecast (variance itself when h = 1). */
  volatility: number;
  var: PerLevel<Record<Distribution, number>>;
  es: PerLevel<Record<Distribution, number>>;
  /**
   * VaR and ES of the 10-day return: the t's from the sum of the model's daily variance path (the √10 rule where
   * the path is flat, the GARCH family's mean-reverting path), and FHS's by a seeded filtered bootstrap along it.
   */
  tenDay: PerLevel<{ t: HorizonRisk; fhs: HorizonRisk }>;
  /** With h > 1, VaR and ES of the h-day return from `variance` under the t (the figures the h-day backtest checks); else null. */
  horizon: PerLevel<HorizonRisk> | null;
}

/**
 * One-day VaR and ES (percent of the position, positive = loss) from the one-day variance forecast, h-day ones from
 * the h-day `variance`, and 10-day ones from `path`, the model's one-day variances for each of the next 10 days.
 */
export function riskFigures(variance: number, oneDay: number, horizon: number, tails: TailSet, path: number[]): RiskFigures {
  const sigma = Math.sqrt(oneDay);
  const per = (f: (sigma: number, tail: Tail) => number) =>
    Object.fromEntries(VAR_LEVELS.map((level) => [levelKey(level), Object.fromEntries(DISTRIBUTIONS.map((d) => [d, f(sigma, tails.tails[d][levelKey(level)])]))])) as PerLevel<Record<Distribution, number>>;
  const sum = path.reduce((a, b) => a + b, 0);
  const tenDay = Object.fromEntries(
    VAR_LEVELS.map((level) => [levelKey(level), { t: horizonRisk(sum, tails.tails.t[levelKey(level)]), fhs: filteredBootstrapRisk(tails.residuals, path, level, { seed: 1 }) }]),
  ) as RiskFigures['tenDay'];
  const overHorizon = horizon > 1 ? (Object.fromEntries(VAR_LEVELS.map((level) => [levelKey(level), horizonRisk(variance, tails.tails.t[levelKey(level)])])) as PerLevel<HorizonRisk>) : null;
  return { variance, volatility: sigma, var: per(valueAtRisk), es: per(expectedShortfall), tenDay, horizon: overHorizon };
}

export interface NextDay {
  /** The forecasts are for the trading day after this date. */
  after: string;
  models: Record<ModelName, RiskFigures>;
  /** Lowest and highest LSTM member volatility for that day (ensembles only). */
  ensembleVolatility: { min: number; max: number } | null;
}

/**
 * Every model's risk figures for the day after `after`, from each model's h-day and one-day variance forecasts made
 * then and its 10-day variance path; `memberOneDay`: the LSTM members' one-day variances.
 */
export function nextDay(
  after: string,
  variance: Record<ModelName, number>,
  oneDay: Record<ModelName, number>,
  tails: Record<ModelName, TailSet>,
  horizon: number,
  memberOneDay: number[],
  paths: Record<ModelName, number[]>,
): NextDay {
  const vols = memberOneDay.map(Math.sqrt);
  return {
    after,
    models: Object.fromEntries(MODEL_NAMES.map((m) => [m, riskFigures(variance[m], oneDay[m], horizon, tails[m], paths[m])])) as Record<ModelName, RiskFigures>,
    ensembleVolatility: vols.length > 1 ? { min: Math.min(...vols), max: Math.max(...vols) } : null,
  };
}

/** The test split day by day (for charts): index i is the forecast made at the i-th test origin. */
export interface TestDays {
  horizon: number;
  /** The return each forecast's VaR covers, percent: r_{t+1}. */
  returns: Float64Array;
  /** The sum of squared returns over the h days the forecast covers (its target), percent². */
  realized: Float64Array;
  forecasts: Record<ModelName, Float64Array>;
  /** One-day VaR per distribution, percent of the position (positive = loss). */
  var: Record<ModelName, PerLevel<Record<Distribution, Float64Array>>>;
  /** One-day ES under each model's primary distribution, percent of the position. */
  es: Record<ModelName, PerLevel<Float64Array>>;
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

/**
 * A draw that follows the days: the Z2 simulation draws day 0, 1, ..., n-1 in turn for each simulated history, so
 * cycling through the days' own draws simulates every day under the distribution in force that day.
 */
function dayByDayDraw(draws: StandardisedDraw[]): StandardisedDraw {
  let day = 0;
  return (rng) => {
    const x = draws[day](rng);
    day = (day + 1) % draws.length;
    return x;
  };
}

/** Simulated histories of the Z2 test (seeded). */
export const Z2_SIMULATIONS = 2000;

/**
 * Scores every model day by day. Day i: `realised[i]` is the return the VaR covers, `proxy[i]` the sum of the h
 * squared returns, `forecasts[m][i]` the model's h-day variance forecast (scored against the proxy), `oneDay[m][i]` its
 * one-day variance forecast (the one-day VaR and ES; the same forecasts when h = 1), `tails[m][i]` its tails in
 * force that day (from out-of-sample residuals only).
 */
export function evaluateDays(
  realised: Float64Array,
  proxy: Float64Array,
  forecasts: Record<ModelName, Float64Array>,
  tails: Record<ModelName, TailSet[]>,
  horizon: number,
  oneDay: Record<ModelName, Float64Array> = forecasts,
): { evaluation: SeriesEvaluation; days: TestDays } {
  const evaluation: SeriesEvaluation = { forecasts: {} as SeriesEvaluation['forecasts'], comparison: { dm: dmVsLstm(proxy, forecasts, horizon) }, var: {} as SeriesEvaluation['var'], es: {} as SeriesEvaluation['es'] };
  const days: TestDays = { horizon, returns: realised, realized: proxy, forecasts, var: {} as TestDays['var'], es: {} as TestDays['es'] };
  for (const name of MODEL_NAMES) {
    const f = forecasts[name];
    evaluation.forecasts[name] = forecastLosses(proxy, f);
    const sigma = oneDay[name].map(Math.sqrt);
    const levels = VAR_LEVELS.map((level) => {
      const key = levelKey(level);
      const series = (d: Distribution) => ({
        var: sigma.map((s, i) => valueAtRisk(s, tails[name][i].tails[d][key])),
        es: sigma.map((s, i) => expectedShortfall(s, tails[name][i].tails[d][key])),
      });
      const per = Object.fromEntries(DISTRIBUTIONS.map((d) => [d, series(d)])) as Record<Distribution, { var: Float64Array; es: Float64Array }>;
      const backtests = Object.fromEntries(DISTRIBUTIONS.map((d) => [d, backtestVar(realised, per[d].var, level)])) as Record<Distribution, VarBacktest>;
      const es = Object.fromEntries(DISTRIBUTIONS.map((d) => [d, backtestEs(realised, per[d].var, per[d].es, level)])) as Record<Distribution, EsBacktest>;
      const primary = per[PRIMARY];
      const z2 =
        level === 0.975
          ? backtestEsZ2(realised, primary.var, primary.es, level, dayByDayDraw(tails[name].map((t) => studentTDraw(t.nu))), sigma, { simulations: Z2_SIMULATIONS, seed: 1 })
          : null;
      return {
        key,
        values: Object.fromEntries(DISTRIBUTIONS.map((d) => [d, per[d].var])) as Record<Distribution, Float64Array>,
        primaryEs: primary.es,
        var: { ...backtests[PRIMARY], gaussian: backtests.gaussian, fhs: backtests.fhs },
        es: { ...es, z2: z2?.z2 ?? es[PRIMARY].z2, pValue: z2?.pValue ?? null },
      };
    });
    evaluation.var[name] = Object.fromEntries(levels.map((l) => [l.key, l.var])) as PerLevel<LevelBacktest>;
    evaluation.es[name] = Object.fromEntries(levels.map((l) => [l.key, l.es])) as PerLevel<EsReport>;
    days.var[name] = Object.fromEntries(levels.map((l) => [l.key, l.values])) as TestDays['var'][ModelName];
    days.es[name] = Object.fromEntries(levels.map((l) => [l.key, l.primaryEs])) as PerLevel<Float64Array>;
  }
  return { evaluation, days };
}

/** Each model's values at the given origins. */
const atEach = (values: ForecastSet, origins: number[]) => Object.fromEntries(MODEL_NAMES.map((m) => [m, Float64Array.from(origins, (t) => values[m][t])])) as ForecastSet;

/** Each model's tails on each of `days` days: one set for every day, or its own per day already. */
const tailsEachDay = (tails: Record<ModelName, TailSet | TailSet[]>, days: number) =>
  Object.fromEntries(MODEL_NAMES.map((m) => [m, Array.isArray(tails[m]) ? tails[m] : Array<TailSet>(days).fill(tails[m])])) as Record<ModelName, TailSet[]>;

/**
 * Scores every model on the test origins of one split. `tails` holds each model's tails (from out-of-sample days
 * before the test split), or one per test origin where the model forecasts its own ν; `proxies[t]` is the
 * sum of the h squared returns after origin t; `oneDay` the one-day variance forecasts (the forecasts themselves when h = 1).
 */
export function evaluateSeries(
  returns: Float64Array,
  proxies: Float64Array,
  forecasts: ForecastSet,
  tails: Record<ModelName, TailSet | TailSet[]>,
  origins: number[],
  horizon: number,
  oneDay: ForecastSet = forecasts,
): { evaluation: SeriesEvaluation; days: TestDays } {
  const proxy = Float64Array.from(origins, (t) => proxies[t]);
  return evaluateDays(Float64Array.from(origins, (t) => returns[t + 1]), proxy, atEach(forecasts, origins), tailsEachDay(tails, origins.length), horizon, atEach(oneDay, origins));
}

/** The backtest of h-day VaR against the h-day returns it covered. */
export interface HorizonBacktest {
  horizon: number;
  /**
   * Test origins 0, h, 2h, ...: windows of h days that do not overlap. Overlapping windows share returns, so one
   * large return would make up to h exceptions in a row, against the independence the Kupiec and Christoffersen
   * tests assume; the price is a sample h times smaller.
   */
  windows: number;
  /** Student-t VaR of the h-day return, sqrt(h-day variance)·(the model's one-day t quantile); no traffic light (Basel's is for one-day VaR). */
  var: Record<ModelName, PerLevel<VarBacktest>>;
}

/** The return over the h days after origin t, percent (log returns add): r_{t+1} + ... + r_{t+h}. */
export function horizonReturn(returns: Float64Array, t: number, horizon: number): number {
  let sum = 0;
  for (let k = 1; k <= horizon; k++) sum += returns[t + k];
  return sum;
}

/** Every model's h-day VaR backtested on the non-overlapping h-day windows of the test origins (h > 1). */
export function backtestHorizon(returns: Float64Array, forecasts: ForecastSet, tails: Record<ModelName, TailSet | TailSet[]>, origins: number[], horizon: number): HorizonBacktest {
  const kept = Array.from({ length: Math.ceil(origins.length / horizon) }, (_, k) => k * horizon);
  const at = kept.map((i) => origins[i]);
  const realised = Float64Array.from(at, (t) => horizonReturn(returns, t, horizon));
  const perDay = tailsEachDay(tails, origins.length);
  const var_ = Object.fromEntries(
    MODEL_NAMES.map((m) => [
      m,
      Object.fromEntries(
        VAR_LEVELS.map((level) => {
          const key = levelKey(level);
          const hDayVar = Float64Array.from(kept, (i, k) => horizonRisk(forecasts[m][at[k]], perDay[m][i].tails.t[key]).valueAtRisk);
          return [key, { ...backtestVar(realised, hDayVar, level), trafficLight: null, trafficLightReason: `Basel's traffic light is for one-day VaR; this is ${horizon}-day VaR` }];
        }),
      ),
    ]),
  ) as HorizonBacktest['var'];
  return { horizon, windows: kept.length, var: var_ };
}
