// Acting on a volatility forecast: the positions of a risk manager who targets volatility or caps VaR, and
// what they did. Returns are daily log returns in percent, as everywhere in the finance layer; strategy
// returns are simple returns (fractions), so that they compound into an equity curve.
import { UserError } from '../errors.js';

const YEAR = 252;

export interface StrategySummary {
  /** 100·std(S)·sqrt(252): annualised volatility, percent (sample std). */
  annualizedVol: number;
  /** Std of the 63-day rolling annualised volatility, percent: how far it strays; null under 64 days. */
  volOfVol: number | null;
  /** mean(S)/std(S)·sqrt(252); null when S never moves. */
  sharpe: number | null;
  /** Largest fall of Π(1 + S) from its running peak (starting at 1), a positive fraction. */
  maxDrawdown: number;
  /** 252·mean|w_t - w_{t-1}|, with the entry trade from w = 0 before the first day. */
  turnover: number;
  /** Lowest daily S, percent. */
  worstDay: number;
  /** Lowest compounded calendar-month S, percent. */
  worstMonth: number;
}

export interface Strategy {
  weights: Float64Array;
  /** Daily simple return of the strategy after costs, a fraction. */
  strategy: Float64Array;
  summary: StrategySummary;
}

export interface VolatilityTargetOptions {
  /** Annualised volatility target, percent. */
  targetVol?: number;
  maxLeverage?: number;
  /** Cost per unit of weight traded, basis points. */
  costBps?: number;
}

function checkSeries(what: string, values: ArrayLike<number>, n: number): void {
  if (values.length !== n) throw new UserError(`${what} has ${values.length} days where ${n} were expected`);
  for (let t = 0; t < n; t++) if (!Number.isFinite(values[t])) throw new UserError(`${what} is not finite on day ${t}`);
}

/** S_t = w_t·(exp(r_t/100) - 1) - c·|w_t - w_{t-1}|, c = costBps/10⁴, w before the first day 0. */
export function strategyReturns(returnsPercent: ArrayLike<number>, weights: ArrayLike<number>, costBps = 0): Float64Array {
  const n = returnsPercent.length;
  checkSeries('the returns', returnsPercent, n);
  checkSeries('the weights', weights, n);
  if (!(costBps >= 0)) throw new UserError(`the trading cost must be ≥ 0 basis points, got ${costBps}`);
  const c = costBps / 1e4;
  return Float64Array.from({ length: n }, (_, t) => weights[t] * Math.expm1(returnsPercent[t] / 100) - c * Math.abs(weights[t] - (t > 0 ? weights[t - 1] : 0)));
}

function meanAndSd(x: ArrayLike<number>, from: number, to: number): { mean: number; sd: number } {
  let s = 0;
  for (let t = from; t < to; t++) s += x[t];
  const mean = s / (to - from);
  let ss = 0;
  for (let t = from; t < to; t++) ss += (x[t] - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / (to - from - 1)) };
}

/** The rolling window of the volatility-of-volatility figure: a quarter. */
export const ROLLING_VOL_DAYS = 63;

/** Realised volatility, stability, return, drawdown and turnover of a daily strategy. */
export function summarizeStrategy(strategy: ArrayLike<number>, weights: ArrayLike<number>, dates: string[]): StrategySummary {
  const n = strategy.length;
  if (n < 2) throw new UserError(`a strategy summary needs at least 2 days, got ${n}`);
  checkSeries('the strategy returns', strategy, n);
  checkSeries('the weights', weights, n);
  if (dates.length !== n) throw new UserError(`the strategy has ${n} days but ${dates.length} dates`);
  const annualised = (sd: number) => 100 * sd * Math.sqrt(YEAR);
  const { mean, sd } = meanAndSd(strategy, 0, n);
  const rolling = Array.from({ length: Math.max(0, n - ROLLING_VOL_DAYS + 1) }, (_, i) => annualised(meanAndSd(strategy, i, i + ROLLING_VOL_DAYS).sd));
  let equity = 1;
  let peak = 1;
  let maxDrawdown = 0;
  let traded = 0;
  let worstDay = Infinity;
  const months = new Map<string, number>();
  for (let t = 0; t < n; t++) {
    equity *= 1 + strategy[t];
    peak = Math.max(peak, equity);
    maxDrawdown = Math.max(maxDrawdown, 1 - equity / peak);
    traded += Math.abs(weights[t] - (t > 0 ? weights[t - 1] : 0));
    worstDay = Math.min(worstDay, strategy[t]);
    const month = dates[t].slice(0, 7);
    months.set(month, (months.get(month) ?? 1) * (1 + strategy[t]));
  }
  return {
    annualizedVol: annualised(sd),
    volOfVol: rolling.length > 1 ? meanAndSd(rolling, 0, rolling.length).sd : null,
    sharpe: sd > 0 ? (mean / sd) * Math.sqrt(YEAR) : null,
    maxDrawdown,
    turnover: (YEAR * traded) / n,
    worstDay: 100 * worstDay,
    worstMonth: 100 * (Math.min(...months.values()) - 1),
  };
}

/**
 * Volatility targeting: w_t = min(L, σ* / σ̂_t) with σ* = target/sqrt(252), σ̂_t the one-day volatility
 * forecast for day t made the day before (percent), L the leverage cap.
 */
export function volatilityTargeting(
  returnsPercent: ArrayLike<number>,
  sigmaForecastPercent: ArrayLike<number>,
  dates: string[],
  { targetVol = 10, maxLeverage = 2, costBps = 0 }: VolatilityTargetOptions = {},
): Strategy {
  const n = returnsPercent.length;
  checkSeries('the volatility forecasts', sigmaForecastPercent, n);
  if (!(targetVol > 0)) throw new UserError(`the volatility target must be > 0 percent a year, got ${targetVol}`);
  if (!(maxLeverage > 0)) throw new UserError(`the maximum leverage must be > 0, got ${maxLeverage}`);
  const dailyTarget = targetVol / Math.sqrt(YEAR);
  const weights = Float64Array.from(sigmaForecastPercent, (sigma, t) => {
    if (!(sigma > 0)) throw new UserError(`the volatility forecast for day ${t} is ${sigma}; it must be > 0`);
    return Math.min(maxLeverage, dailyTarget / sigma);
  });
  const strategy = strategyReturns(returnsPercent, weights, costBps);
  return { weights, strategy, summary: summarizeStrategy(strategy, weights, dates) };
}

/** The benchmark: fully invested every day (w = 1), paying the entry trade like any other strategy. */
export function buyAndHold(returnsPercent: ArrayLike<number>, dates: string[], { costBps = 0 }: { costBps?: number } = {}): Strategy {
  const weights = new Float64Array(returnsPercent.length).fill(1);
  const strategy = strategyReturns(returnsPercent, weights, costBps);
  return { weights, strategy, summary: summarizeStrategy(strategy, weights, dates) };
}

export interface VarLimit {
  /** min(1, limit/VaR99_t): the largest fraction of capital whose 99% VaR stays within the limit. */
  positions: Float64Array;
  /** Days whose full position's VaR99 exceeds the limit, so the position is cut. */
  bindingDays: number;
}

/** Positions under a 99% VaR limit (both percent of capital); VaR scales with the position. */
export function varLimitPositions(var99Percent: ArrayLike<number>, limitPercent: number): VarLimit {
  if (!(limitPercent > 0)) throw new UserError(`the VaR limit must be > 0 percent of capital, got ${limitPercent}`);
  const n = var99Percent.length;
  checkSeries('the VaR series', var99Percent, n);
  let bindingDays = 0;
  const positions = Float64Array.from(var99Percent, (v) => {
    if (v > limitPercent) bindingDays++;
    return v > limitPercent ? limitPercent / v : 1;
  });
  return { positions, bindingDays };
}

/** Days whose realised loss on the limited position, -position·r (percent of capital), exceeded the limit. */
export function varLimitBreaches(positions: ArrayLike<number>, returnsPercent: ArrayLike<number>, limitPercent: number): number {
  checkSeries('the returns', returnsPercent, positions.length);
  let breaches = 0;
  for (let t = 0; t < positions.length; t++) if (-positions[t] * returnsPercent[t] > limitPercent) breaches++;
  return breaches;
}
