// The shapes of what the risk runs hand back: the JSON reports (stable keys), the model file's risk section,
// and the table rows the CLI and the page show.
import type { DataKind, DataOptions } from './data.js';
import type { DataQuality } from './dataQuality.js';
import type { Sanity } from './sanity.js';
import type { LossKind } from '../model.js';
import type { BackendChoice } from '../engine.js';
import type { HarModel, LogHarModel } from './baselines.js';
import { MODEL_NAMES, type HorizonBacktest, type ModelName, type NextDay, type SeriesEvaluation } from './evaluate.js';
import type { SPLIT_NAMES, Scaler } from './features.js';
import type { GarchSummary } from './garch.js';
import type { GarchDist, RiskOptions } from './options.js';

export interface SplitSummary {
  firstDate: string;
  lastDate: string;
  days: number;
  windows: number;
}

export interface DataSummary {
  source: string;
  kind: DataKind;
  rows: number;
  returns: number;
  firstDate: string;
  lastDate: string;
  series: string[];
  features: string[];
  window: number;
  horizon: number;
  split: Record<(typeof SPLIT_NAMES)[number], SplitSummary>;
  warnings: string[];
}

export interface EnsembleSpread {
  members: number;
  /** Each member's test QLIKE: how much the score depends on the initial weights. */
  memberQlike: number[];
  /** Across test days, the members' volatility forecasts' standard deviation over their mean. */
  relativeSpread: { mean: number; max: number };
}

/** The model-agnostic cross-check of `explain`'s attributions, per feature: the rise in test QLIKE when shuffled. */
export interface ExplainSummary {
  permutationImportance: Record<string, number>;
}

export interface SeriesReport extends SeriesEvaluation {
  name: string;
  garch: GarchSummary;
  gjr: GarchSummary;
  har: HarModel;
  loghar: LogHarModel;
  ewma: { lambda: number };
  ensemble: EnsembleSpread | null;
  explain: ExplainSummary;
  /** With h > 1, h-day VaR backtested against the h-day returns; null when h = 1. */
  horizonVar: HorizonBacktest | null;
  nextDay: NextDay;
  /** Per model: whether its results passed the sanity checks; a model that failed has no traffic light. */
  sanity: Record<ModelName, Sanity>;
}

export interface MemberSummary {
  seed: number;
  epochs: number;
  bestEpoch: number;
  bestValLoss: number | null;
  stopReason: string;
  seconds: number;
  calibration: number;
  /** With h > 1, the scale of the member's one-day variance output. */
  oneDayCalibration?: number;
}

export interface TrainingSummary {
  /** 'aborted': stopTraining ended training early; `members` then holds only the members trained (the last cut short). */
  stopReason: 'completed' | 'aborted';
  backend: BackendChoice;
  adapter: string | null;
  parameters: number;
  windows: { train: number; validation: number };
  members: MemberSummary[];
}

export interface Timing {
  totalSeconds: number;
  dataSeconds: number;
  baselinesSeconds: number;
  trainingSeconds: number;
  evaluationSeconds: number;
  samplesPerSecond: number;
}

/** The JSON report of `train`. The top-level forecasts/garch/var/es/... are the first series'; `series` has every one. */
export interface RiskReport extends Omit<SeriesReport, 'name'> {
  version: 1;
  data: DataSummary;
  settings: Omit<RiskOptions, keyof DataOptions>;
  dataQuality: DataQuality;
  /** Results that cannot be right, one line per model and series: their VaR, ES and traffic light are not valid. */
  warnings: string[];
  series: SeriesReport[];
  training: TrainingSummary;
  timing: Timing;
}

/** What the model file carries besides the weights, under the key `risk`. */
export interface RiskModelMeta {
  version: 1;
  features: string[];
  window: number;
  horizon: number;
  loss: LossKind;
  scaler: Scaler;
  /** Per member: the scale c of its variance forecast c·e^out. */
  calibration: number[];
  /** With h > 1, per member: the scale of its second output, the next day's log-variance (one-day VaR and ES use it). */
  oneDayCalibration?: number[];
  /**
   * The Student-t ν fitted on the LSTM's standardised residuals over the validation windows (out of sample); a
   * network trained with the Student-t loss forecasts its own ν, which predict uses instead ...
   */
  nu: number;
  /** ... and those residuals, for FHS VaR/ES. */
  residuals: number[];
  /** The innovations the GARCH family is refitted with in `predict`. */
  garchDist: GarchDist;
  /** Weights of members 2..K (member 1 is the file's main model). */
  ensembleParams: number[][];
  dataOptions: DataOptions;
  trainedOn: { source: string; kind: DataKind; series: string[]; firstDate: string; lastDate: string };
}

/** The rows the CLI and the app show: one per series and model. */
export interface TableRow {
  series: string;
  model: ModelName;
  qlike: number;
  mse: number;
  /** Diebold–Mariano p-value of the LSTM against this model on QLIKE (null on the LSTM's row). */
  dmP: number | null;
  exceptions99: number;
  expected99: number;
  kupiecP: number;
  christoffersenP: number;
  trafficLight: string | null;
  /** With h > 1, the h-day 99% VaR's exceptions on non-overlapping h-day windows and their Kupiec p-value; else null. */
  horizon99: { exceptions: number; expected: number; kupiecP: number } | null;
  /** False where the model failed its sanity checks: its risk figures are not shown as valid. */
  valid: boolean;
}

export function reportTable(report: RiskReport): TableRow[] {
  return report.series.flatMap((s) =>
    MODEL_NAMES.map((model) => {
      const v = s.var[model]['0.99'];
      const h = s.horizonVar?.var[model]['0.99'];
      return {
        series: s.name,
        model,
        qlike: s.forecasts[model].qlike,
        mse: s.forecasts[model].mse,
        dmP: model === 'lstm' ? null : s.comparison.dm[model].qlike.pValue,
        exceptions99: v.exceptions,
        expected99: v.expected,
        kupiecP: v.kupiecP,
        christoffersenP: v.christoffersenP,
        trafficLight: v.trafficLight,
        horizon99: h ? { exceptions: h.exceptions, expected: h.expected, kupiecP: h.kupiecP } : null,
        valid: s.sanity[model].valid,
      };
    }),
  );
}

