// Comparing many forecasts at once: Hansen, Lunde & Nason's Model Confidence Set, and the Mincer–Zarnowitz
// regression of the target on the forecast.
import { UserError } from '../errors.js';
import { Rng } from '../rng.js';
import { VARIANCE_FLOOR } from './features.js';

export interface ModelConfidenceSet {
  /** Confidence level of the set: it holds the best model(s) with this probability. */
  level: number;
  /** The models in the set (MCS p-value ≥ 1 - level), in the order given. */
  models: string[];
  /** MCS p-value of every model; the last model standing gets 1. */
  pValues: Record<string, number>;
  /** The models outside the set, in the order they were eliminated (worst first). */
  eliminated: string[];
  blockLength: number;
  draws: number;
}

export interface McsOptions {
  level?: number;
  draws?: number;
  /** Moving-block length; default ceil(n^(1/3)), the rate at which block bootstrap variances are most accurate. */
  blockLength?: number;
  seed?: number;
}

/** Day indices of one circular moving-block bootstrap sample: blocks of `blockLength` from uniform starts. */
function blockSample(n: number, blockLength: number, rng: Rng, out: Int32Array): void {
  for (let i = 0; i < n; ) {
    const start = Math.floor(rng.next() * n);
    for (let k = 0; k < blockLength && i < n; k++, i++) out[i] = (start + k) % n;
  }
}

/**
 * Hansen, Lunde & Nason (2011) Model Confidence Set with the T_max statistic: while the models left differ,
 * the one whose mean loss exceeds the set's average by the most standard errors is eliminated. Standard errors
 * and the null distribution of T_max come from one set of moving-block bootstrap resamples of the days (which
 * keeps the losses' autocorrelation), centred on the sample means. A model's MCS p-value is the largest
 * equivalence-test p-value up to its elimination, so the set at level 1 - α is {models with p-value ≥ α}.
 */
export function modelConfidenceSet(losses: Record<string, ArrayLike<number>>, options: McsOptions = {}): ModelConfidenceSet {
  const names = Object.keys(losses);
  const n = names.length ? losses[names[0]].length : 0;
  const { level = 0.9, draws = 1000, blockLength = Math.ceil(Math.cbrt(n)), seed = 1 } = options;
  if (names.length === 0) throw new UserError('the Model Confidence Set needs at least one model');
  for (const m of names) {
    const l = losses[m];
    if (l.length !== n || n < 2) throw new UserError(`the Model Confidence Set needs loss series of one length, at least 2 days ('${names[0]}' has ${n}, '${m}' has ${l.length})`);
    for (let t = 0; t < n; t++) if (!Number.isFinite(l[t])) throw new UserError(`model '${m}' has a non-finite loss on day ${t}`);
  }
  if (!(level > 0 && level < 1)) throw new UserError(`the MCS level must lie in (0, 1), got ${level}`);
  if (!Number.isInteger(draws) || draws < 1) throw new UserError(`the MCS needs a whole number of bootstrap draws ≥ 1, got ${draws}`);
  if (!Number.isInteger(blockLength) || blockLength < 1 || blockLength > n) throw new UserError(`the MCS block length must be a whole number in 1..${n}, got ${blockLength}`);

  const m = names.length;
  // Sample mean loss of each model, and its mean in every bootstrap resample: meanStar[b·m + i].
  const mean = names.map((name) => {
    let s = 0;
    for (let t = 0; t < n; t++) s += losses[name][t];
    return s / n;
  });
  const meanStar = new Float64Array(draws * m);
  const rng = new Rng(seed);
  const idx = new Int32Array(n);
  for (let b = 0; b < draws; b++) {
    blockSample(n, blockLength, rng, idx);
    for (let i = 0; i < m; i++) {
      const l = losses[names[i]];
      let s = 0;
      for (let t = 0; t < n; t++) s += l[idx[t]];
      meanStar[b * m + i] = s / n;
    }
  }

  const alive = names.map((_, i) => i);
  const pValues: Record<string, number> = {};
  const order: string[] = [];
  let running = 0;
  while (alive.length > 1) {
    const avg = (values: (i: number) => number) => alive.reduce((s, i) => s + values(i), 0) / alive.length;
    const setMean = avg((i) => mean[i]);
    const dBar = alive.map((i) => mean[i] - setMean);
    // Centred bootstrap deviations of each d_i· = L_i - average loss of the set.
    const deviation = new Float64Array(draws * alive.length);
    for (let b = 0; b < draws; b++) {
      const setMeanStar = avg((i) => meanStar[b * m + i]);
      alive.forEach((i, k) => (deviation[b * alive.length + k] = meanStar[b * m + i] - setMeanStar - dBar[k]));
    }
    const sd = alive.map((_, k) => {
      let s = 0;
      for (let b = 0; b < draws; b++) s += deviation[b * alive.length + k] ** 2;
      return Math.sqrt(s / draws);
    });
    // A model whose d_i· never moves (beyond rounding) is on the set's average every day: nothing to test.
    const still = alive.map((_, k) => sd[k] <= 1e-12 * (Math.abs(mean[alive[k]]) + Math.abs(setMean)));
    if (still.every(Boolean)) break; // identical losses: the models left are equivalent
    const scaled = (x: number, k: number) => (still[k] ? 0 : x / sd[k]);
    const t = dBar.map(scaled);
    const statistic = Math.max(...t);
    let exceed = 0;
    for (let b = 0; b < draws; b++) {
      let max = -Infinity;
      for (let k = 0; k < alive.length; k++) max = Math.max(max, scaled(deviation[b * alive.length + k], k));
      if (max >= statistic) exceed++;
    }
    running = Math.max(running, exceed / draws);
    const worst = t.indexOf(statistic);
    pValues[names[alive[worst]]] = running;
    order.push(names[alive[worst]]);
    alive.splice(worst, 1);
  }
  for (const i of alive) pValues[names[i]] = 1;
  const alpha = 1 - level;
  return {
    level,
    models: names.filter((name) => pValues[name] >= alpha),
    pValues: Object.fromEntries(names.map((name) => [name, pValues[name]])),
    eliminated: order.filter((name) => pValues[name] < alpha),
    blockLength,
    draws,
  };
}

export interface MincerZarnowitz {
  intercept: number;
  slope: number;
  r2: number;
  n: number;
}

/**
 * Mincer–Zarnowitz regression ln(target) = a + b·ln(forecast) + e by OLS: an unbiased forecast of the log
 * has a = 0 and b = 1, and R² says how much of the target's variation it explains. Both sides are floored at
 * the variance floor, so zero-return days stay finite.
 */
export function mincerZarnowitz(target: ArrayLike<number>, forecast: ArrayLike<number>): MincerZarnowitz {
  const n = target.length;
  if (forecast.length !== n || n < 3) throw new UserError(`Mincer–Zarnowitz needs target and forecast of one length, at least 3 (got ${n} and ${forecast.length})`);
  const y = Float64Array.from(target, (v) => Math.log(Math.max(v, VARIANCE_FLOOR)));
  const x = Float64Array.from(forecast, (v) => Math.log(Math.max(v, VARIANCE_FLOOR)));
  if (!x.every(Number.isFinite) || !y.every(Number.isFinite)) throw new UserError('Mincer–Zarnowitz needs finite targets and forecasts');
  const xBar = x.reduce((s, v) => s + v, 0) / n;
  const yBar = y.reduce((s, v) => s + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let t = 0; t < n; t++) {
    sxx += (x[t] - xBar) ** 2;
    sxy += (x[t] - xBar) * (y[t] - yBar);
    syy += (y[t] - yBar) ** 2;
  }
  if (!(sxx > 0)) throw new UserError('Mincer–Zarnowitz needs a forecast that varies (this one is constant)');
  const slope = sxy / sxx;
  // With an intercept, R² = 1 - SSR/SST = sxy²/(sxx·syy).
  return { intercept: yBar - slope * xBar, slope, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1, n };
}
