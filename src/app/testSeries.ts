// The test period day by day, for the charts: the pipeline's report keeps only the scores, so the series are
// rebuilt here from its model file and the same data, with the pipeline's own building blocks, and checked
// against the report's exception counts.
import { baselineForecasts, fitBaselines } from '../finance/baselines.js';
import { parseMarketData } from '../finance/data.js';
import { MODEL_NAMES, type ModelName } from '../finance/evaluate.js';
import { buildWindows, chronologicalSplits, featureMatrix, varianceTargets, windowOrigins } from '../finance/features.js';
import { readRiskMeta } from '../finance/forecast.js';
import { memberOutputs, memberVariances } from '../finance/lstm.js';
import type { PipelineResult } from '../finance/pipeline.js';
import { gaussianTail, valueAtRisk } from '../finance/risk.js';
import { modelFromJSON, type Model } from '../model.js';

export interface TestSeries {
  name: string;
  horizon: number;
  /** The first day each forecast covers (the day after its origin). */
  dates: string[];
  /** That day's log return, percent. */
  returns: Float64Array;
  /** The realized variance of the h days the forecast covers (its target), percent². */
  realized: Float64Array;
  /** Each model's forecast of that variance, percent². */
  forecasts: Record<ModelName, Float64Array>;
  /** Each model's one-day Gaussian 99% VaR, percent of the position (positive = loss): the table's VaR99. */
  var99: Record<ModelName, Float64Array>;
}

/** Days with a return below -VaR. */
export function exceptionCount(s: TestSeries, model: ModelName): number {
  return s.returns.reduce((n, r, i) => n + (r < -s.var99[model][i] ? 1 : 0), 0);
}

function perModel<T>(f: (m: ModelName) => T): Record<ModelName, T> {
  return Object.fromEntries(MODEL_NAMES.map((m) => [m, f(m)])) as Record<ModelName, T>;
}

export async function buildTestSeries(result: PipelineResult, csvText: string): Promise<TestSeries[]> {
  const { model, extra } = modelFromJSON(result.modelText);
  const risk = readRiskMeta(extra, model);
  const models: Model[] = [model, ...risk.ensembleParams.map((p) => ({ config: model.config, params: Float32Array.from(p) }))];
  const { window, horizon, split, backend } = result.report.settings;
  const market = parseMarketData(csvText, risk.dataOptions);
  const splits = chronologicalSplits(market.dates.length, split);
  const trainOrigins = windowOrigins(splits.train, window, horizon);
  const origins = windowOrigins(splits.test, window, horizon);
  const tail = gaussianTail(0.99);
  const out: TestSeries[] = [];
  for (const s of market.series) {
    const targets = varianceTargets(s.returns, horizon);
    const baselines = baselineForecasts(s.returns, horizon, fitBaselines(s.returns, targets, splits.train.to, trainOrigins));
    const x = buildWindows(featureMatrix(s), risk.scaler, origins, window);
    const lstm = memberVariances(await memberOutputs(models, x, origins.length, window, backend), risk.calibration).mean;
    const at = (full: Float64Array) => Float64Array.from(origins, (t) => full[t]);
    const forecasts: Record<ModelName, Float64Array> = { lstm, har: at(baselines.har), garch: at(baselines.garch), ewma: at(baselines.ewma) };
    out.push({
      name: s.name,
      horizon,
      dates: origins.map((t) => market.dates[t + 1]),
      returns: Float64Array.from(origins, (t) => s.returns[t + 1]),
      realized: at(targets),
      forecasts,
      var99: perModel((m) => forecasts[m].map((v) => valueAtRisk(Math.sqrt(v / horizon), tail))),
    });
  }
  return out;
}

/** Models whose rebuilt exceptions differ from the report's (none, unless the pipeline's method changed). */
export function disagreements(series: TestSeries[], result: PipelineResult): string[] {
  return series.flatMap((s, i) =>
    MODEL_NAMES.flatMap((m) => {
      const reported = result.report.series[i]?.var[m]['0.99'].exceptions;
      const rebuilt = exceptionCount(s, m);
      return reported === rebuilt ? [] : [`${s.name} ${m}: ${rebuilt} exceptions in the chart, ${reported} in the report`];
    }),
  );
}
