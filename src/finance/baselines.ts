// The econometric baselines the LSTM must beat. Each gives, for every origin t, a forecast of the variance of
// the next h returns (the target of features.ts), using returns up to t only and parameters fitted on the
// training split only.
import jStat from 'jstat';
import { UserError } from '../errors.js';
import { fitGarch, garchVarianceSum, garchVariances, type GarchFit } from './garch.js';
import { harComponents, VARIANCE_FLOOR, type SplitRange } from './features.js';
import { qlikeOptimalScale } from './metrics.js';

/** RiskMetrics' (1996) decay for daily data. */
export const RISKMETRICS_LAMBDA = 0.94;

/**
 * EWMA variance: entry t is sigma²_{t+1|t} = lambda·sigma²_{t|t-1} + (1 - lambda)·r_t², started from `start`
 * (the training split's mean squared return). With h > 1 the forecast is flat: h·sigma²_{t+1|t}.
 */
export function ewmaForecasts(returns: Float64Array, horizon: number, lambda: number, start: number): Float64Array {
  const out = new Float64Array(returns.length);
  let sigma2 = start;
  for (let t = 0; t < returns.length; t++) {
    sigma2 = lambda * sigma2 + (1 - lambda) * returns[t] ** 2;
    out[t] = horizon * sigma2;
  }
  return out;
}

export function meanSquare(returns: Float64Array, range: SplitRange): number {
  let sum = 0;
  for (let t = range.from; t < range.to; t++) sum += returns[t] ** 2;
  return sum / (range.to - range.from);
}

/** GARCH-family forecasts at every origin, filtering all the returns with the fitted (training) parameters. */
export function garchForecasts(returns: Float64Array, horizon: number, fit: GarchFit): Float64Array {
  const sigma2 = garchVariances(returns, fit, fit.backcast);
  return Float64Array.from(returns, (_, t) => garchVarianceSum(sigma2[t + 1], fit, horizon));
}

/**
 * HAR (Corsi 2009) on daily closes: the regressors are the mean squared daily return over the last 1, 5 and 22
 * days (features.ts's harComponents), built from squared daily returns, not from intraday realised variance.
 * One coefficient per regressor.
 */
export interface HarCoefficients {
  intercept: number;
  meanSquare1d: number;
  meanSquare5d: number;
  meanSquare22d: number;
}

/** HAR on levels: target = b0 + b1·meanSquare1d + b5·meanSquare5d + b22·meanSquare22d, by OLS. */
export interface HarModel {
  coefficients: HarCoefficients;
  /**
   * The insanity filter (Swanson & White 1997; Bollerslev, Patton & Quaedvlieg 2016): a forecast outside
   * [min, max] of the fitted targets is replaced by their mean, the fitted sample's unconditional forecast.
   */
  targetRange: { min: number; max: number; mean: number };
}

/** log-HAR: log target = b0 + b1·log meanSquare1d + ..., by OLS, forecast as scale·exp(fit). */
export interface LogHarModel {
  coefficients: HarCoefficients;
  /** The QLIKE-optimal scale over the fitted origins: it undoes exp(E[log]) < E[level]. */
  scale: number;
}

/** The regressors at origin t: 1 and the three mean squared returns, each through `transform`. */
function harRegressors(returns: Float64Array, transform: (v: number) => number): (t: number) => number[] {
  const c = harComponents(returns);
  return (t) => [1, transform(c.daily[t]), transform(c.weekly[t]), transform(c.monthly[t])];
}

function harOls(x: (t: number) => number[], y: (t: number) => number, origins: number[], name: string): HarCoefficients {
  if (origins.length < 10) throw new UserError(`${name} needs at least 10 training origins (got ${origins.length})`);
  const [intercept, meanSquare1d, meanSquare5d, meanSquare22d] = jStat.lstsq(origins.map(x), origins.map(y));
  return { intercept, meanSquare1d, meanSquare5d, meanSquare22d };
}

const linear = (b: HarCoefficients, x: number[]) => b.intercept * x[0] + b.meanSquare1d * x[1] + b.meanSquare5d * x[2] + b.meanSquare22d * x[3];
const logVariance = (v: number) => Math.log(Math.max(v, VARIANCE_FLOOR));

/** OLS of the h-day variance target on the HAR regressors over the given origins (the training ones). */
export function fitHar(returns: Float64Array, targets: Float64Array, origins: number[]): HarModel {
  const coefficients = harOls(harRegressors(returns, (v) => v), (t) => targets[t], origins, 'HAR');
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const t of origins) {
    min = Math.min(min, targets[t]);
    max = Math.max(max, targets[t]);
    sum += targets[t];
  }
  return { coefficients, targetRange: { min, max, mean: sum / origins.length } };
}

/**
 * HAR forecasts at every origin (NaN before the 22-day mean exists), through the insanity filter and floored
 * (a zero target can make the filter's range start at 0).
 */
export function harForecasts(returns: Float64Array, model: HarModel): Float64Array {
  const x = harRegressors(returns, (v) => v);
  const { min, max, mean } = model.targetRange;
  return Float64Array.from(returns, (_, t) => {
    const f = linear(model.coefficients, x(t));
    if (Number.isNaN(f)) return NaN;
    return Math.max(f < min || f > max ? mean : f, VARIANCE_FLOOR);
  });
}

/** OLS of log target on the logs of the HAR regressors (floored), then the QLIKE-optimal scale over the same origins. */
export function fitLogHar(returns: Float64Array, targets: Float64Array, origins: number[]): LogHarModel {
  const x = harRegressors(returns, logVariance);
  const coefficients = harOls(x, (t) => logVariance(targets[t]), origins, 'log-HAR');
  const fitted = origins.map((t) => linear(coefficients, x(t)));
  return { coefficients, scale: qlikeOptimalScale(fitted, origins.map((t) => targets[t])) };
}

/** log-HAR forecasts scale·exp(fit) at every origin (NaN before the 22-day mean exists). */
export function logHarForecasts(returns: Float64Array, model: LogHarModel): Float64Array {
  const x = harRegressors(returns, logVariance);
  return Float64Array.from(returns, (_, t) => model.scale * Math.exp(linear(model.coefficients, x(t))));
}

export interface BaselineFits {
  garch: GarchFit;
  har: HarModel;
  /** EWMA's starting variance: the mean squared return of the fitted sample. */
  ewmaStart: number;
}

/**
 * Fits the three baselines on returns[0, fitTo) (the training split, its look-back included) and HAR on the
 * given origins, whose targets must lie before fitTo: nothing later is seen.
 */
export function fitBaselines(returns: Float64Array, targets: Float64Array, fitTo: number, harOrigins: number[]): BaselineFits {
  return { garch: fitGarch(returns.subarray(0, fitTo)), har: fitHar(returns, targets, harOrigins), ewmaStart: meanSquare(returns, { from: 0, to: fitTo }) };
}

/** Every baseline's forecast at every origin. */
export function baselineForecasts(returns: Float64Array, horizon: number, fits: BaselineFits): { har: Float64Array; garch: Float64Array; ewma: Float64Array } {
  return {
    har: harForecasts(returns, fits.har),
    garch: garchForecasts(returns, horizon, fits.garch),
    ewma: ewmaForecasts(returns, horizon, RISKMETRICS_LAMBDA, fits.ewmaStart),
  };
}
