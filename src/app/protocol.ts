// Messages between the page and the worker that runs the pipeline (so the page stays responsive on any backend).
import type { BackendChoice } from '../engine.js';
import type { DataOptions, MarketData } from '../finance/data.js';
import type { ExplainReport } from '../finance/explain.js';
import type { ForecastReport } from '../finance/forecast.js';
import type { BacktestOptions, RiskOptions } from '../finance/options.js';
import type { BacktestResult } from '../finance/walkForward.js';
import type { PipelineResult } from '../finance/pipeline.js';
import type { PipelineProgress } from '../finance/steps.js';

export interface TrainRequest {
  type: 'train';
  csvText: string;
  source: string;
  options: Partial<RiskOptions>;
  /** Int32Array[1] set to 1 by Stop: read while the CPU backend computes without yielding (cross-origin isolated pages only). */
  stopFlag?: SharedArrayBuffer;
}

/** A walk-forward backtest; Stop cancels it (it has no partial result). */
export interface BacktestRequest {
  type: 'backtest';
  csvText: string;
  source: string;
  options: Partial<BacktestOptions>;
}

/** Forecast the next day with a saved model, without training. */
export interface ForecastRequest {
  type: 'forecast';
  modelText: string;
  csvText: string;
  source: string;
  dataOptions: DataOptions;
  backend: BackendChoice;
}

/** A model trained in the page, with the data and the backend it was trained with. */
export interface TrainedModel {
  modelText: string;
  csvText: string;
  dataOptions: DataOptions;
  backend: BackendChoice;
}

/**
 * After training: which days and features drove the LSTM's forecast for one test day (the day forecast, as the
 * charts date it), by integrated gradients. `id` pairs the answer with the latest request.
 */
export interface ExplainRequest extends TrainedModel {
  type: 'explain';
  id: number;
  /** Index of the series in the file. */
  series: number;
  day: string;
}

/**
 * Decode (from `bytes`) and parse a data file off the page's thread: a large upload would freeze the page.
 * `id` pairs the answer with the latest request.
 */
export interface LoadRequest {
  type: 'load';
  id: number;
  name: string;
  bytes?: ArrayBuffer;
  text?: string;
  options: DataOptions;
}

/** Stop ends training early; the run still evaluates the best weights so far. */
export type ToWorker = TrainRequest | BacktestRequest | ForecastRequest | LoadRequest | ExplainRequest | { type: 'stop' };

/**
 * `user`: a UserError, shown as is (Stop before the first training step is one); `stopped`: Stop cancelled a
 * backtest; `internal`: anything else (a bug or a lost device).
 */
export type FailureKind = 'user' | 'stopped' | 'internal';

export type FromWorker =
  | { type: 'progress'; progress: PipelineProgress }
  /** The result's testDays feed the charts. */
  | { type: 'trained'; result: PipelineResult }
  | { type: 'forecasted'; forecast: ForecastReport }
  | { type: 'backtested'; result: BacktestResult }
  | { type: 'failed'; kind: FailureKind; message: string }
  | { type: 'loaded'; id: number; name: string; text: string; data: MarketData }
  | { type: 'load-failed'; id: number; name: string; message: string }
  /** `day` is the request's (the day forecast); the report's day is the one the forecast was made on, the day before. */
  | { type: 'explained'; id: number; day: string; report: ExplainReport }
  | { type: 'explain-failed'; id: number; message: string };
