// Results that cannot be right: a model whose forecasts fail these checks gets warnings, and its VaR and
// traffic light are not shown as valid. The checks are deliberately loose: they catch failures (a diverged
// network, a split taken as a crash, a series of unchanged prices), not merely poor models.
import { MOSTLY_STALE_SHARE, type DataQuality } from './dataQuality.js';
import { forecastLosses } from './metrics.js';

/** Plausible variance forecasts lie within this factor of the training split's mean target, either way. */
export const PLAUSIBLE_VARIANCE_FACTOR = 1000;
/** A mean QLIKE above this is beyond any working forecast (a factor of about 13 off on average). */
export const QLIKE_BOUND = 10;
/** "Far worse than naive": a mean QLIKE this much above the constant forecast's. */
export const NAIVE_MARGIN = 1;
/** Standardised residuals' 1% quantile lies in this band for any model whose variances fit (Gaussian: -2.33). */
const TAIL_99_BAND = [-10, -1] as const;

export interface Sanity {
  valid: boolean;
  problems: string[];
}

export interface ForecastCheck {
  /** Which forecasts, for messages: 'the LSTM's validation forecasts'. */
  what: string;
  /** Variance forecasts (percent²) and the targets (sums of squared returns) they forecast. */
  forecasts: ArrayLike<number>;
  targets: ArrayLike<number>;
  /** The training split's mean target: the naive constant forecast, and the scale of plausible ones. */
  trainMean: number;
}

const g = (x: number) => x.toPrecision(3);

/** Variances that cannot be right: non-finite, non-positive, or beyond PLAUSIBLE_VARIANCE_FACTOR of `scale` either way. */
export function varianceProblems(what: string, forecasts: ArrayLike<number>, scale: number): string[] {
  const values = Array.from(forecasts);
  if (values.some((f) => !Number.isFinite(f) || f <= 0)) return [`${what} include non-finite or non-positive variances`];
  const lo = scale / PLAUSIBLE_VARIANCE_FACTOR;
  const hi = scale * PLAUSIBLE_VARIANCE_FACTOR;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (min >= lo && max <= hi) return [];
  const range = min === max ? g(min) : `${g(min)}..${g(max)}`;
  return [`${what}: variance ${range} (percent²), outside the plausible ${g(lo)}..${g(hi)} (${PLAUSIBLE_VARIANCE_FACTOR}x either way of the mean)`];
}

/** Problems with one set of forecasts: implausible variances, QLIKE far worse than naive or beyond bound. */
export function forecastProblems(c: ForecastCheck): string[] {
  const problems = varianceProblems(c.what, c.forecasts, c.trainMean);
  if (problems.length > 0 && problems[0].includes('non-finite')) return problems;
  const model = forecastLosses(c.targets, c.forecasts).qlike;
  const naive = forecastLosses(c.targets, new Float64Array(c.forecasts.length).fill(c.trainMean)).qlike;
  if (!(model <= QLIKE_BOUND)) problems.push(`${c.what} have a QLIKE of ${g(model)}, beyond any working forecast (${QLIKE_BOUND})`);
  else if (model > naive + NAIVE_MARGIN) problems.push(`${c.what} have a QLIKE of ${g(model)}, far worse than the ${g(naive)} of forecasting the training mean every day: the fit failed (diverged training, a learning rate too large)`);
  return problems;
}

/**
 * Problems with a model's standardised residuals (the filtered-historical-simulation tail): residuals standardised
 * by variances that do not fit the returns give an absurd 1% quantile (`quantile99`).
 */
export function tailProblems(what: string, quantile99: number): string[] {
  const q = quantile99;
  return q >= TAIL_99_BAND[0] && q <= TAIL_99_BAND[1] ? [] : [`${what}'s standardised residuals have a 1% quantile of ${g(q)}, outside ${TAIL_99_BAND[0]}..${TAIL_99_BAND[1]}: its variances do not fit the returns`];
}

/** Problems in the data that make every model's forecasts and VaR invalid. */
export function dataProblems(quality: DataQuality): string[] {
  const problems: string[] = [];
  if (quality.implausibleJumps.length > 0) problems.push(`the data has ${quality.implausibleJumps.length === 1 ? 'an implausible jump' : `${quality.implausibleJumps.length} implausible jumps`} (${quality.implausibleJumps[0].date}: ${quality.implausibleJumps[0].returnPercent.toFixed(1)}%), an unadjusted split or a bad price`);
  if (quality.zeroReturnShare > MOSTLY_STALE_SHARE) problems.push(`the data is mostly stale (${(100 * quality.zeroReturnShare).toFixed(0)}% of the returns are zero)`);
  return problems;
}

export function sanity(problems: string[]): Sanity {
  return { valid: problems.length === 0, problems };
}

/** One series' results, as the runners have them: arrays indexed by forecast origin (NaN where none was made). */
export interface ResultsCheck {
  targets: Float64Array;
  /** The origins scored (the test split, or the out-of-sample days). */
  scored: number[];
  /** Each model's variance forecasts. */
  forecasts: Record<string, Float64Array>;
  /** The mean target over the days the models were fitted on. */
  trainMean: number;
  /** The network's forecasts on its validation (early-stopping) days, where a failed fit shows first. */
  lstmValidation?: { origins: number[]; forecasts: Float64Array };
  /** Each model's 1% quantile of standardised residuals (its FHS tail), where it has one. */
  tailQuantiles?: Record<string, number>;
}

/** Every model's sanity on one series: the data's problems, then its own forecasts' and tail's. */
export function checkResults(c: ResultsCheck, quality: DataQuality): Record<string, Sanity> {
  const common = dataProblems(quality);
  const at = (values: Float64Array, origins: number[]) => Float64Array.from(origins, (t) => values[t]);
  const targetsAt = (origins: number[]) => at(c.targets, origins);
  return Object.fromEntries(
    Object.entries(c.forecasts).map(([model, f]) => {
      const own = [
        ...(model === 'lstm' && c.lstmValidation
          ? forecastProblems({ what: `the ${model} validation forecasts`, forecasts: at(c.lstmValidation.forecasts, c.lstmValidation.origins), targets: targetsAt(c.lstmValidation.origins), trainMean: c.trainMean })
          : []),
        ...forecastProblems({ what: `the ${model} forecasts`, forecasts: at(f, c.scored), targets: targetsAt(c.scored), trainMean: c.trainMean }),
        ...(c.tailQuantiles?.[model] !== undefined ? tailProblems(`the ${model}`, c.tailQuantiles[model]) : []),
      ];
      return [model, sanity([...common, ...own])];
    }),
  );
}

/** One warning line per model that failed, saying its risk figures are not valid. */
export function sanityWarnings(checks: Record<string, Sanity>, series?: string): string[] {
  return Object.entries(checks).flatMap(([model, s]) => (s.valid ? [] : [`${series ? `${series}: ` : ''}${model}: ${s.problems.join('; ')}; its VaR and ES are not valid`]));
}
