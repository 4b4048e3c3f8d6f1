// The CLI's options: the finance options table (src/finance/options.ts) and the few flags of the CLI alone drive
// util.parseArgs, the conversion to pipeline options, and --help.
import { parseArgs } from 'node:util';
import { FREQUENCIES, type DataOptions } from '../finance/data.js';
import { QUADRATURES, type Quadrature } from '../train/attributions.js';
import { DEFAULT_BACKTEST_OPTIONS, DEFAULT_RISK_OPTIONS, GARCH_SPECS, LSTM_SPECS, RISK_CONTROL_SPECS, WALK_FORWARD_SPECS, type BacktestOptions, type OptionSpec as FinanceSpec, type RiskOptions } from '../finance/options.js';

/** A mistake on the command line itself: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface OptionSpec {
  name: string;
  /** The finance option this flag sets (absent for the CLI's own flags). */
  spec?: FinanceSpec;
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  value?: string; // the placeholder shown in --help
  help: string;
}

const percent = (x: number) => Math.round(100 * x);

/** The flag of a finance option, its help ending with the default that the command uses. */
function flag(spec: FinanceSpec, defaults: object): OptionSpec {
  const d = (defaults as Record<string, unknown>)[spec.key];
  return { name: spec.flag, type: 'string', value: spec.value, spec, help: d === undefined ? spec.help : `${spec.help} (default: ${String(d)})` };
}

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
  { name: 'decimal', type: 'string', value: 'SEP', help: "the numbers' decimal separator, '.' or ',' (default: inferred from the values, then the delimiter: ';' files use ',')" },
  { name: 'date-format', type: 'string', value: 'ORDER', help: "order of numeric dates such as 03.04.2020: 'dmy', 'mdy' or 'ymd' (default: inferred from the whole column)" },
  { name: 'frequency', type: 'string', value: 'NAME', help: "the data's sampling: 'daily', 'weekly', 'monthly' or 'intraday'; forecasts and VaR are one period ahead (default: inferred from the dates; only daily is taken unasked)" },
];

const BACKEND = LSTM_SPECS.find((s) => s.key === 'backend')!;
const ENGINE: OptionSpec[] = [flag(BACKEND, DEFAULT_RISK_OPTIONS)];
const d = DEFAULT_RISK_OPTIONS;
const QUIET: OptionSpec = { name: 'quiet', type: 'boolean', short: 'q', help: 'no progress output on stderr' };
const HELP: OptionSpec = { name: 'help', type: 'boolean', short: 'h', help: 'show this help' };

export const TRAIN_OPTIONS: OptionSpec[] = [
  ...DATA,
  ...LSTM_SPECS.filter((spec) => spec.key !== 'backend').map((spec) => flag(spec, d)),
  { name: 'split', type: 'string', value: 'A/B/C', help: `chronological train/validation/test percentages (default: ${percent(d.split.train)}/${percent(d.split.validation)}/${percent(d.split.test)})` },
  ...GARCH_SPECS.map((spec) => flag(spec, d)),
  ...ENGINE,
  { name: 'report', type: 'string', value: 'FILE', help: 'write the JSON report here (only when the run succeeds)' },
  { name: 'out', type: 'string', value: 'FILE', help: 'write the trained model here (only when the run succeeds)' },
  QUIET,
  HELP,
];

export const BACKTEST_OPTIONS: OptionSpec[] = [
  ...DATA,
  ...LSTM_SPECS.filter((spec) => spec.key !== 'horizon').map((spec) => flag(spec, DEFAULT_BACKTEST_OPTIONS)),
  ...GARCH_SPECS.map((spec) => flag(spec, DEFAULT_BACKTEST_OPTIONS)),
  ...WALK_FORWARD_SPECS.map((spec) => flag(spec, DEFAULT_BACKTEST_OPTIONS)),
  ...RISK_CONTROL_SPECS.map((spec) => flag(spec, DEFAULT_BACKTEST_OPTIONS)),
  { name: 'report', type: 'string', value: 'FILE', help: 'write the JSON report here (only when the run succeeds)' },
  { name: 'forecasts', type: 'string', value: 'FILE', help: 'write every day\'s forecasts, VaR, ES and positions as CSV here (only when the run succeeds)' },
  QUIET,
  HELP,
];

export const PREDICT_OPTIONS: OptionSpec[] = [
  { name: 'model', type: 'string', value: 'PATH', help: "a model written by 'webgpu-lstm train --out', or that model converted to TF.js (its folder or model.json) (required)" },
  ...DATA.map((o) => (o.name === 'data' ? o : { ...o, help: `${o.help.replace(/ \(default:.*\)$/, '')} (default: as in training)` })),
  ...ENGINE,
  { name: 'report', type: 'string', value: 'FILE', help: 'write the forecast as JSON here' },
  HELP,
];

export const EXPLAIN_OPTIONS: OptionSpec[] = [
  { name: 'model', type: 'string', value: 'FILE', help: "a model written by 'webgpu-lstm train --out' (required)" },
  { name: 'data', type: 'string', value: 'FILE', help: 'CSV of daily prices (default: the bundled S&P 500 file)' },
  { name: 'date', type: 'string', value: 'YYYY-MM-DD', help: "the day whose forecast (made at that day's close) to explain (default: the file's last day)" },
  { name: 'from', type: 'string', value: 'YYYY-MM-DD', help: 'explain every day from this one (with --to: a range; the mean absolute attributions too)' },
  { name: 'to', type: 'string', value: 'YYYY-MM-DD', help: 'explain every day up to this one' },
  { name: 'steps', type: 'string', value: 'N', help: 'integrated-gradient interpolation points (default: 32)' },
  { name: 'quadrature', type: 'string', value: 'RULE', help: "how the path integral is summed over them: 'gauss-legendre' (default) or 'midpoint'" },
  ...ENGINE,
  { name: 'json', type: 'string', value: 'FILE', help: 'write the attributions as JSON here' },
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

export function integer(values: Values, name: string): number | undefined {
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
    decimal: oneOf(values, 'decimal', ['.', ','] as const),
    dateFormat: oneOf(values, 'date-format', ['dmy', 'mdy', 'ymd'] as const),
    frequency: oneOf(values, 'frequency', FREQUENCIES),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

export function quadrature(values: Values): Quadrature | undefined {
  return oneOf(values, 'quadrature', QUADRATURES);
}

export function backend(values: Values) {
  return specValue(values, BACKEND) as RiskOptions['backend'] | undefined;
}

/** A finance option's value from its flag, converted by kind (the pipeline checks the bounds). */
function specValue(values: Values, spec: FinanceSpec): unknown {
  if (spec.kind === 'integer') return integer(values, spec.flag);
  if (spec.kind === 'number') return number(values, spec.flag);
  if (spec.kind === 'choice') return oneOf(values, spec.flag, Object.keys(spec.choices));
  return values[spec.flag];
}

/** The options the flags set (unset flags stay unset: the pipeline's defaults apply). */
function optionsFrom(specs: OptionSpec[], values: Values): Record<string, unknown> {
  const out: Record<string, unknown> = { ...dataOptions(values) };
  for (const { spec } of specs) if (spec) out[spec.key] = specValue(values, spec);
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

export function riskOptions(values: Values): Partial<RiskOptions> {
  return { ...optionsFrom(TRAIN_OPTIONS, values), ...(values.split === undefined ? {} : { split: split(values) }) };
}

export function backtestOptions(values: Values): Partial<BacktestOptions> {
  return optionsFrom(BACKTEST_OPTIONS, values);
}

function optionLines(specs: OptionSpec[]): string {
  const left = specs.map((s) => `  ${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.value ? ` ${s.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return specs.map((s, i) => left[i].padEnd(width) + s.help).join('\n');
}

export const MAIN_HELP = `Usage: webgpu-lstm <command> [options]

Volatility forecasting and market risk with an LSTM trained on WebGPU (or the CPU reference).

Commands:
  train     fit the LSTM and the EWMA, GARCH, GJR, HAR and log-HAR baselines, backtest VaR/ES, print the table
  backtest  walk-forward: re-fit every model through the last years, one-day-ahead forecasts, tests, VaR backtests
  predict   forecast the next day's volatility, VaR and ES from a saved model
  convert   turn a model file into a TensorFlow.js LayersModel (model.json + weights.bin), or back
  explain   which days and features drive a saved model's forecast (integrated gradients)

Run 'webgpu-lstm <command> --help' for its options.
Exit codes: 0 success, 1 error (bad data, bad settings, failed run), 2 bad command line, 130 interrupted.`;

export const TRAIN_HELP = `Usage: webgpu-lstm train [options]

Reads daily prices, forecasts the variance of the next H days' log returns with an LSTM (early-stopped on the
validation split) and with EWMA (lambda 0.94), GARCH(1,1), GJR-GARCH(1,1), HAR and log-HAR fitted on the training
and validation splits, then scores all six on the same test days: QLIKE, MSE, MAE, Diebold-Mariano of the LSTM
against each, and one-day VaR / ES at 95%, 97.5% and 99% (Student-t, Gaussian and filtered historical simulation)
from each model's one-day variance, with Kupiec, Christoffersen, Basel and Acerbi-Szekely Z2 backtests. With H > 1
the H-day VaR is also backtested against the H-day returns, on non-overlapping windows.

Options:
${optionLines(TRAIN_OPTIONS)}

Example:
  webgpu-lstm train --data prices.csv --backend cpu --report report.json --out model.json`;

export const BACKTEST_HELP = `Usage: webgpu-lstm backtest [options]

Walk-forward (rolling-origin) evaluation: over the out-of-sample period (default: the last half of the data, at
least 2 years) every forecast of day t+1 uses data up to day t only. The baselines (EWMA, GARCH, GJR, HAR, log-HAR) are
re-estimated every --refit-every days, on an expanding or a rolling window; the LSTM ensemble is re-trained every
--retrain-every days on all data so far (its last 15% early-stops it), warm-started from its previous weights.
The schedule starts at the first out-of-sample day, so appending rows never changes an earlier forecast. Prints
QLIKE and MSE per model, Diebold-Mariano tests of the LSTM against each baseline, the Model Confidence Set, the
VaR and ES backtests, and the volatility-targeting strategy of each model.

Options:
${optionLines(BACKTEST_OPTIONS)}

Example:
  webgpu-lstm backtest --data prices.csv --test-from 2015-01-02 --report backtest.json --forecasts forecasts.csv`;

export const PREDICT_HELP = `Usage: webgpu-lstm predict --model FILE [options]

Forecasts the volatility, VaR and ES of the trading day after the file's last date with the saved LSTM, next
to EWMA, GARCH(1,1), GJR-GARCH(1,1), HAR and log-HAR refitted on the same file.

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


export const EXPLAIN_HELP = `Usage: webgpu-lstm explain --model FILE [--date D | --from D --to D] [options]

Takes the LSTM's log-variance forecast apart with integrated gradients: for each day, how much each feature at
each lag (0 = the day itself) moved the forecast away from the baseline's (every feature at its training mean).
The attributions add up to forecast - baseline forecast; the completeness error says how closely.

Options:
${optionLines(EXPLAIN_OPTIONS)}

Example:
  webgpu-lstm explain --model model.json --date 2020-03-16 --json explain.json`;
