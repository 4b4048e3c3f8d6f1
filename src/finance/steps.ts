// The steps both risk runs share (the single-split `train` and the walk-forward `backtest`): progress and hooks,
// pooled LSTM windows, calibrated member forecasts, the baselines fitted on a range of days, the ensemble spread.
import type { Session, SetupProgress } from '../engine.js';
import type { LossKind, Model } from '../model.js';
import type { Sequences } from '../train/types.js';
import { ewmaForecasts, fitHar, fitLogHar, garchForecasts, harForecasts, logHarForecasts, meanSquare, RISKMETRICS_LAMBDA, type HarModel, type LogHarModel } from './baselines.js';
import type { BaselineName, ModelName, SeriesEvaluation } from './evaluate.js';
import { fitGarch, garchVarianceSum, type GarchFit } from './garch.js';
import { qlikeOptimalScale } from './metrics.js';
import { buildWindows, FIRST_ORIGIN, varianceTargets, windowOrigins, type FeatureMatrix, type Scaler, type SplitRange } from './features.js';
import { lstmTargets, memberOutputs, memberVariances, type MemberProgress } from './lstm.js';
import { forecastLosses } from './metrics.js';
import type { GarchDist, LstmOptions } from './options.js';
import type { EnsembleSpread } from './report.js';
import type { Sanity } from './sanity.js';

export type PipelineStage = 'data' | 'baselines' | 'training' | 'evaluation' | 'walk-forward';

export interface WalkForwardProgress {
  /** 1-based: the refit now running. */
  refit: number;
  refits: number;
  /** The first day this refit forecasts. */
  date: string;
  /** From the time the refits so far took (null before the first has finished). */
  etaSeconds: number | null;
}

export interface PipelineProgress {
  stage: PipelineStage;
  message: string;
  training?: MemberProgress;
  walkForward?: WalkForwardProgress;
}

export interface PipelineHooks {
  onProgress?: (p: PipelineProgress) => void;
  /** Cancels the whole run: it rejects with an AbortError and returns nothing. */
  signal?: AbortSignal;
  /**
   * Ends training early and evaluates what was trained: the member in progress stops within a step and keeps its
   * best weights so far, later ensemble members are skipped, and the report says training.stopReason 'aborted'.
   * A stop before the first training step leaves nothing trained: the run fails with a UserError saying so.
   * (The walk-forward backtest has no partial result: it takes `signal` only.)
   */
  stopTraining?: AbortSignal;
}

export const now = () => performance.now() / 1000;

/** What the engine's set-up is doing, for a progress line: WebGPU's takes seconds on a CPU-like adapter (minutes at H = 256). */
export function setupMessage(p: SetupProgress): string {
  return p.stage === 'compiling' ? 'compiling kernels' : `choosing kernels: ${p.done + 1} of ${p.total}`;
}

/** Concatenates windows (or targets) of several series: pooled training, windows of every series in each batch. */
export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The LSTM's pooled windows and targets at the given origins of every series; with `oneDayTargets` (h > 1) each
 * window has two, its h-day variance and the next day's.
 */
export function sequences(matrices: FeatureMatrix[], targets: Float64Array[], scaler: Scaler, origins: number[], window: number, loss: LossKind, oneDayTargets: Float64Array[] | null = null): Sequences {
  const columns = (i: number) => [targets[i], ...(oneDayTargets ? [oneDayTargets[i]] : [])].map((y) => origins.map((t) => y[t]));
  return {
    x: concat(matrices.map((m) => buildWindows(m, scaler, origins, window))),
    y: concat(targets.map((_, i) => lstmTargets(columns(i), loss))),
    count: origins.length * matrices.length,
    steps: window,
  };
}

/** Spreads a model's forecasts at some origins into a full-length, NaN-elsewhere array. */
export function atOrigins(length: number, origins: number[], values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(length).fill(NaN);
  origins.forEach((t, i) => (out[t] = values[i]));
  return out;
}

/**
 * Per member, the QLIKE-optimal scale of its forecasts over the given (pooled) windows and their targets: of the
 * horizon's variance output, or of the one-day output (`variances` then the one-day targets). `session`: an open
 * one to predict on (see memberOutputs), here and in lstmForecasts.
 */
export async function calibrate(models: Model[], set: Sequences, variances: Float64Array[], origins: number[], o: LstmOptions, output: 'horizon' | 'oneDay' = 'horizon', session?: Session): Promise<number[]> {
  const outputs = await memberOutputs(models, set.x, set.count, o.window, o.backend, o.batchSize, session);
  const targets = concat(variances.map((y) => Float32Array.from(origins, (t) => y[t])));
  return outputs.map((out) => qlikeOptimalScale(output === 'horizon' ? out.logVariance : out.oneDayLogVariance!, targets));
}

/** The calibrated members' variance forecasts of one series at the given origins, their mean, and the mean one-day variance. */
export async function lstmForecasts(models: Model[], calibration: number[], matrix: FeatureMatrix, scaler: Scaler, origins: number[], o: LstmOptions, oneDayCalibration: number[] | null = null, session?: Session) {
  const x = buildWindows(matrix, scaler, origins, o.window);
  return memberVariances(await memberOutputs(models, x, origins.length, o.window, o.backend, o.batchSize, session), calibration, oneDayCalibration);
}

/** The fitted baselines: GARCH(1,1) and GJR-GARCH(1,1) by maximum likelihood, HAR and log-HAR by OLS, EWMA's start. */
export interface BaselineFits {
  garch: GarchFit;
  gjr: GarchFit;
  har: HarModel;
  loghar: LogHarModel;
  /** EWMA's starting variance: the mean squared return of the fitted sample. */
  ewmaStart: number;
  /**
   * HAR and log-HAR fitted beside them on the next day's squared return, for one-day VaR when the horizon is longer
   * (EWMA and the GARCH family have their one-day forecast already); null when the horizon is one day.
   */
  oneDay: { har: HarModel; loghar: LogHarModel } | null;
}

/**
 * Every baseline fitted on the returns in `range` (their look-back included), HAR and log-HAR on the origins whose
 * whole target lies inside it: nothing after range.to is seen. `previous` fits (of the refit before) start the
 * GARCH searches, which makes monthly refits fast.
 */
export function fitBaselinesOn(returns: Float64Array, targets: Float64Array, range: SplitRange, horizon: number, dist: GarchDist, previous?: BaselineFits): BaselineFits {
  const inside = returns.subarray(range.from, range.to);
  const hars = (y: Float64Array, h: number) => {
    const origins = windowOrigins({ from: FIRST_ORIGIN, to: inside.length }, 1, h);
    return { har: fitHar(inside, y, origins), loghar: fitLogHar(inside, y, origins) };
  };
  return {
    garch: fitGarch(inside, { model: 'garch', dist, start: previous?.garch }),
    gjr: fitGarch(inside, { model: 'gjr', dist, start: previous?.gjr }),
    ...hars(targets.subarray(range.from, range.to), horizon),
    ewmaStart: meanSquare(inside, { from: 0, to: inside.length }),
    oneDay: horizon > 1 ? hars(varianceTargets(inside, 1), 1) : null,
  };
}

/**
 * A model's one-day variances for each of the next `days` days from its next one-day variance: the GARCH family's
 * path reverting to its long-run variance, flat for the others (exact for EWMA; the √h rule for the rest).
 */
export function variancePath(model: ModelName, oneDay: number, days: number, fits: BaselineFits): number[] {
  if (model !== 'garch' && model !== 'gjr') return new Array<number>(days).fill(oneDay);
  return Array.from({ length: days }, (_, k) => garchVarianceSum(oneDay, fits[model], k + 1) - garchVarianceSum(oneDay, fits[model], k));
}

/** A baseline's own Student-t ν where it has one: the GARCH family's, fitted with t innovations. */
export function ownNu(fits: BaselineFits, model: BaselineName): number | undefined {
  return model === 'garch' || model === 'gjr' ? (fits[model].nu ?? undefined) : undefined;
}

/** Every baseline's forecast at origins up to end - 1, from returns before `end` only. */
export function baselinesUpTo(returns: Float64Array, end: number, horizon: number, fits: BaselineFits): Record<BaselineName, Float64Array> {
  const r = returns.subarray(0, end);
  return {
    ewma: ewmaForecasts(r, horizon, RISKMETRICS_LAMBDA, fits.ewmaStart),
    garch: garchForecasts(r, horizon, fits.garch),
    gjr: garchForecasts(r, horizon, fits.gjr),
    har: harForecasts(r, fits.har),
    loghar: logHarForecasts(r, fits.loghar),
  };
}

/** Every baseline's one-day variance forecast at origins up to end - 1: HAR's and log-HAR's from their one-day fits. */
export function oneDayBaselinesUpTo(returns: Float64Array, end: number, fits: BaselineFits): Record<BaselineName, Float64Array> {
  return baselinesUpTo(returns, end, 1, { ...fits, ...fits.oneDay });
}

/** Mean and max over days of the members' volatility standard deviation divided by their mean. */
function relativeSpread(members: Float64Array[], days: number): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < days; i++) {
    const vols = members.map((m) => Math.sqrt(m[i]));
    const mean = vols.reduce((a, b) => a + b) / vols.length;
    const sd = Math.sqrt(vols.reduce((a, v) => a + (v - mean) ** 2, 0) / (vols.length - 1));
    sum += sd / mean;
    max = Math.max(max, sd / mean);
  }
  return { mean: sum / days, max };
}

/** Each member's QLIKE and the members' spread over the first `proxy.length` days; null for a single model. */
export function ensembleSpread(members: Float64Array[], proxy: Float64Array): EnsembleSpread | null {
  if (members.length < 2) return null;
  return {
    members: members.length,
    memberQlike: members.map((m) => forecastLosses(proxy, m.subarray(0, proxy.length)).qlike),
    relativeSpread: relativeSpread(members, proxy.length),
  };
}

/** No traffic light is shown as valid for a model whose results cannot be right (every level and distribution). */
export function invalidateTrafficLights(backtests: SeriesEvaluation['var'], checks: Record<ModelName, Sanity>): void {
  for (const [m, levels] of Object.entries(backtests)) {
    if (checks[m as ModelName].valid) continue;
    for (const level of Object.values(levels)) for (const b of [level, level.gaussian, level.fhs]) Object.assign(b, { trafficLight: null, trafficLightReason: 'the model failed its sanity checks (see warnings)' });
  }
}
