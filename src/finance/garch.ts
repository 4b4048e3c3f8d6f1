// GARCH(1,1) with a constant mean, fitted by Gaussian quasi-maximum likelihood (Bollerslev 1986):
//   r_t = mu + e_t,  sigma²_t = omega + alpha·e²_{t-1} + beta·sigma²_{t-1},
// with the pre-sample e² and sigma² both set to mean(e²) over the sample (the backcast), as R's fGarch does
// ("mci"), so log-likelihoods compare with fGarch's digit for digit.
import { UserError } from '../errors.js';
import { minimize } from './optimize.js';

export interface GarchParams {
  mu: number;
  omega: number;
  alpha: number;
  beta: number;
}

export interface GarchFit extends GarchParams {
  /** Gaussian log-likelihood at the estimate, with the 2π constant (comparable with fGarch and arch). */
  logLikelihood: number;
  /** alpha + beta: how slowly a shock's effect on variance decays. */
  persistence: number;
  /** omega / (1 - alpha - beta). */
  unconditionalVariance: number;
  /** The pre-sample e² and sigma² (mean e² of the fitted sample); filtering other data with these parameters needs it. */
  backcast: number;
  observations: number;
  evaluations: number;
}

/** The fit as reports show it. */
export type GarchSummary = Omit<GarchFit, 'backcast' | 'evaluations'>;

export function garchSummary(fit: GarchFit): GarchSummary {
  const { mu, omega, alpha, beta, logLikelihood, persistence, unconditionalVariance, observations } = fit;
  return { mu, omega, alpha, beta, logLikelihood, persistence, unconditionalVariance, observations };
}

/** Persistence stays this far below 1 so the variance is covariance-stationary. */
const MAX_PERSISTENCE = 1 - 1e-6;

/** The pre-sample value of e² and sigma²: the mean squared residual of the sample. */
export function garchBackcast(returns: ArrayLike<number>, mu: number): number {
  let sum = 0;
  for (let t = 0; t < returns.length; t++) sum += (returns[t] - mu) ** 2;
  return sum / returns.length;
}

/**
 * sigma²_t for t = 0..n: entry t is the variance forecast for return t made after return t-1, so entry n
 * is the forecast for the day after the data.
 */
export function garchVariances(returns: ArrayLike<number>, p: GarchParams, backcast: number): Float64Array {
  const out = new Float64Array(returns.length + 1);
  out[0] = p.omega + (p.alpha + p.beta) * backcast;
  for (let t = 0; t < returns.length; t++) out[t + 1] = p.omega + p.alpha * (returns[t] - p.mu) ** 2 + p.beta * out[t];
  return out;
}

export function garchLogLikelihood(returns: ArrayLike<number>, p: GarchParams, backcast = garchBackcast(returns, p.mu)): number {
  let sigma2 = p.omega + (p.alpha + p.beta) * backcast;
  let sum = 0;
  for (let t = 0; t < returns.length; t++) {
    const e2 = (returns[t] - p.mu) ** 2;
    sum += Math.log(sigma2) + e2 / sigma2;
    sigma2 = p.omega + p.alpha * e2 + p.beta * sigma2;
  }
  return -0.5 * (returns.length * Math.log(2 * Math.PI) + sum);
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/**
 * Unconstrained coordinates -> parameters: omega = e^a > 0, persistence = alpha + beta in (0, 1) by a
 * logistic, alpha's share of it in (0, 1) by another. Every point is a stationary, positive model.
 */
function fromFree(z: number[]): GarchParams {
  const persistence = MAX_PERSISTENCE * logistic(z[2]);
  const share = logistic(z[3]);
  return { mu: z[0], omega: Math.exp(z[1]), alpha: persistence * share, beta: persistence * (1 - share) };
}

function toFree(p: GarchParams): number[] {
  const persistence = (p.alpha + p.beta) / MAX_PERSISTENCE;
  return [p.mu, Math.log(p.omega), logit(persistence), logit(p.alpha / (p.alpha + p.beta))];
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

/**
 * Gaussian QMLE of GARCH(1,1) with constant mean. The returns are scaled to unit variance for the search
 * (so any unit works) and the estimate is scaled back; Nelder–Mead runs from several starts and restarts
 * from the best point until it stops improving.
 */
export function fitGarch(returns: ArrayLike<number>): GarchFit {
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
  const scale = Math.sqrt(garchBackcast(returns, mean));
  const z = Float64Array.from({ length: n }, (_, t) => (returns[t] - mean) / scale);
  const objective = (free: number[]) => {
    const p = fromFree(free);
    return -garchLogLikelihood(z, p) / n;
  };
  const starts = STARTS.map(([alpha, beta]) => toFree({ mu: 0, omega: 1 - alpha - beta, alpha, beta }));
  const best = minimize(objective, starts, { step: [0.05, 0.5, 0.5, 0.5] });
  const unit = fromFree(best.x);
  const params: GarchParams = { mu: mean + scale * unit.mu, omega: scale * scale * unit.omega, alpha: unit.alpha, beta: unit.beta };
  const persistence = params.alpha + params.beta;
  return {
    ...params,
    logLikelihood: garchLogLikelihood(returns, params),
    persistence,
    unconditionalVariance: params.omega / (1 - persistence),
    backcast: garchBackcast(returns, params.mu),
    observations: n,
    evaluations: best.evaluations,
  };
}

/** Σ_{k=1..h} E[sigma²_{t+k}] given the one-step forecast: the variance reverts to omega/(1-alpha-beta). */
export function garchVarianceSum(nextVariance: number, p: GarchParams, horizon: number): number {
  const persistence = p.alpha + p.beta;
  const longRun = p.omega / (1 - persistence);
  let sum = 0;
  for (let k = 1; k <= horizon; k++) sum += longRun + persistence ** (k - 1) * (nextVariance - longRun);
  return sum;
}
