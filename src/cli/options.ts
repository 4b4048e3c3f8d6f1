// The CLI's options: one table drives util.parseArgs, the conversion to pipeline options, and --help.
import { parseArgs } from 'node:util';
import type { DataOptions } from '../finance/data.js';
import { DEFAULT_RISK_OPTIONS, type RiskOptions } from '../finance/pipeline.js';

/** A mistake on the command line itself: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  value?: string; // the placeholder shown in --help
  help: string;
}

const d = DEFAULT_RISK_OPTIONS;
const percent = (x: number) => Math.round(100 * x);

const DATA: OptionSpec[] = [
  { name: 'data', type: 'string', value: 'FILE', help: 'CSV of daily prices (default: the S&P 500 2000-01-03..2020-04-17 OHLC file that the vega-datasets package ships)' },
  { name: 'date', type: 'string', value: 'COLUMN', help: 'the date column (default: found by name: date, datetime, timestamp, time, day)' },
  {
    name: 'price',
    type: 'string',
    multiple: true,
    value: 'COLUMN',
    help: 'a price column; repeat it or separate names with commas for several series, pooled into one model (default: Adj Close, else Close, else every numeric column)',
  },
  { name: 'returns', type: 'string', value: 'COLUMN', help: 'a column of daily log returns instead of prices' },
  { name: 'returns-unit', type: 'string', value: 'UNIT', help: "unit of --returns: 'decimal' (0.01 = 1%) or 'percent' (default: decimal)" },
];

const ENGINE: OptionSpec[] = [{ name: 'backend', type: 'string', value: 'NAME', help: `'auto' (WebGPU on a GPU; on a CPU-emulated adapter or none, the faster of the two for the shape, measured once), 'webgpu' (Dawn in Node) or 'cpu' (the engine's multi-threaded WebAssembly SIMD path) (default: ${d.backend})` }];

export const TRAIN_OPTIONS: OptionSpec[] = [
  ...DATA,
  { name: 'window', type: 'string', value: 'N', help: `days of features the LSTM sees per forecast (default: ${d.window})` },
  { name: 'horizon', type: 'string', value: 'H', help: `forecast the variance of the next H days' returns (default: ${d.horizon})` },
  { name: 'split', type: 'string', value: 'A/B/C', help: `chronological train/validation/test percentages (default: ${percent(d.split.train)}/${percent(d.split.validation)}/${percent(d.split.test)})` },
  { name: 'hidden', type: 'string', value: 'N', help: `LSTM units per layer (default: ${d.hidden})` },
  { name: 'layers', type: 'string', value: 'N', help: `stacked LSTM layers (default: ${d.layers})` },
  { name: 'dropout', type: 'string', value: 'P', help: `Keras dropout: the share of each LSTM layer's inputs dropped in training, 0 <= P < 1 (default: ${d.dropout})` },
  { name: 'recurrent-dropout', type: 'string', value: 'P', help: `Keras recurrent dropout: the share of h(t-1) dropped in training (default: ${d.recurrentDropout})` },
  { name: 'loss', type: 'string', value: 'NAME', help: `'qlike' (on variance, output read as log-variance) or 'mse' (on log-variance) (default: ${d.loss})` },
  { name: 'epochs', type: 'string', value: 'N', help: `maximum training epochs (default: ${d.epochs})` },
  { name: 'batch', type: 'string', value: 'N', help: `windows per training step (default: ${d.batchSize})` },
  { name: 'lr', type: 'string', value: 'X', help: `Adam learning rate (default: ${d.learningRate})` },
  { name: 'patience', type: 'string', value: 'N', help: `stop after N epochs without a better validation loss; 0 never stops early (default: ${d.patience})` },
  { name: 'ensemble', type: 'string', value: 'K', help: `train K independently initialised members (1, or 5 and more) and report their spread (default: ${d.ensemble})` },
  { name: 'seed', type: 'string', value: 'N', help: `seed of weights and shuffling; member k uses seed + k - 1 (default: ${d.seed})` },
  ...ENGINE,
  { name: 'report', type: 'string', value: 'FILE', help: 'write the JSON report here (only when the run succeeds)' },
  { name: 'out', type: 'string', value: 'FILE', help: 'write the trained model here (only when the run succeeds)' },
  { name: 'quiet', type: 'boolean', short: 'q', help: 'no progress output on stderr' },
  { name: 'help', type: 'boolean', short: 'h', help: 'show this help' },
];

export const PREDICT_OPTIONS: OptionSpec[] = [
  { name: 'model', type: 'string', value: 'PATH', help: "a model written by 'webgpu-lstm train --out', or that model converted to TF.js (its folder or model.json) (required)" },
  ...DATA.map((o) => (o.name === 'data' ? o : { ...o, help: `${o.help.replace(/ \(default:.*\)$/, '')} (default: as in training)` })),
  ...ENGINE,
  { name: 'report', type: 'string', value: 'FILE', help: 'write the forecast as JSON here' },
  { name: 'help', type: 'boolean', short: 'h', help: 'show this help' },
];

export const CONVERT_OPTIONS: OptionSpec[] = [
  { name: 'from', type: 'string', value: 'PATH', help: "the model to read: an engine model file (from 'train --out'), or a TF.js model (its folder or its model.json) (required)" },
  { name: 'to', type: 'string', value: 'PATH', help: 'where to write the other format: a folder (or a .json path) for the TF.js model, a .json file for the engine model (required)' },
  { name: 'help', type: 'boolean', short: 'h', help: 'show this help' },
];

export type Values = Record<string, string | boolean | string[] | undefined>;

/** Strict parsing: an unknown flag or a missing value is a UsageError naming it. */
export function parse(specs: OptionSpec[], args: string[]): Values {
  // parseArgs refuses keys set to undefined, so only the ones a spec has.
  const options = Object.fromEntries(specs.map((s) => [s.name, { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) }]));
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Values;
  } catch (e) {
    if (!String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw e;
    // Node's messages name the flag; its advice about '--' does not fit here.
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.$/, ''));
  }
}

function integer(values: Values, name: string): number | undefined {
  const v = values[name] as string | undefined;
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} takes a whole number (got '${v}')`);
  return Number(v);
}

function number(values: Values, name: string): number | undefined {
  const v = values[name] as string | undefined;
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name} takes a number (got '${v}')`);
  return x;
}

function oneOf<T extends string>(values: Values, name: string, allowed: readonly T[]): T | undefined {
  const v = values[name] as string | undefined;
  if (v !== undefined && !allowed.includes(v as T)) throw new UsageError(`--${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')} (got '${v}')`);
  return v as T | undefined;
}

/** "70/15/15" (percent) or "0.7/0.15/0.15" (fractions). */
function split(values: Values): RiskOptions['split'] | undefined {
  const v = values.split as string | undefined;
  if (v === undefined) return undefined;
  const parts = v.split('/').map(Number);
  const sum = parts.reduce((a, b) => a + b, 0);
  const scale = Math.abs(sum - 100) < 1e-6 ? 100 : Math.abs(sum - 1) < 1e-9 ? 1 : NaN;
  if (parts.length !== 3 || parts.some((p) => !(p > 0)) || Number.isNaN(scale)) {
    throw new UsageError(`--split takes three positive train/validation/test shares adding up to 100, like 70/15/15 (got '${v}')`);
  }
  return { train: parts[0] / scale, validation: parts[1] / scale, test: parts[2] / scale };
}

export function dataOptions(values: Values): DataOptions {
  const prices = (values.price as string[] | undefined)?.flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  const out: DataOptions = {
    dateColumn: values.date as string | undefined,
    priceColumns: prices?.length ? prices : undefined,
    returnsColumn: values.returns as string | undefined,
    returnsUnit: oneOf(values, 'returns-unit', ['decimal', 'percent'] as const),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

export function backend(values: Values) {
  return oneOf(values, 'backend', ['auto', 'webgpu', 'cpu'] as const);
}

/** The pipeline options the flags set (unset flags stay unset: the pipeline's defaults apply). */
export function riskOptions(values: Values): Partial<RiskOptions> {
  const out: Partial<RiskOptions> = {
    ...dataOptions(values),
    window: integer(values, 'window'),
    horizon: integer(values, 'horizon'),
    split: split(values),
    hidden: integer(values, 'hidden'),
    layers: integer(values, 'layers'),
    dropout: number(values, 'dropout'),
    recurrentDropout: number(values, 'recurrent-dropout'),
    loss: oneOf(values, 'loss', ['qlike', 'mse'] as const),
    epochs: integer(values, 'epochs'),
    batchSize: integer(values, 'batch'),
    learningRate: number(values, 'lr'),
    patience: integer(values, 'patience'),
    ensemble: integer(values, 'ensemble'),
    seed: integer(values, 'seed'),
    backend: backend(values),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function optionLines(specs: OptionSpec[]): string {
  const left = specs.map((s) => `  ${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.value ? ` ${s.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return specs.map((s, i) => left[i].padEnd(width) + s.help).join('\n');
}

export const MAIN_HELP = `Usage: webgpu-lstm <command> [options]

Volatility forecasting and market risk with an LSTM trained on WebGPU (or the CPU reference).

Commands:
  train     fit the LSTM and the EWMA, GARCH(1,1) and HAR-RV baselines, backtest VaR/ES, print the table
  predict   forecast the next day's volatility, VaR and ES from a saved model
  convert   turn a model file into a TensorFlow.js LayersModel (model.json + weights.bin), or back

Run 'webgpu-lstm <command> --help' for its options.
Exit codes: 0 success, 1 error (bad data, bad settings, failed run), 2 bad command line, 130 interrupted.`;

export const TRAIN_HELP = `Usage: webgpu-lstm train [options]

Reads daily prices, forecasts the variance of the next H days' log returns with an LSTM (early-stopped on the
validation split) and with EWMA (lambda 0.94), GARCH(1,1) and HAR-RV fitted on the training split, then
scores all four on the same test days: QLIKE, MSE, MAE, Diebold-Mariano against HAR, and one-day VaR / ES at
95% and 99% (Gaussian and filtered historical simulation) with Kupiec, Christoffersen and Basel backtests.

Options:
${optionLines(TRAIN_OPTIONS)}

Example:
  webgpu-lstm train --data prices.csv --backend cpu --report report.json --out model.json`;

export const PREDICT_HELP = `Usage: webgpu-lstm predict --model FILE [options]

Forecasts the volatility, VaR and ES of the trading day after the file's last date with the saved LSTM, next
to EWMA, GARCH(1,1) and HAR-RV refitted on the same file.

Options:
${optionLines(PREDICT_OPTIONS)}

Example:
  webgpu-lstm predict --model model.json --data prices.csv`;

export const CONVERT_HELP = `Usage: webgpu-lstm convert --from PATH --to PATH

Converts between this engine's model file and a TensorFlow.js LayersModel (model.json + weights), the format of
TF.js's model.save() and of 'tensorflowjs_converter --output_format tfjs_layers_model' (from a Keras model). A risk
model keeps its settings in model.json's userDefinedMetadata, so 'predict' reads the converted model too.

Options:
${optionLines(CONVERT_OPTIONS)}

Examples:
  webgpu-lstm convert --from model.json --to tfjs-model/
  webgpu-lstm convert --from tfjs-model/ --to model.json`;
