// The econometric baselines the LSTM must beat. Each gives, for every origin t, a forecast of the variance of
// the next h returns (the target of features.ts), using returns up to t only and parameters fitted on the
// training split only.
import jStat from 'jstat';
import { UserError } from '../errors.js';
import { fitGarch, garchVarianceSum, garchVariances, type GarchFit } from './garch.js';
import { harComponents, VARIANCE_FLOOR, type SplitRange } from './features.js';

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

/** GARCH(1,1) forecasts at every origin, filtering all the returns with the fitted (training) parameters. */
export function garchForecasts(returns: Float64Array, horizon: number, fit: GarchFit): Float64Array {
  const sigma2 = garchVariances(returns, fit, fit.backcast);
  return Float64Array.from(returns, (_, t) => garchVarianceSum(sigma2[t + 1], fit, horizon));
}

/** HAR-RV (Corsi 2009): target = b0 + bd·RV_d + bw·RV_w + bm·RV_m, by OLS. */
export interface HarModel {
  intercept: number;
  daily: number;
  weekly: number;
  monthly: number;
}

/** OLS of the h-day variance target on the HAR components over the given origins (the training ones). */
export function fitHar(returns: Float64Array, targets: Float64Array, origins: number[]): HarModel {
  const har = harComponents(returns);
  if (origins.length < 10) throw new UserError(`HAR needs at least 10 training origins (got ${origins.length})`);
  const X = origins.map((t) => [1, har.daily[t], har.weekly[t], har.monthly[t]]);
  const y = origins.map((t) => targets[t]);
  const [intercept, daily, weekly, monthly] = jStat.lstsq(X, y);
  return { intercept, daily, weekly, monthly };
}

/** HAR forecasts at every origin (NaN before the monthly component exists), floored: OLS can go negative. */
export function harForecasts(returns: Float64Array, model: HarModel): Float64Array {
  const har = harComponents(returns);
  return Float64Array.from(returns, (_, t) => {
    const f = model.intercept + model.daily * har.daily[t] + model.weekly * har.weekly[t] + model.monthly * har.monthly[t];
    return Number.isNaN(f) ? NaN : Math.max(f, VARIANCE_FLOOR);
  });
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
