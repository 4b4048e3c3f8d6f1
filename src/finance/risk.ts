// One-day Value at Risk and Expected Shortfall from a variance forecast, and their backtests.
// VaR and ES are positive loss figures in percent of the position; an exception is a day whose return is
// below -VaR. The mean return is taken as zero, as RiskMetrics does: over one day it is noise next to sigma.
import jStat from 'jstat';
import type { TestResult } from './metrics.js';

export const VAR_LEVELS = [0.95, 0.99] as const;
export type VarLevel = (typeof VAR_LEVELS)[number];

/** The left tail of the standardised return distribution: VaR = -sigma·quantile, ES = -sigma·tailMean. */
export interface Tail {
  quantile: number;
  tailMean: number;
}

export function gaussianTail(level: number): Tail {
  const alpha = 1 - level;
  const q = jStat.normal.inv(alpha, 0, 1);
  return { quantile: q, tailMean: -jStat.normal.pdf(q, 0, 1) / alpha };
}

/**
 * Filtered historical simulation (Barone-Adesi et al. 1999; Hull & White 1998): the empirical quantile of
 * returns standardised by the model's own volatility, and the mean of those beyond it.
 */
export function empiricalTail(standardised: ArrayLike<number>, level: number): Tail {
  const quantile = jStat.percentile(standardised, 1 - level);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < standardised.length; i++) {
    if (standardised[i] <= quantile) {
      sum += standardised[i];
      count++;
    }
  }
  return { quantile, tailMean: sum / count };
}

export function valueAtRisk(sigma: number, tail: Tail): number {
  return -sigma * tail.quantile;
}

export function expectedShortfall(sigma: number, tail: Tail): number {
  return -sigma * tail.tailMean;
}

/** x·ln(p) with 0·ln(0) = 0, the convention that keeps the likelihood ratios finite at 0 or n exceptions. */
const xlogy = (x: number, p: number) => (x === 0 ? 0 : x * Math.log(p));

/** Kupiec's (1995) proportion-of-failures LR test: are there as many exceptions as 1 - level predicts? χ²(1). */
export function kupiec(exceptions: number, n: number, level: number): TestResult {
  const p = 1 - level;
  const phat = exceptions / n;
  const statistic = -2 * (xlogy(n - exceptions, 1 - p) + xlogy(exceptions, p) - xlogy(n - exceptions, 1 - phat) - xlogy(exceptions, phat));
  return { statistic, pValue: 1 - jStat.chisquare.cdf(statistic, 1) };
}

/** Christoffersen's (1998) independence LR test: does an exception make the next one likelier? χ²(1). */
export function christoffersen(hits: ArrayLike<boolean>): TestResult {
  // n[2·previous + current]: transitions 0->0, 0->1, 1->0, 1->1.
  const n = [0, 0, 0, 0];
  for (let t = 1; t < hits.length; t++) n[2 * Number(hits[t - 1]) + Number(hits[t])]++;
  const [n00, n01, n10, n11] = n;
  const pi01 = n01 / (n00 + n01);
  const pi11 = n11 / (n10 + n11);
  const pi = (n01 + n11) / (n00 + n01 + n10 + n11);
  const restricted = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi);
  const unrestricted = xlogy(n00, 1 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1 - pi11) + xlogy(n11, pi11);
  const statistic = Math.max(0, -2 * (restricted - unrestricted));
  return { statistic, pValue: 1 - jStat.chisquare.cdf(statistic, 1) };
}

/** Christoffersen's conditional coverage: LR_pof + LR_ind, χ²(2). */
export function conditionalCoverage(hits: ArrayLike<boolean>, level: number): TestResult {
  let exceptions = 0;
  for (let t = 0; t < hits.length; t++) if (hits[t]) exceptions++;
  const statistic = kupiec(exceptions, hits.length, level).statistic + christoffersen(hits).statistic;
  return { statistic, pValue: 1 - jStat.chisquare.cdf(statistic, 2) };
}

export type TrafficLight = 'green' | 'yellow' | 'red';

/** Basel's window for the traffic light: the last 250 trading days. */
export const TRAFFIC_LIGHT_DAYS = 250;

/**
 * Basel Committee (1996) traffic light for a 99% VaR: green while the binomial probability of seeing at most
 * this many exceptions is below 95%, red from 99.99%. Over 250 days that is green 0-4, yellow 5-9, red 10+.
 */
export function trafficLight(exceptions: number, days: number, level = 0.99): TrafficLight {
  const cumulative = jStat.binomial.cdf(exceptions, days, 1 - level);
  if (cumulative < 0.95) return 'green';
  return cumulative < 0.9999 ? 'yellow' : 'red';
}

export interface VarBacktest {
  exceptions: number;
  expected: number;
  n: number;
  kupiecP: number;
  christoffersenP: number;
  conditionalCoverageP: number;
  /** Basel zone over the last 250 days (fewer if the test split is shorter); 99% only, as Basel defines it. */
  trafficLight: TrafficLight | null;
  trafficLightDays: number;
  trafficLightExceptions: number;
}

/** Backtests one VaR series against the returns it covered (realised[t] is the return VaR[t] was set for). */
export function backtestVar(realised: ArrayLike<number>, valueAtRiskSeries: ArrayLike<number>, level: VarLevel): VarBacktest {
  const n = realised.length;
  const hits = Array.from({ length: n }, (_, t) => realised[t] < -valueAtRiskSeries[t]);
  const exceptions = hits.filter(Boolean).length;
  const days = Math.min(TRAFFIC_LIGHT_DAYS, n);
  const recent = hits.slice(n - days).filter(Boolean).length;
  return {
    exceptions,
    expected: n * (1 - level),
    n,
    kupiecP: kupiec(exceptions, n, level).pValue,
    christoffersenP: christoffersen(hits).pValue,
    conditionalCoverageP: conditionalCoverage(hits, level).pValue,
    trafficLight: level === 0.99 ? trafficLight(recent, days, level) : null,
    trafficLightDays: days,
    trafficLightExceptions: recent,
  };
}

export interface EsBacktest {
  /** Mean ES forecast over the test days. */
  averageEs: number;
  /** Mean loss (-return) on exception days, and the mean ES forecast on those days: close when ES is right. */
  averageExceptionLoss: number | null;
  averageEsOnExceptions: number | null;
  /**
   * Acerbi & Székely's (2014) Z2 = 1 + Σ r_t·1{exception} / (n·(1-level)·ES_t): 0 when ES is right, negative
   * when losses beyond VaR are larger than ES said.
   */
  z2: number;
}

export function backtestEs(realised: ArrayLike<number>, valueAtRiskSeries: ArrayLike<number>, esSeries: ArrayLike<number>, level: VarLevel): EsBacktest {
  const n = realised.length;
  let esSum = 0;
  let lossSum = 0;
  let esOnHits = 0;
  let hits = 0;
  let z = 0;
  for (let t = 0; t < n; t++) {
    esSum += esSeries[t];
    if (realised[t] < -valueAtRiskSeries[t]) {
      hits++;
      lossSum -= realised[t];
      esOnHits += esSeries[t];
      z += realised[t] / esSeries[t];
    }
  }
  return {
    averageEs: esSum / n,
    averageExceptionLoss: hits ? lossSum / hits : null,
    averageEsOnExceptions: hits ? esOnHits / hits : null,
    z2: 1 + z / (n * (1 - level)),
  };
}
