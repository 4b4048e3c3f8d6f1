// Every setting of the risk runs, once: name, default, bounds, help text and CLI flag. The pipelines
// (resolveRiskOptions, resolveBacktestOptions), the CLI's flags and --help, and the page's form all read this table.
import { check } from '../errors.js';
import type { BackendChoice } from '../engine.js';
import type { LossKind } from '../model.js';
import type { DataOptions } from './data.js';
import { SPLIT_NAMES, type SplitFractions } from './features.js';

export interface LstmOptions {
  window: number;
  hidden: number;
  layers: number;
  dropout: number; // Keras' dropout on each layer's inputs, in training only
  recurrentDropout: number; // and on h_{t-1}
  loss: LossKind;
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
  ensemble: number;
  seed: number;
  backend: BackendChoice;
}

export type GarchDist = 'normal' | 't';

export interface RiskOptions extends DataOptions, LstmOptions {
  /** Forecast the variance of the next h days (h = 1: tomorrow's). */
  horizon: number;
  split: SplitFractions;
  /** Innovation distribution of the GARCH family's fits (and of their VaR). */
  garchDist: GarchDist;
}

export type WindowKind = 'expanding' | 'rolling';

export interface WalkForwardOptions {
  /** First out-of-sample date (YYYY-MM-DD); else the last testYears years; else the last half of the data. */
  testFrom?: string;
  testYears?: number;
  /** Baselines are re-estimated every refitEvery out-of-sample days. */
  refitEvery: number;
  /** The LSTM is re-trained (warm-started) every retrainEvery out-of-sample days ... */
  retrainEvery: number;
  /** ... for at most this many epochs (the first fit, from scratch, may take `epochs`) ... */
  warmEpochs: number;
  /** ... stopping after this many epochs without a better validation loss (the first fit uses `patience`). */
  warmPatience: number;
  windowKind: WindowKind;
  /** Days of the rolling estimation window. */
  fitDays: number;
}

export interface RiskControlOptions {
  /** Annualised volatility target, percent. */
  targetVol: number;
  maxLeverage: number;
  costBps: number;
  /** Largest one-day 99% VaR allowed, percent of capital (undefined: no limit). */
  varLimit?: number;
}

export type BacktestOptions = Omit<RiskOptions, 'split' | 'horizon'> & WalkForwardOptions & RiskControlOptions;

interface SpecBase<K extends string> {
  key: K;
  /** The CLI flag, without the dashes. */
  flag: string;
  /** The placeholder in --help. */
  value: string;
  /** The page's field label. */
  label: string;
  help: string;
}

export interface NumberSpec<K extends string = string> extends SpecBase<K> {
  kind: 'integer' | 'number';
  min: number;
  max: number;
  /** A rule beyond the bounds; returns what is wrong when the value breaks it. */
  rule?: (v: number) => string | undefined;
}

export interface ChoiceSpec<K extends string = string> extends SpecBase<K> {
  kind: 'choice';
  /** value → the page's wording. */
  choices: Record<string, string>;
}

export interface DateSpec<K extends string = string> extends SpecBase<K> {
  kind: 'date';
}

export type OptionSpec<K extends string = string> = NumberSpec<K> | ChoiceSpec<K> | DateSpec<K>;

/** The network and its training: `train`, `backtest` and the page. */
export const LSTM_SPECS: OptionSpec<keyof LstmOptions | 'horizon'>[] = [
  { key: 'window', flag: 'window', value: 'N', kind: 'integer', min: 1, max: 250, label: 'Window (days)', help: 'days of features the LSTM sees per forecast' },
  { key: 'horizon', flag: 'horizon', value: 'H', kind: 'integer', min: 1, max: 22, label: 'Horizon (days)', help: "forecast the variance of the next H days' returns (one-day VaR still comes from a one-day forecast made beside it)" },
  { key: 'hidden', flag: 'hidden', value: 'N', kind: 'integer', min: 1, max: 1024, label: 'Hidden size', help: 'LSTM units per layer' },
  { key: 'layers', flag: 'layers', value: 'N', kind: 'integer', min: 1, max: 8, label: 'Layers', help: 'stacked LSTM layers' },
  { key: 'dropout', flag: 'dropout', value: 'P', kind: 'number', min: 0, max: 0.9, label: 'Dropout', help: "Keras dropout: the share of each LSTM layer's inputs dropped in training" },
  { key: 'recurrentDropout', flag: 'recurrent-dropout', value: 'P', kind: 'number', min: 0, max: 0.9, label: 'Recurrent dropout', help: 'Keras recurrent dropout: the share of h(t-1) dropped in training' },
  { key: 'loss', flag: 'loss', value: 'NAME', kind: 'choice', choices: { qlike: 'QLIKE', mse: 'MSE on log-variance', 'student-t': 'Student-t likelihood (h = 1)' }, label: 'Loss', help: "'qlike' (on variance, output read as log-variance), 'mse' (on log-variance) or 'student-t' (likelihood of the next return, with the network's own ν for VaR/ES; horizon 1 only)" },
  { key: 'epochs', flag: 'epochs', value: 'N', kind: 'integer', min: 1, max: 10000, label: 'Epochs', help: 'maximum training epochs (early stopping on validation)' },
  { key: 'batchSize', flag: 'batch', value: 'N', kind: 'integer', min: 1, max: 65536, label: 'Batch size', help: 'windows per training step' },
  { key: 'learningRate', flag: 'lr', value: 'X', kind: 'number', min: 1e-6, max: 0.5, label: 'Learning rate', help: 'Adam learning rate' },
  { key: 'patience', flag: 'patience', value: 'N', kind: 'integer', min: 0, max: 10000, label: 'Patience', help: 'stop after N epochs without a better validation loss; 0 never stops early' },
  {
    key: 'ensemble',
    flag: 'ensemble',
    value: 'K',
    kind: 'integer',
    min: 1,
    max: 100,
    label: 'Ensemble size',
    help: 'train K independently initialised members (1, or 5 to 100) and report their spread',
    rule: (v) => (v > 1 && v < 5 ? 'use 1 (a single model) or 5 to 100 members; fewer than 5 says little about model risk' : undefined),
  },
  { key: 'seed', flag: 'seed', value: 'N', kind: 'integer', min: 0, max: 2 ** 31, label: 'Seed', help: 'seed of weights and shuffling; member k uses seed + k - 1' },
  {
    key: 'backend',
    flag: 'backend',
    value: 'NAME',
    kind: 'choice',
    choices: { auto: 'Auto (the faster here)', webgpu: 'WebGPU (GPU)', cpu: 'CPU' },
    label: 'Backend',
    help: "'auto' (WebGPU on a GPU; on a CPU-emulated adapter or none, the faster of the two for the shape, measured once), 'webgpu' (Dawn in Node) or 'cpu' (the engine's multi-threaded WebAssembly SIMD path)",
  },
];

export const GARCH_SPECS: OptionSpec<'garchDist'>[] = [
  { key: 'garchDist', flag: 'garch-dist', value: 'NAME', kind: 'choice', choices: { t: 'Student-t', normal: 'Gaussian' }, label: 'GARCH innovations', help: "innovation distribution of GARCH and GJR: 't' (standardised Student-t) or 'normal'" },
];

export const WALK_FORWARD_SPECS: OptionSpec<keyof WalkForwardOptions>[] = [
  { key: 'testFrom', flag: 'test-from', value: 'DATE', kind: 'date', label: 'Out of sample from', help: 'first out-of-sample date, YYYY-MM-DD (default: the last half of the data, at least 2 years)' },
  { key: 'testYears', flag: 'test-years', value: 'N', kind: 'number', min: 0.5, max: 100, label: 'Out-of-sample years', help: 'the last N years out of sample, instead of --test-from' },
  { key: 'refitEvery', flag: 'refit-every', value: 'N', kind: 'integer', min: 1, max: 2520, label: 'Refit every (days)', help: 're-estimate the baselines every N out-of-sample days' },
  { key: 'retrainEvery', flag: 'retrain-every', value: 'N', kind: 'integer', min: 1, max: 2520, label: 'Retrain every (days)', help: 're-train the LSTM (warm-started) every N out-of-sample days' },
  { key: 'warmEpochs', flag: 'warm-epochs', value: 'N', kind: 'integer', min: 1, max: 10000, label: 'Warm-start epochs', help: 'most epochs of a warm-started re-training (the first fit, from scratch, may take --epochs)' },
  {
    key: 'warmPatience',
    flag: 'warm-patience',
    value: 'N',
    kind: 'integer',
    min: 1,
    max: 10000,
    label: 'Warm-start patience',
    help: 'a warm-started re-training stops after N epochs without a better validation loss (the first fit uses --patience)',
  },
  { key: 'windowKind', flag: 'window-kind', value: 'KIND', kind: 'choice', choices: { expanding: 'expanding', rolling: 'rolling' }, label: 'Estimation window', help: "'expanding' (all data up to the refit) or 'rolling' (the last --fit-days)" },
  { key: 'fitDays', flag: 'fit-days', value: 'N', kind: 'integer', min: 250, max: 100000, label: 'Rolling window (days)', help: 'days of a rolling estimation window' },
];

export const RISK_CONTROL_SPECS: OptionSpec<keyof RiskControlOptions>[] = [
  { key: 'targetVol', flag: 'target-vol', value: 'PCT', kind: 'number', min: 0.1, max: 200, label: 'Target volatility (%)', help: 'annualised volatility the vol-targeting strategy aims at, percent' },
  { key: 'maxLeverage', flag: 'max-leverage', value: 'X', kind: 'number', min: 0.1, max: 100, label: 'Maximum leverage', help: 'largest position, in multiples of capital' },
  { key: 'costBps', flag: 'cost-bps', value: 'BPS', kind: 'number', min: 0, max: 1000, label: 'Cost (bps)', help: 'trading cost per unit of position traded, basis points' },
  { key: 'varLimit', flag: 'var-limit', value: 'PCT', kind: 'number', min: 0.01, max: 100, label: 'VaR limit (%)', help: 'largest one-day 99% VaR allowed, percent of capital: each model sizes the position to it' },
];

export const DEFAULT_RISK_OPTIONS: RiskOptions = {
  window: 22,
  horizon: 1,
  split: { train: 0.7, validation: 0.15, test: 0.15 },
  hidden: 32,
  layers: 1,
  dropout: 0,
  recurrentDropout: 0,
  loss: 'qlike',
  epochs: 20,
  batchSize: 64,
  learningRate: 3e-3,
  patience: 5,
  ensemble: 1,
  seed: 1,
  backend: 'auto',
  garchDist: 't',
};

export const DEFAULT_BACKTEST_OPTIONS: BacktestOptions = {
  ...(({ split: _s, horizon: _h, ...rest }) => rest)(DEFAULT_RISK_OPTIONS),
  ensemble: 5,
  refitEvery: 21,
  retrainEvery: 63,
  warmEpochs: 10,
  warmPatience: 1,
  windowKind: 'expanding',
  fitDays: 2520,
  targetVol: 10,
  maxLeverage: 2,
  costBps: 0,
};

/** What is wrong with a value, or undefined when the spec accepts it. */
export function optionProblem(spec: OptionSpec, value: unknown): string | undefined {
  if (spec.kind === 'choice') return Object.hasOwn(spec.choices, String(value)) ? undefined : `must be ${Object.keys(spec.choices).map((c) => `'${c}'`).join(' or ')}`;
  if (spec.kind === 'date') return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'must be a date like 2015-01-02';
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
  if (spec.kind === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
  if (value < spec.min || value > spec.max) return `must be from ${spec.min} to ${spec.max}`;
  return spec.rule?.(value);
}

/** Checks the given keys of `o` against their specs; a bad one is a UserError naming the option and the value. */
function checkSpecs(specs: OptionSpec[], o: object, optional: (key: string) => boolean): void {
  for (const spec of specs) {
    const value = (o as Record<string, unknown>)[spec.key];
    if (value === undefined && optional(spec.key)) continue;
    const problem = optionProblem(spec, value);
    check(problem === undefined, `${spec.flag}: ${problem} (got ${String(value)})`);
  }
}

/** Fills defaults and checks every setting; mistakes are UserErrors naming the option. */
export function resolveRiskOptions(options: Partial<RiskOptions> = {}): RiskOptions {
  const o: RiskOptions = { ...DEFAULT_RISK_OPTIONS, ...options, split: { ...DEFAULT_RISK_OPTIONS.split, ...options.split } };
  checkSpecs([...LSTM_SPECS, ...GARCH_SPECS], o, () => false);
  const parts = SPLIT_NAMES.map((s) => o.split[s]);
  check(parts.every((p) => Number.isFinite(p) && p > 0) && Math.abs(parts.reduce((a, b) => a + b) - 1) < 1e-9, `split fractions must be positive and add up to 1 (got ${parts.join('/')})`);
  check(o.loss !== 'student-t' || o.horizon === 1, `--loss student-t models the next day's return, so it needs --horizon 1 (got ${o.horizon}); use --loss qlike for longer horizons`);
  return o;
}

/** The backtest's settings: defaults filled, every one checked. */
export function resolveBacktestOptions(options: Partial<BacktestOptions> = {}): BacktestOptions {
  const o: BacktestOptions = { ...DEFAULT_BACKTEST_OPTIONS, ...options };
  checkSpecs([...LSTM_SPECS.filter((s) => s.key !== 'horizon'), ...GARCH_SPECS, ...WALK_FORWARD_SPECS, ...RISK_CONTROL_SPECS], o, (key) => key === 'testFrom' || key === 'testYears' || key === 'varLimit');
  check(o.testFrom === undefined || o.testYears === undefined, 'give --test-from or --test-years, not both');
  return o;
}
