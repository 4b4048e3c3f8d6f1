// `predict`: the next day's volatility, VaR and ES from a saved model and a CSV of recent prices, next to
// the baselines fitted on that same file. Environment-agnostic like the pipeline.
import { UserError } from '../errors.js';
import { modelFromJSON, type Model } from '../model.js';
import type { BackendChoice } from '../engine.js';
import { parseMarketData, type DataKind, type DataOptions, type MarketData } from './data.js';
import { buildWindows, featureMatrix, featureNames, FIRST_ORIGIN, varianceTargets } from './features.js';
import { BASEL_DAYS, BASELINE_NAMES, MODEL_NAMES, nextDay, standardisedResiduals, tailSet, withNu, type ModelName, type NextDay, type TailSet } from './evaluate.js';
import { baselinesUpTo, fitBaselinesOn, ownNu, variancePath } from './steps.js';
import { garchSummary, type GarchSummary } from './garch.js';
import { memberOutputs, memberVariances } from './lstm.js';
import type { RiskModelMeta } from './report.js';
import { NU_BOUNDS } from './risk.js';

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
  data: { source: string; kind: DataKind; rows: number; firstDate: string; lastDate: string; series: string[]; warnings: string[] };
  series: { name: string; nextDay: NextDay; garch: GarchSummary }[];
}

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
  if (!Number.isInteger(risk.window) || risk.window < 1 || !Number.isInteger(risk.horizon) || risk.horizon < 1) throw bad('has no valid window/horizon');
  const finite = (a: unknown, n: number) => Array.isArray(a) && a.length === n && a.every((v) => Number.isFinite(v));
  if (!finite(risk.scaler?.mean, risk.features.length) || !finite(risk.scaler?.std, risk.features.length)) throw bad('has a broken scaler');
  const members = 1 + (Array.isArray(risk.ensembleParams) ? risk.ensembleParams.length : -1);
  if (members < 1 || !risk.ensembleParams.every((p) => finite(p, model.params.length))) throw bad('has broken ensemble weights');
  if (!finite(risk.calibration, members) || risk.calibration.some((c) => !(c > 0))) throw bad('has a broken calibration');
  if (risk.garchDist !== 'normal' && risk.garchDist !== 't') throw bad('names no GARCH innovation distribution');
  if (!(risk.nu >= NU_BOUNDS[0] && risk.nu <= NU_BOUNDS[1])) throw bad('has no valid Student-t ν');
  if (!Array.isArray(risk.residuals) || risk.residuals.length < 50 || !risk.residuals.every((v) => Number.isFinite(v))) throw bad('has no standardised residuals for FHS');
  return risk;
}

/** The file must give the features the model was trained on. */
export function checkFeatures(risk: RiskModelMeta, market: MarketData): void {
  const features = featureNames(market.series[0].range !== undefined);
  if (features.join() !== risk.features.join()) {
    throw new UserError(
      `the model was trained on the features [${risk.features.join(', ')}] but this file gives [${features.join(', ')}]; ` +
        (risk.features.length > features.length ? 'use a file with open/high/low/close columns' : 'name a single price column with --price, as in training'),
    );
  }
}

export async function forecastNextDay(input: ForecastInput): Promise<ForecastReport> {
  const { model, extra } = modelFromJSON(input.modelText);
  const risk = readRiskMeta(extra, model);
  const models: Model[] = [model, ...risk.ensembleParams.map((p) => ({ config: model.config, params: Float32Array.from(p) }))];
  const market = parseMarketData(input.csvText, { ...risk.dataOptions, ...input.dataOptions });
  checkFeatures(risk, market);
  const M = market.dates.length;
  const need = Math.max(MIN_PREDICT_RETURNS, FIRST_ORIGIN + risk.window + risk.horizon);
  if (M < need) throw new UserError(`too few rows: predict needs at least ${need + (market.kind === 'returns' ? 0 : 1)} rows (a year of history for the baselines), the file has ${market.rows}`);
  const backend = input.backend ?? 'auto';
  const last = M - 1;
  const series = [];
  for (const s of market.series) {
    const x = buildWindows(featureMatrix(s), risk.scaler, [last], risk.window);
    const lstm = memberVariances(await memberOutputs(models, x, 1, risk.window, backend), risk.calibration);
    // The baselines are refitted on this file (every origin whose target it holds): they need no saved state.
    const targets = varianceTargets(s.returns, risk.horizon);
    const origins = Array.from({ length: M - risk.horizon - FIRST_ORIGIN }, (_, i) => FIRST_ORIGIN + i);
    const fits = fitBaselinesOn(s.returns, targets, { from: 0, to: M }, risk.horizon, risk.garchDist);
    const baselines = baselinesUpTo(s.returns, M, risk.horizon, fits);
    const variance = { lstm: lstm.mean[0], ...Object.fromEntries(BASELINE_NAMES.map((b) => [b, baselines[b][last]])) } as Record<ModelName, number>;
    const tails = {
      // A Student-t LSTM's t tail is its own ν for the day; the ν fitted on residuals serves the other losses.
      lstm: withNu(tailSet(Float64Array.from(risk.residuals), risk.nu), lstm.nu ? lstm.nu[0] : risk.nu),
      ...Object.fromEntries(BASELINE_NAMES.map((b) => [b, tailSet(standardisedResiduals(s.returns, baselines[b], origins, risk.horizon), ownNu(fits, b))])),
    } as Record<ModelName, TailSet>;
    const paths = Object.fromEntries(MODEL_NAMES.map((m) => [m, variancePath(m, variance[m] / risk.horizon, BASEL_DAYS, fits)])) as Record<ModelName, number[]>;
    series.push({ name: s.name, nextDay: nextDay(market.dates[last], variance, tails, risk.horizon, lstm.members.map((m) => m[0]), paths), garch: garchSummary(fits.garch) });
  }
  return {
    version: 1,
    model: { trainedOn: risk.trainedOn, window: risk.window, horizon: risk.horizon, loss: model.config.loss, members: models.length },
    data: { source: input.source ?? 'csv text', kind: market.kind, rows: market.rows, firstDate: market.firstDate, lastDate: market.lastDate, series: market.series.map((s) => s.name), warnings: market.warnings },
    series,
  };
}
