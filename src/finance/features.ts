// Features, targets, chronological splits and windows for the volatility problem. Time index t runs over
// returns; a forecast made at the close of day t (its "origin") may use returns up to t and targets t+1..t+h.
import { UserError } from '../errors.js';
import type { Series } from './data.js';

/** Percent² (a 0.01% move): keeps logs and QLIKE finite on days whose return is exactly zero. */
export const VARIANCE_FLOOR = 1e-4;

/**
 * Corsi's HAR horizons in days. From daily closes the components are mean squared daily returns over the last 1, 5
 * and 22 days: a coarse stand-in for the intraday realised variance HAR was built on.
 */
export const HAR_DAYS = [1, 5, 22] as const;

/** The first origin with every HAR component: the monthly one needs 22 returns. */
export const FIRST_ORIGIN = HAR_DAYS[2] - 1;

export interface HarComponents {
  daily: Float64Array;
  weekly: Float64Array;
  monthly: Float64Array;
}

/** Mean squared return over the last `days` returns ending at t (NaN before enough history). */
function rollingMeanSquare(returns: Float64Array, days: number): Float64Array {
  const out = new Float64Array(returns.length).fill(NaN);
  let sum = 0;
  for (let t = 0; t < returns.length; t++) {
    sum += returns[t] ** 2;
    if (t >= days) sum -= returns[t - days] ** 2;
    if (t >= days - 1) out[t] = sum / days;
  }
  return out;
}

export function harComponents(returns: Float64Array): HarComponents {
  const [d, w, m] = HAR_DAYS.map((days) => rollingMeanSquare(returns, days));
  return { daily: d, weekly: w, monthly: m };
}

/** The target at origin t: Σ r²_{t+1..t+h}, the squared-return proxy for the variance of the next h days (NaN at the end). */
export function varianceTargets(returns: Float64Array, horizon: number): Float64Array {
  const out = new Float64Array(returns.length).fill(NaN);
  for (let t = 0; t + horizon < returns.length; t++) {
    let sum = 0;
    for (let k = 1; k <= horizon; k++) sum += returns[t + k] ** 2;
    out[t] = sum;
  }
  return out;
}

export interface FeatureMatrix {
  names: string[];
  /** [returns, names.length] row-major; rows before FIRST_ORIGIN hold NaN in the monthly column. */
  values: Float64Array;
}

/**
 * The names of the features a series gets: range estimators only where the data has OHLC bars, and
 * Garman-Klass only where the open is a real one (not a copy of the previous close). The 5- and 22-day ones are
 * means of squared daily returns (the HAR components), not intraday realised variance.
 */
export function featureNames(withRange: boolean, withOpen = withRange): string[] {
  const base = ['return', 'log squared return', 'log mean sq. return 5d', 'log mean sq. return 22d'];
  return withRange ? [...base, 'log Parkinson', ...(withOpen ? ['log Garman-Klass'] : [])] : base;
}

/** The names model files written before the rename carry for the same features, and what they are called now. */
const FORMER_FEATURE_NAMES = new Map([
  ['log squared return (RV 1d)', 'log squared return'],
  ['log RV 5d', 'log mean sq. return 5d'],
  ['log RV 22d', 'log mean sq. return 22d'],
]);

/** A model file's feature names in today's words, so older files still load. */
export function currentFeatureNames(names: string[]): string[] {
  return names.map((name) => FORMER_FEATURE_NAMES.get(name) ?? name);
}

/**
 * Per day: the return and the logs of the variance measures (the squared return, its 5- and 22-day means, and the
 * range estimators). Logs tame the heavy right tail of squared returns before standardisation.
 */
export function featureMatrix(series: Series): FeatureMatrix {
  const har = harComponents(series.returns);
  const range = series.range ? [series.range.parkinson, ...(series.range.garmanKlass ? [series.range.garmanKlass] : [])] : [];
  const columns = [series.returns, ...[har.daily, har.weekly, har.monthly, ...range].map(logVariance)];
  const n = series.returns.length;
  const F = columns.length;
  const values = new Float64Array(n * F);
  for (let t = 0; t < n; t++) for (let f = 0; f < F; f++) values[t * F + f] = columns[f][t];
  return { names: featureNames(series.range !== undefined, series.range?.garmanKlass !== undefined), values };
}

function logVariance(v: Float64Array): Float64Array {
  return v.map((x) => Math.log(Math.max(x, VARIANCE_FLOOR)));
}

export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

/** Return indices [from, to) of one chronological split. */
export interface SplitRange {
  from: number;
  to: number;
}

export interface Splits {
  train: SplitRange;
  validation: SplitRange;
  test: SplitRange;
}

export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;

/**
 * Chronological train / validation / test ranges over the days that have every feature (t >= FIRST_ORIGIN).
 * The returns before FIRST_ORIGIN are the training split's look-back; nothing is ever shuffled across time.
 */
export function chronologicalSplits(returns: number, fractions: SplitFractions): Splits {
  const usable = Math.max(0, returns - FIRST_ORIGIN);
  const trainEnd = FIRST_ORIGIN + Math.floor(usable * fractions.train);
  const validationEnd = trainEnd + Math.floor(usable * fractions.validation);
  return { train: { from: FIRST_ORIGIN, to: trainEnd }, validation: { from: trainEnd, to: validationEnd }, test: { from: validationEnd, to: Math.max(validationEnd, returns) } };
}

/**
 * The origins whose whole window (t-W+1..t) and whole target (t+1..t+h) lie inside the split, so no window
 * crosses a split boundary and no training target reaches into validation.
 */
export function windowOrigins(range: SplitRange, window: number, horizon: number): number[] {
  const out: number[] = [];
  for (let t = range.from + window - 1; t + horizon < range.to; t++) out.push(t);
  return out;
}

/** Windows each split must have, so the fit, the early stopping and the backtests mean something. */
export const MIN_WINDOWS = { train: 250, validation: 50, test: 100 } as const;

export function windowCounts(returns: number, fractions: SplitFractions, window: number, horizon: number) {
  const splits = chronologicalSplits(returns, fractions);
  const count = (r: SplitRange) => Math.max(0, r.to - r.from - (window - 1) - horizon);
  return { train: count(splits.train), validation: count(splits.validation), test: count(splits.test) };
}

/** The fewest returns for which every split has its minimum number of windows. */
export function minimumReturns(fractions: SplitFractions, window: number, horizon: number): number {
  const enough = (n: number) => {
    const c = windowCounts(n, fractions, window, horizon);
    return c.train >= MIN_WINDOWS.train && c.validation >= MIN_WINDOWS.validation && c.test >= MIN_WINDOWS.test;
  };
  let n = FIRST_ORIGIN + 1;
  while (!enough(n)) n++;
  return n;
}

export function checkEnoughData(returns: number, fractions: SplitFractions, window: number, horizon: number, rowsPerReturn: 0 | 1): void {
  const need = minimumReturns(fractions, window, horizon);
  if (returns < need) {
    const split = SPLIT_NAMES.map((s) => Math.round(100 * fractions[s])).join('/');
    throw new UserError(
      `too few rows: the data has ${returns + rowsPerReturn}, and window ${window}, horizon ${horizon} with the ${split} split need at least ${need + rowsPerReturn} ` +
        `(${MIN_WINDOWS.train} training, ${MIN_WINDOWS.validation} validation and ${MIN_WINDOWS.test} test windows after the 22-day look-back); use a longer file or a smaller --window`,
    );
  }
}

/** Per-feature mean and standard deviation. */
export interface Scaler {
  mean: number[];
  std: number[];
}

/** Fits the standardisation on the given rows of every series (the training split only: anything later leaks). */
export function fitScaler(matrices: FeatureMatrix[], range: SplitRange): Scaler {
  const F = matrices[0].names.length;
  const mean = new Array<number>(F).fill(0);
  const sq = new Array<number>(F).fill(0);
  let n = 0;
  for (const m of matrices) {
    for (let t = range.from; t < range.to; t++) {
      for (let f = 0; f < F; f++) mean[f] += m.values[t * F + f];
      n++;
    }
  }
  for (let f = 0; f < F; f++) mean[f] /= n;
  for (const m of matrices) {
    for (let t = range.from; t < range.to; t++) for (let f = 0; f < F; f++) sq[f] += (m.values[t * F + f] - mean[f]) ** 2;
  }
  // A constant feature (all-zero returns, say) would divide by zero; leaving it unscaled keeps it harmless.
  const std = sq.map((s) => Math.sqrt(s / Math.max(1, n - 1)) || 1);
  return { mean, std };
}

/** Standardised windows [origins, window, F] as the engine takes them; window k ends at origins[k]. */
export function buildWindows(matrix: FeatureMatrix, scaler: Scaler, origins: number[], window: number): Float32Array {
  const F = matrix.names.length;
  const x = new Float32Array(origins.length * window * F);
  origins.forEach((t, k) => {
    for (let s = 0; s < window; s++) {
      const row = t - window + 1 + s;
      for (let f = 0; f < F; f++) x[(k * window + s) * F + f] = (matrix.values[row * F + f] - scaler.mean[f]) / scaler.std[f];
    }
  });
  return x;
}
