// `explain`: which days and which features drive the LSTM's volatility forecast. Integrated gradients of the
// log-variance output for chosen days (the engine computes them), and permutation importance as the model-agnostic
// cross-check. Environment-agnostic like the pipeline.
import type { BackendChoice, Session } from '../engine.js';
import { check } from '../errors.js';
import { modelFromJSON, type Model } from '../model.js';
import { Rng } from '../rng.js';
import { integratedGradients, type Quadrature } from '../train/attributions.js';
import { predict } from '../train/trainer.js';
import { parseMarketData, type DataOptions } from './data.js';
import { buildWindows, FIRST_ORIGIN, type FeatureMatrix, type Scaler } from './features.js';
import { modelFeatures, readRiskMeta } from './forecast.js';
import { qlike } from './metrics.js';

export interface ExplainInput {
  modelText: string;
  csvText: string;
  /** One day (YYYY-MM-DD); default: the file's last day. Ignored when from/to are given. */
  date?: string;
  from?: string;
  to?: string;
  /** Which of the file's series (0-based); default 0, the first. */
  series?: number;
  /** Integrated-gradient interpolation points; default 32. */
  steps?: number;
  /** How the path integral is summed over them; default 'gauss-legendre'. */
  quadrature?: Quadrature;
  dataOptions?: DataOptions;
  backend?: BackendChoice;
}

export interface ExplainedDay {
  date: string; // the last day in the window: the forecast is made at its close, for the next day
  forecast: number; // log-variance of the next day's percent return (the first member, calibrated)
  baselineForecast: number; // the same for the baseline window (every feature at its training mean)
  attributions: number[][]; // [lag][feature], lag 0 = the latest day; they add up to forecast − baselineForecast
  completeness: { sum: number; delta: number; relativeError: number };
}

export interface ExplainReport {
  version: 1;
  series: string; // the series explained (the file's first unless chosen)
  output: string;
  horizon: number; // days the forecast variance covers: output 0 of an h-day model is the h-day log-variance
  steps: number;
  quadrature: Quadrature;
  features: string[];
  lags: number[];
  days: ExplainedDay[];
  /** For a range: the mean over days of Σ|attribution| over lags (byFeature) and over features (byLag). */
  meanAbs?: { byFeature: Record<string, number>; byLag: number[] };
}

/** Origins (window end days) where a whole window of features exists: the 22-day mean squared return needs 22 days first. */
function firstOrigin(window: number): number {
  return FIRST_ORIGIN + window - 1;
}

/** The window-end days to explain, as indices into the file's dates. */
function chooseDays(dates: string[], window: number, input: ExplainInput): number[] {
  const first = firstOrigin(window);
  check(dates.length > first, `the file has ${dates.length} days; explaining a forecast needs at least ${first + 1} (a ${window}-day window after the 22-day look-back)`);
  const range = `${dates[first]}..${dates[dates.length - 1]}`;
  const index = (d: string, flag: string) => {
    check(/^\d{4}-\d{2}-\d{2}$/.test(d), `${flag} must be a date like 2020-03-16 (got '${d}')`);
    return d;
  };
  if (input.from !== undefined || input.to !== undefined) {
    const from = index(input.from ?? dates[first], 'from'), to = index(input.to ?? dates[dates.length - 1], 'to');
    check(from <= to, `from ${from} is after to ${to}`);
    const days: number[] = [];
    for (let t = first; t < dates.length; t++) if (dates[t] >= from && dates[t] <= to) days.push(t);
    check(days.length > 0, `no trading day of the file between ${from} and ${to} can be explained; the file's explainable days are ${range}`);
    return days;
  }
  if (input.date === undefined) return [dates.length - 1];
  const t = dates.indexOf(index(input.date, 'date'));
  check(t >= 0, `${input.date} is not a trading day in the file; its explainable days are ${range}`);
  check(t >= first, `${input.date} is too early: a ${window}-day window of features starts on ${dates[first]}; explainable days are ${range}`);
  return [t];
}

/** Integrated gradients of the saved model's log-variance forecast for one day or a range of days. */
export async function explainForecast(input: ExplainInput): Promise<ExplainReport> {
  const { model, extra } = modelFromJSON(input.modelText);
  const risk = readRiskMeta(extra, model);
  const market = parseMarketData(input.csvText, { ...risk.dataOptions, ...input.dataOptions });
  const features = modelFeatures(risk, market);
  const which = input.series ?? 0;
  check(Number.isInteger(which) && which >= 0 && which < market.series.length, `series must be a number from 0 to ${market.series.length - 1} (the file has ${market.series.length}; got ${which})`);
  const series = market.series[which];
  const origins = chooseDays(market.dates, risk.window, input);
  const T = risk.window, F = risk.features.length, steps = input.steps ?? 32, quadrature = input.quadrature ?? 'gauss-legendre';
  const x = buildWindows(features(series), risk.scaler, origins, T);
  const ig = await integratedGradients(model, { x, count: origins.length, steps: T }, { steps, quadrature, backend: input.backend ?? 'webgpu' });
  const logC = Math.log(risk.calibration[0]); // variance = c·e^out: log c shifts both forecasts, not their difference
  const days: ExplainedDay[] = origins.map((t, w) => ({
    date: market.dates[t],
    forecast: ig.forecast[w] + logC,
    baselineForecast: ig.baselineForecast + logC,
    attributions: Array.from({ length: T }, (_, lag) => Array.from(ig.attributions.subarray((w * T + T - 1 - lag) * F, (w * T + T - lag) * F))),
    completeness: ig.completeness[w],
  }));
  const report: ExplainReport = {
    version: 1,
    series: series.name,
    output: risk.horizon > 1 ? `log-variance of the ${risk.horizon}-day percent return` : 'log-variance of the next-day percent return',
    horizon: risk.horizon,
    steps,
    quadrature,
    features: risk.features,
    lags: Array.from({ length: T }, (_, lag) => lag),
    days,
  };
  if (input.from !== undefined || input.to !== undefined) report.meanAbs = meanAbs(days, risk.features);
  return report;
}

/**
 * The three largest contributions of a day, summed over lags per feature except for the most recent day, which
 * is named apart: "most of the forecast's rise comes from log mean sq. return 22d (+0.41) and return on the day itself (+0.20) …".
 */
export function topDrivers(day: ExplainedDay, features: string[]): string {
  const parts: { what: string; value: number }[] = [];
  features.forEach((name, f) => {
    parts.push({ what: `${name} on the day itself`, value: day.attributions[0][f] });
    const older = day.attributions.slice(1).reduce((s, row) => s + row[f], 0);
    if (day.attributions.length > 1) parts.push({ what: `${name} over the ${day.attributions.length - 1} days before`, value: older });
  });
  const top = parts.sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, 3);
  const delta = day.forecast - day.baselineForecast;
  const list = top.map((p) => `${p.what} (${p.value >= 0 ? '+' : ''}${p.value.toFixed(2)})`);
  return `The forecast sits ${Math.abs(delta).toFixed(2)} ${delta >= 0 ? 'above' : 'below'} the baseline's (log-variance); the largest contributions: ${list.join(', ')}.`;
}

function meanAbs(days: ExplainedDay[], features: string[]): NonNullable<ExplainReport['meanAbs']> {
  const byFeature = new Array<number>(features.length).fill(0);
  const byLag = new Array<number>(days[0].attributions.length).fill(0);
  for (const d of days) {
    d.attributions.forEach((row, lag) =>
      row.forEach((a, f) => {
        byFeature[f] += Math.abs(a) / days.length;
        byLag[lag] += Math.abs(a) / days.length;
      }),
    );
  }
  return { byFeature: Object.fromEntries(features.map((name, f) => [name, byFeature[f]])), byLag };
}

export interface PermutationOptions {
  shuffles?: number; // default 5
  seed?: number; // default 1
  backend?: BackendChoice;
  batchSize?: number;
  /** An open session (of batchSize) to predict on instead of opening one. */
  session?: Session;
}

/**
 * Permutation importance per feature: how much the mean QLIKE of the variance forecast c·e^out against the targets
 * (sums of squared returns) rises when that feature's column (all its lags) is shuffled across windows, averaged over seeded shuffles.
 */
export async function permutationImportance(
  model: Model,
  windows: { x: Float32Array; count: number; steps: number },
  variances: ArrayLike<number>,
  features: string[],
  options: PermutationOptions & { calibration?: number } = {},
): Promise<Record<string, number>> {
  const { count, steps: T } = windows, F = model.config.inputSize, O = model.config.outputs;
  check(features.length === F, `${features.length} feature names for a model of ${F} inputs`);
  check(variances.length === count, `${variances.length} targets for ${count} windows`);
  const shuffles = options.shuffles ?? 5, c = options.calibration ?? 1;
  check(Number.isInteger(shuffles) && shuffles > 0, `shuffles must be a positive integer (got ${shuffles})`);
  // Every shuffled copy goes through one predict call: one session, batches as large as the engine likes.
  const stride = T * F, copies = 1 + F * shuffles;
  const x = new Float32Array(copies * count * stride);
  x.set(windows.x);
  const rng = new Rng(options.seed ?? 1);
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  for (let f = 0; f < F; f++) {
    for (let k = 0; k < shuffles; k++) {
      rng.shuffle(order);
      const at = (1 + f * shuffles + k) * count * stride;
      x.set(windows.x, at);
      for (let w = 0; w < count; w++) {
        for (let t = 0; t < T; t++) x[at + (w * T + t) * F + f] = windows.x[(order[w] * T + t) * F + f];
      }
    }
  }
  const out = await predict(model, { x, count: copies * count, steps: T }, { backend: options.backend, batchSize: options.batchSize, session: options.session });
  const meanQlike = (copy: number) => {
    let sum = 0;
    for (let w = 0; w < count; w++) sum += qlike(variances[w], c * Math.exp(out[(copy * count + w) * O]));
    return sum / count;
  };
  const base = meanQlike(0);
  const result: Record<string, number> = {};
  for (let f = 0; f < F; f++) {
    let rise = 0;
    for (let k = 0; k < shuffles; k++) rise += meanQlike(1 + f * shuffles + k) - base;
    result[features[f]] = rise / shuffles;
  }
  return result;
}

/**
 * The reports' `explain.permutationImportance`: permutation importance of the first member (the model `explain`
 * takes apart, so the two can be compared) on one series' windows ending at `origins`, against their targets
 * (sums of squared returns).
 */
export function importanceAt(
  model: Model,
  calibration: number,
  matrix: FeatureMatrix,
  scaler: Scaler,
  targets: Float64Array,
  origins: number[],
  o: { window: number; backend: BackendChoice; batchSize?: number; session?: Session },
): Promise<Record<string, number>> {
  const windows = { x: buildWindows(matrix, scaler, origins, o.window), count: origins.length, steps: o.window };
  return permutationImportance(model, windows, Float64Array.from(origins, (t) => targets[t]), matrix.names, { backend: o.backend, batchSize: o.batchSize, session: o.session, calibration });
}
