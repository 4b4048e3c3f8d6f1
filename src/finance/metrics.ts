// Forecast evaluation against a noisy variance proxy (squared returns): Patton's (2011) robust losses rank
// forecasts as the true variance would, and Diebold–Mariano tests whether two forecasts' losses differ.
import jStat from 'jstat';
import { UserError } from '../errors.js';
import { VARIANCE_FLOOR } from './features.js';

/** QLIKE = p/f - ln(p/f) - 1: zero for a perfect forecast; the proxy is floored so zero-return days stay finite. */
export function qlike(proxy: number, forecast: number): number {
  const ratio = Math.max(proxy, VARIANCE_FLOOR) / forecast;
  return ratio - Math.log(ratio) - 1;
}

/**
 * The scale c with mean(target / (c·e^out)) = 1 over the fitted windows, for a model whose output is a
 * log-variance: the QLIKE-optimal constant. It is ~1 for a model fitted by QLIKE and undoes the Jensen bias of
 * one fitted by least squares on log-variance (E[log r²] sits ~1.27 below log E[r²] for Gaussian returns).
 */
export function qlikeOptimalScale(logForecasts: ArrayLike<number>, targets: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < logForecasts.length; i++) sum += Math.max(targets[i], VARIANCE_FLOOR) / Math.exp(logForecasts[i]);
  return sum / logForecasts.length;
}

export function squaredError(proxy: number, forecast: number): number {
  return (proxy - forecast) ** 2;
}

export interface ForecastLosses {
  qlike: number;
  mse: number;
  mae: number;
  n: number;
}

export function lossSeries(loss: (proxy: number, forecast: number) => number, proxies: ArrayLike<number>, forecasts: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: proxies.length }, (_, i) => loss(proxies[i], forecasts[i]));
}

const mean = (v: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
};

export function forecastLosses(proxies: ArrayLike<number>, forecasts: ArrayLike<number>): ForecastLosses {
  return {
    qlike: mean(lossSeries(qlike, proxies, forecasts)),
    mse: mean(lossSeries(squaredError, proxies, forecasts)),
    mae: mean(lossSeries((p, f) => Math.abs(p - f), proxies, forecasts)),
    n: proxies.length,
  };
}

export interface TestResult {
  statistic: number;
  pValue: number;
}

/**
 * Lags of the Newey–West variance for h-step forecasts over n days: at least h - 1, because h-step forecast
 * errors overlap and their loss differential is MA(h - 1) even for optimal forecasts; and at least Newey &
 * West's (1994) Bartlett rule of thumb floor(4(n/100)^(2/9)), because losses of variance forecasts are
 * autocorrelated through volatility clustering even at h = 1 (8 lags for 2,500 days).
 */
export function neweyWestLags(n: number, horizon: number): number {
  return Math.max(horizon - 1, Math.floor(4 * (n / 100) ** (2 / 9)));
}

/**
 * Newey & West's (1987) long-run variance of a series: autocovariances up to `lags` with Bartlett weights
 * 1 - k/(lags + 1), which keep it non-negative.
 */
export function neweyWestVariance(x: ArrayLike<number>, lags: number): number {
  const n = x.length;
  const m = mean(x);
  const autocovariance = (k: number) => {
    let s = 0;
    for (let i = k; i < n; i++) s += (x[i] - m) * (x[i - k] - m);
    return s / n;
  };
  let longRun = autocovariance(0);
  for (let k = 1; k <= Math.min(lags, n - 1); k++) longRun += 2 * (1 - k / (lags + 1)) * autocovariance(k);
  return longRun;
}

/**
 * Diebold–Mariano (1995) with Harvey, Leybourne & Newbold's (1997) small-sample correction and Student-t
 * p-value, two-sided. Negative statistic: the first forecast has the lower loss. The variance of the mean
 * loss difference is Newey–West's over `neweyWestLags(n, horizon)` lags.
 */
export function dieboldMariano(lossA: ArrayLike<number>, lossB: ArrayLike<number>, horizon: number): TestResult {
  const n = lossA.length;
  if (n < 2 || lossB.length !== n) throw new UserError(`Diebold–Mariano needs two loss series of the same length, at least 2 (got ${n} and ${lossB.length})`);
  const d = Float64Array.from({ length: n }, (_, i) => lossA[i] - lossB[i]);
  const longRun = neweyWestVariance(d, neweyWestLags(n, horizon));
  if (!(longRun > 0)) return { statistic: 0, pValue: 1 }; // identical losses: nothing to tell apart
  const dm = mean(d) / Math.sqrt(longRun / n);
  const statistic = dm * Math.sqrt((n + 1 - 2 * horizon + (horizon * (horizon - 1)) / n) / n);
  return { statistic, pValue: 2 * (1 - jStat.studentt.cdf(Math.abs(statistic), n - 1)) };
}
