// The few choices that matter, each from the options table (src/finance/options.ts): its label, default, bounds and
// help; invalid values are refused with a message next to the field.
import type { BackendChoice } from '../engine.js';
import { DEFAULT_RISK_OPTIONS, LSTM_SPECS, optionProblem, resolveRiskOptions, type NumberSpec, type OptionSpec, type RiskOptions } from '../finance/options.js';
import type { LossKind } from '../model.js';

const FORM_KEYS = ['window', 'horizon', 'hidden', 'layers', 'dropout', 'recurrentDropout', 'epochs', 'batchSize', 'learningRate', 'loss', 'ensemble', 'backend'] as const;
export type Settings = Pick<RiskOptions, (typeof FORM_KEYS)[number]>;
type NumberKey = Exclude<keyof Settings, 'loss' | 'backend'>;

const spec = (key: keyof Settings) => LSTM_SPECS.find((s) => s.key === key)!;
const NUMBER_FIELDS = FORM_KEYS.map(spec).filter((s): s is NumberSpec<NumberKey> => s.kind !== 'choice' && s.kind !== 'date');

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
export function checkNumber(field: NumberSpec, raw: string): { value: number } | { error: string } {
  const text = raw.trim();
  if (text === '') return { error: 'enter a value' };
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: `'${text}' is not a number` };
  const problem = optionProblem(field, value);
  return problem ? { error: problem } : { value };
}

/** A select of a choice option's values, in the table's wording. */
function choiceSelect(key: 'loss' | 'backend', value: string): HTMLSelectElement {
  const s = spec(key);
  return select(s.kind === 'choice' ? Object.entries(s.choices) : [], value);
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
      input.inputMode = field.kind === 'integer' ? 'numeric' : 'decimal';
      input.value = String(defaults[field.key]);
      input.addEventListener('input', () => this.show(field.key, checkNumber(field, input.value)));
      this.inputs.set(field.key, input);
      host.append(fieldBox(field.key, field.label, `${field.help} (default ${defaults[field.key]})`, input));
    }
    this.loss = choiceSelect('loss', defaults.loss);
    host.append(fieldBox('loss', spec('loss').label, spec('loss').help, this.loss));
    this.backendSelect = choiceSelect('backend', defaults.backend);
    host.append(fieldBox('backend', spec('backend').label, spec('backend').help, this.backendSelect));
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

/**
 * Fields for any options of the table (the walk-forward and risk-control ones): numbers and dates as text
 * inputs, choices as selects, each checked as the pipeline checks it. `optional` keys may be left empty (unset).
 */
export class SpecFields<T extends object> {
  private readonly controls = new Map<OptionSpec, HTMLInputElement | HTMLSelectElement>();

  constructor(host: HTMLElement, private readonly specs: OptionSpec[], defaults: T, private readonly optional: string[]) {
    for (const s of specs) {
      const d = (defaults as Record<string, unknown>)[s.key];
      let control: HTMLInputElement | HTMLSelectElement;
      if (s.kind === 'choice') control = select(Object.entries(s.choices), String(d));
      else {
        control = document.createElement('input');
        control.type = 'text';
        control.inputMode = s.kind === 'integer' ? 'numeric' : s.kind === 'number' ? 'decimal' : 'text';
        control.value = d === undefined ? '' : String(d);
        if (s.kind === 'date') control.placeholder = 'YYYY-MM-DD';
        const input = control;
        input.addEventListener('input', () => this.show(s, this.check(s, input.value)));
      }
      this.controls.set(s, control);
      host.append(fieldBox(s.key, s.label, d === undefined ? `${s.help} (optional)` : `${s.help} (default ${String(d)})`, control));
    }
  }

  private check(s: OptionSpec, raw: string): { value: unknown } | { error: string } {
    const text = raw.trim();
    if (text === '' && this.optional.includes(s.key)) return { value: undefined };
    if (s.kind === 'integer' || s.kind === 'number') return checkNumber(s, text);
    const problem = optionProblem(s, text);
    return problem ? { error: problem } : { value: text };
  }

  private show(s: OptionSpec, result: { value: unknown } | { error: string }): boolean {
    const { input, error } = ids(s.key);
    const message = 'error' in result ? result.error : '';
    document.getElementById(input)?.setAttribute('aria-invalid', String(message !== ''));
    const errorEl = document.getElementById(error);
    if (errorEl) errorEl.textContent = message;
    return message === '';
  }

  setEnabled(enabled: boolean): void {
    for (const c of this.controls.values()) c.disabled = !enabled;
  }

  /** The values set (empty optional fields left out), or null after marking every invalid field. */
  read(): Partial<T> | null {
    const out: Record<string, unknown> = {};
    let firstBad: HTMLElement | undefined;
    for (const s of this.specs) {
      const control = this.controls.get(s)!;
      const result = this.check(s, control.value);
      if (!this.show(s, result)) firstBad ??= control;
      else if ('value' in result && result.value !== undefined) out[s.key] = result.value;
    }
    if (firstBad) {
      firstBad.focus();
      return null;
    }
    return out as Partial<T>;
  }
}
