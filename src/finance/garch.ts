// GARCH(1,1) and GJR-GARCH(1,1) (Glosten, Jagannathan & Runkle 1993) with a constant mean, fitted by maximum
// likelihood with Gaussian or standardised Student-t innovations (Bollerslev 1987):
//   r_t = mu + e_t,  e_t = sigma_t·z_t,
//   sigma²_t = omega + (alpha + gamma·1[e_{t-1} < 0])·e²_{t-1} + beta·sigma²_{t-1}   (gamma = 0 for GARCH),
// z_t ~ N(0, 1) or the unit-variance Student-t with nu > 2 degrees of freedom.
// The pre-sample e² and sigma² are both mean(e²) over the sample (the backcast, half of whose weight the
// leverage term gets, its expectation under symmetric innovations); for GARCH this is R fGarch's "mci" start, so
// log-likelihoods compare with fGarch's digit for digit.
import jStat from 'jstat';
import { UserError } from '../errors.js';
import { minimize } from './optimize.js';

export type GarchModel = 'garch' | 'gjr';
export type GarchDist = 'normal' | 't';

export interface GarchOptions {
  model?: GarchModel;
  dist?: GarchDist;
  /** Where to start the search besides the usual points (an earlier fit of the same model, when refitting). */
  start?: GarchParams;
}

export interface GarchParams {
  mu: number;
  omega: number;
  alpha: number;
  /** Extra ARCH weight after a negative shock (the leverage effect); 0 for GARCH. */
  gamma: number;
  beta: number;
  /** Degrees of freedom of the standardised Student-t innovations; null for Gaussian ones. */
  nu: number | null;
}

export interface GarchFit extends GarchParams {
  model: GarchModel;
  dist: GarchDist;
  /** Log-likelihood at the estimate, with every constant (comparable with fGarch and arch). */
  logLikelihood: number;
  /** alpha + gamma/2 + beta: how slowly a shock's effect on variance decays. */
  persistence: number;
  /** omega / (1 - persistence). */
  unconditionalVariance: number;
  /** The pre-sample e² and sigma² (mean e² of the fitted sample); filtering other data with these parameters needs it. */
  backcast: number;
  observations: number;
  evaluations: number;
}

/** The fit as reports show it. */
export type GarchSummary = Omit<GarchFit, 'backcast' | 'evaluations'>;

export function garchSummary(fit: GarchFit): GarchSummary {
  const { model, dist, mu, omega, alpha, gamma, beta, nu, logLikelihood, persistence, unconditionalVariance, observations } = fit;
  return { model, dist, mu, omega, alpha, gamma, beta, nu, logLikelihood, persistence, unconditionalVariance, observations };
}

/** alpha + gamma/2 + beta: under symmetric innovations a negative shock comes half the time. */
export function garchPersistence(p: GarchParams): number {
  return p.alpha + p.gamma / 2 + p.beta;
}

/** Persistence stays this far below 1 so the variance is covariance-stationary. */
const MAX_PERSISTENCE = 1 - 1e-6;
/** The t's degrees of freedom are searched in (2, 2 + NU_SPAN): beyond a few hundred the t is the normal. */
const NU_SPAN = 298;

/** The pre-sample value of e² and sigma²: the mean squared residual of the sample. */
export function garchBackcast(returns: ArrayLike<number>, mu: number): number {
  let sum = 0;
  for (let t = 0; t < returns.length; t++) sum += (returns[t] - mu) ** 2;
  return sum / returns.length;
}

/** sigma² after a residual e with the previous sigma²: the GJR recursion (plain GARCH when gamma = 0). */
function nextVariance(p: GarchParams, e: number, sigma2: number): number {
  return p.omega + (e < 0 ? p.alpha + p.gamma : p.alpha) * e * e + p.beta * sigma2;
}

/**
 * sigma²_t for t = 0..n: entry t is the variance forecast for return t made after return t-1, so entry n
 * is the forecast for the day after the data.
 */
export function garchVariances(returns: ArrayLike<number>, p: GarchParams, backcast: number): Float64Array {
  const out = new Float64Array(returns.length + 1);
  out[0] = p.omega + garchPersistence(p) * backcast;
  for (let t = 0; t < returns.length; t++) out[t + 1] = nextVariance(p, returns[t] - p.mu, out[t]);
  return out;
}

/**
 * A sum of logs taken as the log of a running product, folded into the sum only when the product leaves
 * [1e-150, 1e150]: a log per day was most of a fit's time. NaN and ±Infinity come out as a sum of logs gives them.
 */
class LogSum {
  private sum = 0;
  private product = 1;
  add(x: number): void {
    const p = this.product * x;
    if (p > 1e-150 && p < 1e150) this.product = p;
    else {
      this.sum += Math.log(p);
      this.product = 1;
    }
  }
  value(): number {
    return this.sum + Math.log(this.product);
  }
}

/** Log-likelihood with Gaussian innovations when p.nu is null, standardised Student-t ones otherwise. */
export function garchLogLikelihood(returns: ArrayLike<number>, p: GarchParams, backcast = garchBackcast(returns, p.mu)): number {
  const n = returns.length;
  const mu = p.mu;
  let sigma2 = p.omega + garchPersistence(p) * backcast;
  const logVariances = new LogSum();
  if (p.nu === null) {
    let squares = 0;
    for (let t = 0; t < n; t++) {
      const e = returns[t] - mu;
      logVariances.add(sigma2);
      squares += (e * e) / sigma2;
      sigma2 = nextVariance(p, e, sigma2);
    }
    return -0.5 * (n * Math.log(2 * Math.PI) + logVariances.value() + squares);
  }
  // Unit-variance t: density Γ((ν+1)/2) / (Γ(ν/2)·sqrt(π(ν-2))) · (1 + z²/(ν-2))^(-(ν+1)/2), z = e/sigma.
  const nu = p.nu;
  const constant = jStat.gammaln((nu + 1) / 2) - jStat.gammaln(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2));
  const tails = new LogSum();
  for (let t = 0; t < n; t++) {
    const e = returns[t] - mu;
    logVariances.add(sigma2);
    tails.add(1 + (e * e) / ((nu - 2) * sigma2));
    sigma2 = nextVariance(p, e, sigma2);
  }
  return n * constant - 0.5 * (logVariances.value() + (nu + 1) * tails.value());
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

interface Layout {
  model: GarchModel;
  dist: GarchDist;
}

/**
 * The search's unconstrained coordinates. The variance reacts to a positive shock with alpha and to a negative
 * one with alpha + gamma; both must be >= 0 (gamma may be negative) and alpha + gamma/2 + beta < 1. So the
 * persistence P = alpha + gamma/2 + beta is a logistic in (0, 1), and P is split between alpha/2,
 * (alpha + gamma)/2 and beta by a softmax (GARCH: between alpha and beta). Every point is a positive,
 * stationary model; nu = 2 + NU_SPAN·logistic.
 */
function fromFree(z: number[], { model, dist }: Layout): GarchParams {
  const persistence = MAX_PERSISTENCE * logistic(z[2]);
  const nu = dist === 't' ? 2 + NU_SPAN * logistic(z[z.length - 1]) : null;
  const base = { mu: z[0], omega: Math.exp(z[1]), nu };
  if (model === 'garch') {
    const share = logistic(z[3]);
    return { ...base, alpha: persistence * share, gamma: 0, beta: persistence * (1 - share) };
  }
  const weights = [Math.exp(z[3]), Math.exp(z[4]), 1];
  const total = weights[0] + weights[1] + weights[2];
  const [positive, negative, beta] = weights.map((w) => (persistence * w) / total);
  return { ...base, alpha: 2 * positive, gamma: 2 * (negative - positive), beta };
}

function toFree(p: GarchParams, { model, dist }: Layout): number[] {
  const persistence = garchPersistence(p);
  const z = [p.mu, Math.log(p.omega), logit(persistence / MAX_PERSISTENCE)];
  if (model === 'garch') z.push(logit(p.alpha / persistence));
  else z.push(Math.log(p.alpha / 2 / p.beta), Math.log((p.alpha + p.gamma) / 2 / p.beta));
  if (dist === 't') z.push(logit((p.nu! - 2) / NU_SPAN));
  return z;
}

/** (alpha, beta) pairs the search starts from: the typical daily range and a few far from it. */
const STARTS: [number, number][] = [
  [0.05, 0.9],
  [0.1, 0.85],
  [0.08, 0.91],
  [0.03, 0.96],
  [0.15, 0.75],
  [0.3, 0.5],
  [0.1, 0.1],
];

/** Starting points on unit-variance returns: GJR starts symmetric and with negative shocks weighing 3x more. */
function startingPoints(layout: Layout): number[][] {
  const points: GarchParams[] = [];
  for (const [alpha, beta] of STARTS) {
    const omega = 1 - alpha - beta;
    const splits = layout.model === 'garch' ? [[alpha, 0]] : [[alpha, 0], [alpha / 2, alpha]];
    for (const [a, gamma] of splits) points.push({ mu: 0, omega, alpha: a, gamma, beta, nu: layout.dist === 't' ? 8 : null });
  }
  return points.map((p) => toFree(p, layout));
}

/** A given start on the unit-variance scale, moved inside the search's region (the interior of every bound). */
function unitStart(p: GarchParams, layout: Layout, mean: number, scale: number): GarchParams {
  const inside = (x: number) => Math.min(Math.max(x, 1e-4), 0.999);
  const alpha = inside(p.alpha);
  const negative = inside(layout.model === 'gjr' ? p.alpha + p.gamma : alpha);
  const beta = inside(p.beta);
  const persistence = (alpha + negative) / 2 + beta;
  const shrink = persistence < 0.999 ? 1 : 0.999 / persistence;
  const nu = layout.dist === 't' ? Math.min(Math.max(p.nu ?? 8, 2.1), 2 + 0.99 * NU_SPAN) : null;
  return { mu: (p.mu - mean) / scale, omega: Math.max(p.omega, 1e-12) / scale ** 2, alpha: shrink * alpha, gamma: shrink * (negative - alpha), beta: shrink * beta, nu };
}

/**
 * Maximum likelihood for GARCH(1,1) (default) or GJR-GARCH(1,1), Gaussian (default) or Student-t, constant
 * mean. The returns are scaled to unit variance for the search (so any unit works) and the estimate is scaled
 * back; Nelder–Mead runs from several starts and restarts from the best point until it stops improving.
 */
export function fitGarch(returns: ArrayLike<number>, { model = 'garch', dist = 'normal', start }: GarchOptions = {}): GarchFit {
  const n = returns.length;
  if (n < 50) throw new UserError(`GARCH needs at least 50 returns to fit (got ${n})`);
  let mean = 0;
  let constant = true;
  for (let t = 0; t < n; t++) {
    if (!Number.isFinite(returns[t])) throw new UserError(`GARCH cannot be fitted: return ${t} is ${returns[t]}`);
    mean += returns[t] / n;
    constant &&= returns[t] === returns[0];
  }
  if (constant) throw new UserError('GARCH cannot be fitted: the returns are constant');
  const layout = { model, dist };
  const scale = Math.sqrt(garchBackcast(returns, mean));
  const z = Float64Array.from({ length: n }, (_, t) => (returns[t] - mean) / scale);
  const objective = (free: number[]) => -garchLogLikelihood(z, fromFree(free, layout)) / n;
  const starts = startingPoints(layout);
  if (start) starts.unshift(toFree(unitStart(start, layout, mean, scale), layout));
  // Nelder–Mead from the three best starts (one when an earlier fit is given: it is nearly always the best).
  const reach = start ? 0.2 : 1;
  const best = minimize(objective, starts, { step: starts[0].map((_, i) => reach * (i === 0 ? 0.05 : 0.5)), searches: start ? 1 : 3 });
  const unit = fromFree(best.x, layout);
  const params: GarchParams = { ...unit, mu: mean + scale * unit.mu, omega: scale * scale * unit.omega };
  const persistence = garchPersistence(params);
  return {
    model,
    dist,
    ...params,
    logLikelihood: garchLogLikelihood(returns, params),
    persistence,
    unconditionalVariance: params.omega / (1 - persistence),
    backcast: garchBackcast(returns, params.mu),
    observations: n,
    evaluations: best.evaluations,
  };
}

/** Σ_{k=1..h} E[sigma²_{t+k}] given the one-step forecast: the variance reverts to omega/(1 - persistence). */
export function garchVarianceSum(nextVariance: number, p: GarchParams, horizon: number): number {
  const persistence = garchPersistence(p);
  const longRun = p.omega / (1 - persistence);
  let sum = 0;
  for (let k = 1; k <= horizon; k++) sum += longRun + persistence ** (k - 1) * (nextVariance - longRun);
  return sum;
}
