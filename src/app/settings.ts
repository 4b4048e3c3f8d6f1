// The few choices that matter, each with the pipeline's default and bounds; invalid values are refused with a
// message next to the field.
import type { BackendChoice } from '../engine.js';
import { DEFAULT_RISK_OPTIONS, resolveRiskOptions, type RiskOptions } from '../finance/pipeline.js';
import type { LossKind } from '../model.js';

export type Settings = Pick<RiskOptions, 'window' | 'horizon' | 'hidden' | 'layers' | 'dropout' | 'recurrentDropout' | 'epochs' | 'batchSize' | 'learningRate' | 'loss' | 'ensemble' | 'backend'>;
type NumberKey = Exclude<keyof Settings, 'loss' | 'backend'>;

interface NumberField {
  key: NumberKey;
  label: string;
  hint: string;
  min: number;
  max: number;
  integer: boolean;
  /** A rule beyond the bounds; returns the message when the value breaks it. */
  rule?: (v: number) => string | undefined;
}

const NUMBER_FIELDS: NumberField[] = [
  { key: 'window', label: 'Window (days)', hint: 'days of history per forecast', min: 1, max: 250, integer: true },
  { key: 'horizon', label: 'Horizon (days)', hint: 'forecast the next h days’ variance', min: 1, max: 22, integer: true },
  { key: 'hidden', label: 'Hidden size', hint: 'LSTM units per layer', min: 1, max: 1024, integer: true },
  { key: 'layers', label: 'Layers', hint: 'stacked LSTM layers', min: 1, max: 8, integer: true },
  { key: 'dropout', label: 'Dropout', hint: 'share of each layer’s inputs dropped in training', min: 0, max: 0.9, integer: false },
  { key: 'recurrentDropout', label: 'Recurrent dropout', hint: 'share of h(t−1) dropped in training', min: 0, max: 0.9, integer: false },
  { key: 'epochs', label: 'Epochs', hint: 'at most; early stopping on validation', min: 1, max: 10000, integer: true },
  { key: 'batchSize', label: 'Batch size', hint: 'windows per step', min: 1, max: 65536, integer: true },
  { key: 'learningRate', label: 'Learning rate', hint: 'Adam step size', min: 1e-6, max: 0.5, integer: false },
  {
    key: 'ensemble',
    label: 'Ensemble size',
    hint: '1, or 5–100 members',
    min: 1,
    max: 100,
    integer: true,
    rule: (v) => (v > 1 && v < 5 ? 'use 1 (a single model) or 5 to 100 members; fewer than 5 says little about model risk' : undefined),
  },
];

const ids = (key: string) => ({ input: `opt-${key}`, error: `opt-${key}-error` });

function fieldBox(key: string, label: string, hint: string, control: HTMLElement): HTMLElement {
  const { input, error } = ids(key);
  control.id = input;
  control.setAttribute('aria-describedby', error);
  const box = document.createElement('div');
  box.className = 'field';
  const labelEl = document.createElement('label');
  labelEl.htmlFor = input;
  labelEl.textContent = label;
  const hintEl = document.createElement('p');
  hintEl.className = 'hint';
  hintEl.textContent = hint;
  const errorEl = document.createElement('p');
  errorEl.className = 'field-error';
  errorEl.id = error;
  errorEl.setAttribute('aria-live', 'polite');
  box.append(labelEl, control, hintEl, errorEl);
  return box;
}

function select(options: [string, string][], value: string): HTMLSelectElement {
  const el = document.createElement('select');
  for (const [v, text] of options) el.add(new Option(text, v, v === value, v === value));
  return el;
}

/** The checked number, or the message to show next to the field. */
export function checkNumber(field: NumberField, raw: string): { value: number } | { error: string } {
  const text = raw.trim();
  if (text === '') return { error: 'enter a value' };
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: `'${text}' is not a number` };
  if (field.integer && !Number.isInteger(value)) return { error: 'must be a whole number' };
  if (value < field.min || value > field.max) return { error: `must be from ${field.min} to ${field.max}` };
  const broken = field.rule?.(value);
  return broken ? { error: broken } : { value };
}

export class SettingsForm {
  private readonly inputs = new Map<NumberKey, HTMLInputElement>();
  private readonly loss: HTMLSelectElement;
  private readonly backendSelect: HTMLSelectElement;

  constructor(host: HTMLElement) {
    const defaults = DEFAULT_RISK_OPTIONS;
    for (const field of NUMBER_FIELDS) {
      const input = document.createElement('input');
      input.type = 'text';
      input.inputMode = field.integer ? 'numeric' : 'decimal';
      input.value = String(defaults[field.key]);
      input.addEventListener('input', () => this.show(field.key, checkNumber(field, input.value)));
      this.inputs.set(field.key, input);
      host.append(fieldBox(field.key, field.label, `${field.hint} (default ${defaults[field.key]})`, input));
    }
    this.loss = select([['qlike', 'QLIKE'], ['mse', 'MSE on log-variance']], defaults.loss);
    host.append(fieldBox('loss', 'Loss', 'QLIKE ranks variance forecasts robustly', this.loss));
    this.backendSelect = select([['auto', 'Auto (the faster here)'], ['webgpu', 'WebGPU (GPU)'], ['cpu', 'CPU']], defaults.backend);
    host.append(fieldBox('backend', 'Backend', 'where the LSTM trains', this.backendSelect));
  }

  private show(key: string, result: { value: number } | { error: string }): boolean {
    const { input, error } = ids(key);
    const message = 'error' in result ? result.error : '';
    document.getElementById(input)?.setAttribute('aria-invalid', String(message !== ''));
    const errorEl = document.getElementById(error);
    if (errorEl) errorEl.textContent = message;
    return message === '';
  }

  /** Without WebGPU the CPU backend is chosen and the WebGPU option is disabled. */
  offerCpuOnly(): void {
    const gpu = [...this.backendSelect.options].find((o) => o.value === 'webgpu');
    if (gpu) {
      gpu.disabled = true;
      gpu.text = 'WebGPU (unavailable)';
    }
    this.backendSelect.value = 'cpu';
  }

  /** The chosen backend (for forecasting with a loaded model, where the other settings come from the file). */
  backend(): BackendChoice {
    return this.backendSelect.value as BackendChoice;
  }

  setEnabled(enabled: boolean): void {
    for (const input of this.inputs.values()) input.disabled = !enabled;
    this.loss.disabled = !enabled;
    this.backendSelect.disabled = !enabled;
  }

  /** The settings, or null after marking every invalid field (the first one gets the focus). */
  read(): Settings | null {
    const values: Partial<Settings> = { loss: this.loss.value as LossKind, backend: this.backendSelect.value as BackendChoice };
    let firstBad: HTMLInputElement | undefined;
    for (const field of NUMBER_FIELDS) {
      const input = this.inputs.get(field.key)!;
      const result = checkNumber(field, input.value);
      if (this.show(field.key, result) && 'value' in result) values[field.key] = result.value;
      else firstBad ??= input;
    }
    if (firstBad) {
      firstBad.focus();
      return null;
    }
    const settings = values as Settings;
    resolveRiskOptions(settings); // the pipeline's own checks, the last word (throws a UserError)
    return settings;
  }
}
