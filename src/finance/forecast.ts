// `predict`: the next day's volatility, VaR and ES from a saved model and a CSV of recent prices, next to
// the baselines fitted on that same file. Environment-agnostic like the pipeline.
import { UserError } from '../errors.js';
import { FLOAT32_MAX, modelFromJSON, type Model } from '../model.js';
import type { BackendChoice } from '../engine.js';
import { loadMarketData, type DataQuality } from './dataQuality.js';
import { rangeVariances, type DataKind, type DataOptions, type MarketData, type Series } from './data.js';
import { buildWindows, currentFeatureNames, featureMatrix, featureNames, FIRST_ORIGIN, varianceTargets, type FeatureMatrix } from './features.js';
import { BASEL_DAYS, BASELINE_NAMES, MODEL_NAMES, nextDay, standardisedResiduals, tailSet, withNu, type ModelName, type NextDay, type TailSet } from './evaluate.js';
import { baselinesUpTo, fitBaselinesOn, oneDayBaselinesUpTo, ownNu, variancePath } from './steps.js';
import { garchSummary, type GarchSummary } from './garch.js';
import { lstmOutputs, memberOutputs, memberVariances } from './lstm.js';
import type { RiskModelMeta } from './report.js';
import { NU_BOUNDS } from './risk.js';
import { dataProblems, sanity, sanityWarnings, tailProblems, varianceProblems, type Sanity } from './sanity.js';

export interface ForecastInput {
  modelText: string;
  csvText: string;
  source?: string;
  /** Override the column choices saved with the model. */
  dataOptions?: DataOptions;
  backend?: BackendChoice;
}

export interface ForecastReport {
  version: 1;
  model: { trainedOn: RiskModelMeta['trainedOn']; window: number; horizon: number; loss: string; members: number };
  data: { source: string; kind: DataKind; rows: number; firstDate: string; lastDate: string; series: string[]; warnings: string[]; quality: DataQuality };
  /** Every model whose forecast failed a sanity check, with why; its VaR and ES are not valid. */
  warnings: string[];
  series: { name: string; nextDay: NextDay; garch: GarchSummary; sanity: Record<ModelName, Sanity> }[];
}

/** The feature lists a model file may carry: closes only, with the high-low range, with the open too. */
const FEATURE_SETS = [featureNames(false), featureNames(true, false), featureNames(true)];

/** The fewest returns predict takes: the LSTM's window after the 22-day look-back, and a year for GARCH. */
export const MIN_PREDICT_RETURNS = 250;

/** The `risk` section of a model file, checked: a file from elsewhere gets a UserError, not a wrong forecast. */
export function readRiskMeta(extra: Record<string, unknown>, model: Model): RiskModelMeta {
  const risk = extra.risk as RiskModelMeta | undefined;
  const bad = (what: string) => new UserError(`the model file's risk section ${what}; use a model written by 'webgpu-lstm train --out'`);
  if (!risk || typeof risk !== 'object') {
    throw new UserError(`the model has no risk section (the features, their scaler, the window and horizon, the calibration and the tail quantiles that 'webgpu-lstm train' stores with a model; a TF.js model carries it in userDefinedMetadata["webgpu-lstm"].risk); forecasting needs a model trained by 'webgpu-lstm train', or converted from one`);
  }
  if (risk.version !== 1) throw bad(`has version ${String(risk.version)} (this build reads 1)`);
  if (!Array.isArray(risk.features) || risk.features.length !== model.config.inputSize) throw bad('lists features that do not match the network');
  const features = currentFeatureNames(risk.features);
  if (!FEATURE_SETS.some((f) => f.join() === features.join())) throw bad(`lists features [${risk.features.join(', ')}] that this build does not compute`);
  if (!Number.isInteger(risk.window) || risk.window < 1 || risk.window > 250) throw bad(`has "risk.window" ${JSON.stringify(risk.window)}; it must be a whole number from 1 to 250`);
  if (!Number.isInteger(risk.horizon) || risk.horizon < 1 || risk.horizon > 22) throw bad(`has "risk.horizon" ${JSON.stringify(risk.horizon)}; it must be a whole number from 1 to 22`);
  const finite = (a: unknown, n: number) => Array.isArray(a) && a.length === n && a.every((v) => Number.isFinite(v));
  if (!finite(risk.scaler?.mean, risk.features.length) || !finite(risk.scaler?.std, risk.features.length)) throw bad('has a broken scaler');
  const flat = risk.scaler.std.findIndex((s) => !(s > 0));
  if (flat >= 0) throw bad(`has "risk.scaler.std[${flat}]" = ${risk.scaler.std[flat]} (feature '${features[flat]}'); a standard deviation must be positive`);
  const members = 1 + (Array.isArray(risk.ensembleParams) ? risk.ensembleParams.length : -1);
  if (members < 1 || !risk.ensembleParams.every((p) => finite(p, model.params.length) && p.every((v) => Math.abs(v) <= FLOAT32_MAX))) throw bad('has broken ensemble weights ("risk.ensembleParams": each needs as many finite Float32 values as the network)');
  if (!finite(risk.calibration, members) || risk.calibration.some((c) => !(c > 0))) throw bad('has a broken calibration');
  // A network for h > 1 days has a second output, the next day's log-variance, which one-day VaR and ES need.
  const oneDayOutput = risk.horizon > 1;
  if (oneDayOutput !== (risk.oneDayCalibration !== undefined) || model.config.outputs !== lstmOutputs(model.config.loss, risk.horizon)) {
    throw bad(`does not match its network for horizon ${risk.horizon} (${model.config.outputs} outputs; a one-day calibration ${risk.oneDayCalibration ? 'present' : 'absent'}); a horizon over 1 day needs the one-day output that this build trains: train the model again`);
  }
  if (oneDayOutput && (!finite(risk.oneDayCalibration, members) || risk.oneDayCalibration!.some((c) => !(c > 0)))) throw bad('has a broken one-day calibration');
  if (risk.garchDist !== 'normal' && risk.garchDist !== 't') throw bad('names no GARCH innovation distribution');
  if (!(risk.nu >= NU_BOUNDS[0] && risk.nu <= NU_BOUNDS[1])) throw bad('has no valid Student-t ν');
  if (!Array.isArray(risk.residuals) || risk.residuals.length < 50 || !risk.residuals.every((v) => Number.isFinite(v))) throw bad('has no standardised residuals for FHS');
  return { ...risk, features };
}

/**
 * The model's own features from a file: a close-only model reads an OHLC file's closes alone; refused only where
 * the file cannot give them. (A file whose old opens are copies of the previous close still gives a model that
 * wants the open its bars' Garman-Klass: a forecast reads the latest windows.)
 */
export function modelFeatures(risk: RiskModelMeta, market: MarketData): (s: Series) => FeatureMatrix {
  const withRange = risk.features.length > featureNames(false).length;
  const withOpen = risk.features.join() === featureNames(true).join();
  if (withRange && market.series[0].range === undefined) {
    throw new UserError(`the model was trained on open/high/low/close features [${risk.features.join(', ')}] but this file has no open/high/low/close columns for one series; use a file with them`);
  }
  const rangeOf = (s: Series) => ({ parkinson: s.range!.parkinson, ...(withOpen ? { garmanKlass: s.range!.garmanKlass ?? rangeVariances(s.bars!).garmanKlass } : {}) });
  return (s) => featureMatrix(withRange ? { ...s, range: rangeOf(s) } : { ...s, range: undefined });
}

export async function forecastNextDay(input: ForecastInput): Promise<ForecastReport> {
  const { model, extra } = modelFromJSON(input.modelText);
  const risk = readRiskMeta(extra, model);
  const models: Model[] = [model, ...risk.ensembleParams.map((p) => ({ config: model.config, params: Float32Array.from(p) }))];
  const { market, quality } = loadMarketData(input.csvText, { ...risk.dataOptions, ...input.dataOptions });
  const seriesFeatures = modelFeatures(risk, market);
  const M = market.dates.length;
  const need = Math.max(MIN_PREDICT_RETURNS, FIRST_ORIGIN + risk.window + risk.horizon);
  if (M < need) throw new UserError(`too few rows: predict needs at least ${need + (market.kind === 'returns' ? 0 : 1)} rows (a year of history for the baselines), the file has ${market.rows}`);
  // A forecast is one window per series: 'auto' takes the CPU path for so small a job rather than pay for
  // WebGPU's kernel compilation. A backend the user names is still used.
  const backend = input.backend ?? 'auto';
  const last = M - 1;
  const series = [];
  const warnings: string[] = [];
  for (const s of market.series) {
    const x = buildWindows(seriesFeatures(s), risk.scaler, [last], risk.window);
    const lstm = memberVariances(await memberOutputs(models, x, 1, risk.window, backend), risk.calibration, risk.oneDayCalibration ?? null);
    // The baselines are refitted on this file (every origin whose target it holds): they need no saved state.
    const targets = varianceTargets(s.returns, risk.horizon);
    const origins = Array.from({ length: M - risk.horizon - FIRST_ORIGIN }, (_, i) => FIRST_ORIGIN + i);
    const fits = fitBaselinesOn(s.returns, targets, { from: 0, to: M }, risk.horizon, risk.garchDist);
    const baselines = baselinesUpTo(s.returns, M, risk.horizon, fits);
    const oneDayBaselines = risk.horizon > 1 ? oneDayBaselinesUpTo(s.returns, M, fits) : baselines;
    const variance = { lstm: lstm.mean[0], ...Object.fromEntries(BASELINE_NAMES.map((b) => [b, baselines[b][last]])) } as Record<ModelName, number>;
    const oneDay = { lstm: lstm.oneDay[0], ...Object.fromEntries(BASELINE_NAMES.map((b) => [b, oneDayBaselines[b][last]])) } as Record<ModelName, number>;
    const tails = {
      // A Student-t LSTM's t tail is its own ν for the day; the ν fitted on residuals serves the other losses.
      lstm: withNu(tailSet(Float64Array.from(risk.residuals), risk.nu), lstm.nu ? lstm.nu[0] : risk.nu),
      ...Object.fromEntries(BASELINE_NAMES.map((b) => [b, tailSet(standardisedResiduals(s.returns, oneDayBaselines[b], origins), ownNu(fits, b))])),
    } as Record<ModelName, TailSet>;
    const paths = Object.fromEntries(MODEL_NAMES.map((m) => [m, variancePath(m, oneDay[m], BASEL_DAYS, fits)])) as Record<ModelName, number[]>;
    // The file's mean h-day variance is the scale a plausible forecast lies near.
    const scale = (risk.horizon * s.returns.reduce((a, r) => a + r * r, 0)) / M;
    const sanityOf = (m: ModelName) => sanity([...dataProblems(quality), ...varianceProblems(`the ${m} forecast`, [variance[m]], scale), ...(m === 'lstm' ? tailProblems('the LSTM', tails.lstm.tails.fhs['0.99'].quantile) : [])]);
    const checks = Object.fromEntries(MODEL_NAMES.map((m) => [m, sanityOf(m)])) as Record<ModelName, Sanity>;
    warnings.push(...sanityWarnings(checks, market.series.length > 1 ? s.name : undefined));
    series.push({ name: s.name, nextDay: nextDay(market.dates[last], variance, oneDay, tails, risk.horizon, lstm.oneDayMembers.map((m) => m[0]), paths), garch: garchSummary(fits.garch), sanity: checks });
  }
  return {
    version: 1,
    model: { trainedOn: risk.trainedOn, window: risk.window, horizon: risk.horizon, loss: model.config.loss, members: models.length },
    data: { source: input.source ?? 'csv text', kind: market.kind, rows: market.rows, firstDate: market.firstDate, lastDate: market.lastDate, series: market.series.map((s) => s.name), warnings: market.warnings, quality },
    warnings,
    series,
  };
}
