// The page: WebGPU status, data, settings, training or a walk-forward backtest in a worker with live progress,
// results (with what drives the trained LSTM's forecasts) and downloads.
import { UserError } from '../errors.js';
import { BUNDLED_DATA_NAME, type DataOptions } from '../finance/data.js';
import { DEFAULT_BACKTEST_OPTIONS, resolveBacktestOptions, RISK_CONTROL_SPECS, WALK_FORWARD_SPECS, type BacktestOptions } from '../finance/options.js';
import type { PipelineResult } from '../finance/pipeline.js';
import { forecastsCsv } from '../finance/walkForward.js';
import { BacktestView } from './backtest.js';
import type { PipelineProgress } from '../finance/steps.js';
import { ExplainView } from './explainView.js';
import { detectGpu } from './gpuStatus.js';
import { LossChart } from './lossChart.js';
import { modelTextFromFiles } from './modelFile.js';
import type { BacktestRequest, ExplainRequest, ForecastRequest, FromWorker, LoadRequest, TrainedModel, TrainRequest } from './protocol.js';
import { Results } from './results.js';
import { SettingsForm, SpecFields, type Settings } from './settings.js';
import { BUNDLED_TEXT, describeSource, loadSource, readFileBytes, type DataSource } from './source.js';
import './styles.css';

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return el as T;
}

/** Shows a message in an error box, or hides the box for null. */
function showError(box: HTMLElement, message: string | null): void {
  box.hidden = message === null;
  box.textContent = message ?? '';
}

function errorText(e: unknown): string {
  return e instanceof UserError ? e.message : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function download(name: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

const form = new SettingsForm($('fields'));
const lossChart = new LossChart($('loss-chart'));
const results = new Results(
  {
    summary: $('results-summary'),
    seriesPicker: $<HTMLSelectElement>('series-picker'),
    charts: $('charts'),
    forecast: $('forecast-chart'),
    risk: $('var-chart'),
    backtests: $('backtests'),
    table: $<HTMLTableElement>('backtest-table'),
    nextDay: $('next-day'),
    nextDayTables: $('next-day-tables'),
  },
  (series, day) => explainDay(series, day),
);
const explainView = new ExplainView({
  state: $('explain-state'),
  day: $('explain-day'),
  numbers: $('explain-numbers'),
  drivers: $('explain-drivers'),
  heatmap: $('explain-heatmap'),
  importance: $('importance-chart'),
});
const walkForwardFields = new SpecFields<BacktestOptions>($('wf-fields'), [...WALK_FORWARD_SPECS, ...RISK_CONTROL_SPECS], DEFAULT_BACKTEST_OPTIONS, ['testFrom', 'testYears', 'varLimit']);
const backtestView = new BacktestView({
  section: $('walk-forward-section'),
  summary: $('wf-summary'),
  table: $<HTMLTableElement>('wf-table'),
  qlikeChart: $('wf-qlike-chart'),
  equityChart: $('wf-equity-chart'),
  drawdownChart: $('wf-drawdown-chart'),
  volChart: $('wf-vol-chart'),
});
const trainButton = $<HTMLButtonElement>('train');
const backtestButton = $<HTMLButtonElement>('backtest');
const stopButton = $<HTMLButtonElement>('stop');
const progressBar = $<HTMLProgressElement>('progress');
const progressText = $('progress-text');
const runState = $('run-state');
const runError = $('run-error');
const dataError = $('data-error');
const modelError = $('model-error');

let source: DataSource | null = null;
/** The file or bundled text last chosen, kept to re-read it when the column options change. */
let chosen: { name: string; text: string } | null = null;
let result: PipelineResult | null = null;
/** The report on show: a training run's, or a loaded model's forecast (as the CLI's predict --report writes it). */
let report: { name: string; text: string } | null = null;
let worker: Worker | null = null;
let stopFlag: Int32Array | null = null;
/** Stop was pressed during the run in progress. */
let stopRequested = false;
let running: { kind: 'train' | 'backtest' | 'forecast'; started: number; modelFile?: string } | null = null;
/** The last walk-forward backtest's forecasts CSV, as the CLI's --forecasts writes it. */
let forecastsText: string | null = null;
/** The data a training run started with, and once it is done its model: what a day's explanation needs. */
let trainedOn: Omit<TrainedModel, 'modelText'> | null = null;
let explainable: TrainedModel | null = null;
/** The latest explanation asked for: older answers are ignored, and a second click on the same day asks nothing. */
let explainId = 0;
let explainAsked = '';

// --- 1. WebGPU status -------------------------------------------------------------------------------------
async function showGpuStatus(): Promise<void> {
  const status = await detectGpu();
  const line = $('gpu-status');
  line.textContent = status.summary;
  line.dataset.state = !status.available ? 'missing' : status.isFallback ? 'fallback' : 'ok';
  const advice = $('gpu-advice');
  advice.hidden = !status.advice;
  advice.textContent = status.advice ?? '';
  if (!status.available) form.offerCpuOnly();
}

// --- 2. Data ------------------------------------------------------------------------------------------------
/** The column options, as the CLI's --date, --price, --returns and --returns-unit give them. */
function columnOptions(): DataOptions {
  const text = (id: string) => $<HTMLInputElement>(id).value.trim();
  const prices = text('col-price').split(',').map((p) => p.trim()).filter((p) => p !== '');
  const options: DataOptions = {};
  if (text('col-date')) options.dateColumn = text('col-date');
  if (prices.length) options.priceColumns = prices;
  if (text('col-returns')) {
    options.returnsColumn = text('col-returns');
    options.returnsUnit = $<HTMLSelectElement>('col-unit').value as 'decimal' | 'percent';
  }
  return options;
}

/** Shows a parsed data source (or the error that refused it). */
function showSource(name: string, loaded: { data: DataSource['data']; text: string; options: DataOptions } | { error: string }): void {
  $('data-summary').textContent = '';
  $('data-warnings').replaceChildren();
  if ('error' in loaded) {
    source = null;
    showError(dataError, `${name}: ${loaded.error}`);
    return;
  }
  source = { name, ...loaded };
  showError(dataError, null);
  $('data-summary').textContent = describeSource(source);
  $('data-warnings').replaceChildren(
    ...loaded.data.warnings.map((w) => {
      const li = document.createElement('li');
      li.textContent = w;
      return li;
    }),
  );
}

/** The bundled data: small, parsed here at once. */
function useText(name: string, text: string): void {
  chosen = { name, text };
  try {
    showSource(name, loadSource(name, text, columnOptions()));
  } catch (e) {
    showSource(name, { error: errorText(e) });
  }
}

/** The latest data request sent to the worker: older answers are ignored. */
let loadId = 0;

/** A user's file (or new column options for it): decoded and parsed in the worker, so the page never freezes. */
function loadInWorker(name: string, payload: { bytes: ArrayBuffer } | { text: string }): void {
  source = null;
  $('data-summary').textContent = 'reading the file…';
  const request: LoadRequest = { type: 'load', id: ++loadId, name, options: columnOptions(), ...payload };
  ensureWorker().postMessage(request, 'bytes' in payload ? [payload.bytes] : []);
}

function loaded(message: Extract<FromWorker, { type: 'loaded' | 'load-failed' }>): void {
  if (message.id !== loadId) return;
  if (message.type === 'load-failed') return showSource(message.name, { error: message.message });
  chosen = { name: message.name, text: message.text };
  showSource(message.name, { data: message.data, text: message.text, options: columnOptions() });
}

async function useFile(file: File): Promise<void> {
  try {
    loadInWorker(file.name, { bytes: await readFileBytes(file) });
  } catch (e) {
    showSource(file.name, { error: errorText(e) });
  }
}

function wireData(): void {
  const input = $<HTMLInputElement>('csv-input');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = ''; // choosing the same file again still fires
    if (file) void useFile(file);
  });
  $('use-bundled').addEventListener('click', () => useText(BUNDLED_DATA_NAME, BUNDLED_TEXT));
  for (const id of ['col-date', 'col-price', 'col-returns', 'col-unit']) {
    $(id).addEventListener('change', () => chosen && (chosen.name === BUNDLED_DATA_NAME ? useText(chosen.name, chosen.text) : loadInWorker(chosen.name, { text: chosen.text })));
  }
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (running) showError(dataError, 'wait for the run to finish (or stop it) before changing the data');
    else if (file) void useFile(file);
  });
}

// --- 3. Training, and forecasting with a loaded model --------------------------------------------------
function setRunning(on: boolean): void {
  trainButton.disabled = on;
  backtestButton.disabled = on;
  stopButton.disabled = !on || running?.kind === 'forecast';
  stopButton.textContent = 'Stop';
  form.setEnabled(!on);
  walkForwardFields.setEnabled(!on);
  for (const id of ['use-bundled', 'csv-input', 'model-input', 'col-date', 'col-price', 'col-returns', 'col-unit']) $<HTMLInputElement>(id).disabled = on;
}

/** A backtest's progress: the bar over refits, the member training beside it. */
function showBacktestProgress(p: PipelineProgress): void {
  const w = p.walkForward;
  if (!w) {
    progressBar.removeAttribute('value');
    runState.textContent = `${p.message}…`;
    return;
  }
  progressBar.value = (w.refit - 1) / w.refits;
  runState.textContent = `refit ${w.refit} of ${w.refits} (${w.date})…`;
  const t = p.training;
  const parts = [`refit ${w.refit}/${w.refits}`, w.date, `ETA ${w.etaSeconds === null ? '–' : clock(w.etaSeconds)}`];
  if (t) parts.push(`member ${t.member}/${t.members}`, `epoch ${t.train.epoch}/${t.train.epochs}`, `step ${t.train.step}/${t.train.stepsPerEpoch}`);
  else parts.push('fitting the baselines');
  progressText.textContent = parts.join(' · ');
}

function showProgress(p: PipelineProgress): void {
  if (!running) return;
  if (running.kind === 'backtest') {
    showBacktestProgress(p);
    return;
  }
  const t = p.training;
  if (!t) {
    if (p.stage !== 'training') progressBar.removeAttribute('value'); // indeterminate outside training
    if (p.stage === 'evaluation') stopButton.disabled = true; // training is over: nothing left to stop
    runState.textContent = `${p.message}…`;
    return;
  }
  lossChart.add(t);
  const tp = t.train;
  const done = (t.member - 1 + (tp.epoch - 1 + tp.step / tp.stepsPerEpoch) / tp.epochs) / t.members;
  const elapsed = (performance.now() - running.started) / 1000;
  progressBar.value = done;
  if (!stopButton.disabled) runState.textContent = t.members > 1 ? `training member ${t.member} of ${t.members}…` : 'training…';
  const parts = [
    ...(t.members > 1 ? [`member ${t.member}/${t.members}`] : []),
    `epoch ${tp.epoch}/${tp.epochs}`,
    `step ${tp.step}/${tp.stepsPerEpoch}`,
    `${Math.round(tp.samplesPerSecond).toLocaleString('en-US')} samples/s`,
    `ETA ${clock(t.members > 1 ? (elapsed * (1 - done)) / Math.max(done, 1e-9) : tp.etaSeconds)}`,
  ];
  if (Number.isFinite(tp.trainLoss)) parts.push(`training loss ${tp.trainLoss.toFixed(4)}`);
  if (tp.valLoss !== undefined) parts.push(`validation loss ${tp.valLoss.toFixed(4)}`);
  progressText.textContent = parts.join(' · ');
}

/** A model that failed to load: the Download buttons must not offer an earlier model as if it were this one. */
function noModel(name: string): void {
  result = null;
  report = null;
  $<HTMLButtonElement>('download-model').disabled = true;
  $<HTMLButtonElement>('download-report').disabled = true;
  $('model-summary').textContent = `No model: ${name} could not be used (see the message above).`;
}

/** Empties section 4, forgets the model a day's explanation would use and ignores any explanation still on its way. */
function clearResults(message?: string): void {
  results.clear(message);
  explainView.clear();
  explainable = null;
  explainAsked = '';
  explainId++;
}

function explainDay(series: number, day: string): void {
  const key = `${series} ${day}`;
  if (!explainable || !result || key === explainAsked) return;
  explainAsked = key;
  explainView.explaining(result.testDays[series].name, day);
  const request: ExplainRequest = { type: 'explain', id: ++explainId, series, day, ...explainable };
  ensureWorker().postMessage(request);
}

function explained(message: Extract<FromWorker, { type: 'explained' | 'explain-failed' }>): void {
  if (message.id !== explainId || !explainable) return;
  if (message.type === 'explain-failed') {
    explainAsked = '';
    explainView.failed(message.message);
  } else explainView.show(message.report, message.day);
}

function finish(message: Exclude<FromWorker, { type: 'progress' | 'loaded' | 'load-failed' | 'explained' | 'explain-failed' }>): void {
  const seconds = running ? (performance.now() - running.started) / 1000 : 0;
  const kind = running?.kind;
  const modelFile = running?.modelFile;
  running = null;
  setRunning(false);
  if (message.type === 'trained') {
    result = message.result;
    progressBar.value = 1;
    const { members, stopReason } = result.report.training;
    const best = members.map((m) => m.bestEpoch).join(', ');
    runState.textContent = `${stopReason === 'aborted' ? 'stopped early' : 'done'} in ${clock(seconds)}; best validation epoch ${best} kept`;
    results.showTraining(result);
    explainView.showImportance(result.report.series[0].explain.permutationImportance);
    explainable = trainedOn && { ...trainedOn, modelText: result.modelText };
    report = { name: 'risk-report.json', text: `${JSON.stringify(result.report, null, 2)}\n` };
    $<HTMLButtonElement>('download-model').disabled = false;
    $<HTMLButtonElement>('download-report').disabled = false;
    $('model-summary').textContent = `Trained in this page: ${result.report.training.parameters.toLocaleString('en-US')} parameters per member, ${members.length} member${members.length > 1 ? 's' : ''}.`;
  } else if (message.type === 'backtested') {
    progressBar.value = 1;
    runState.textContent = `backtest done in ${clock(seconds)}`;
    forecastsText = forecastsCsv(message.result);
    backtestView.show(message.result);
    report = { name: 'backtest-report.json', text: `${JSON.stringify(message.result.report, null, 2)}\n` };
    $<HTMLButtonElement>('download-report').disabled = false;
  } else if (message.type === 'forecasted') {
    runState.textContent = `forecast made in ${clock(seconds)}`;
    $('model-summary').textContent = `Forecast with ${modelFile}.`;
    results.showForecast(message.forecast);
    report = { name: 'forecast-report.json', text: `${JSON.stringify(message.forecast, null, 2)}\n` };
    $<HTMLButtonElement>('download-report').disabled = false;
  } else if (kind === 'train' && stopRequested && message.kind === 'user') {
    // Stop pressed before the first step (while WebGPU compiled or chose its kernels): not a failure.
    runState.textContent = 'stopped before the first training step: nothing was trained; the data and settings are kept';
    clearResults();
  } else {
    runState.textContent = message.kind === 'stopped' ? message.message : 'failed';
    if (message.kind === 'stopped') return;
    clearResults();
    const text = message.kind === 'user' ? message.message : `unexpected error: ${message.message}`;
    showError(kind === 'forecast' ? modelError : runError, text);
    if (kind === 'forecast') noModel(modelFile ?? 'the model');
  }
}

function ensureWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  w.addEventListener('message', (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    if (message.type === 'progress') showProgress(message.progress);
    else if (message.type === 'loaded' || message.type === 'load-failed') loaded(message);
    else if (message.type === 'explained' || message.type === 'explain-failed') explained(message);
    else finish(message);
  });
  w.addEventListener('error', (event) => {
    worker = null;
    w.terminate();
    if (running) finish({ type: 'failed', kind: 'internal', message: event.message || 'the worker crashed' });
  });
  worker = w;
  return w;
}

function begin(kind: 'train' | 'backtest' | 'forecast', modelFile?: string): void {
  running = { kind, started: performance.now(), modelFile };
  stopRequested = false;
  setRunning(true);
  progressBar.removeAttribute('value');
  progressText.textContent = '';
  runState.textContent = 'starting…';
}

function startTraining(): void {
  showError(runError, null);
  if (!source) {
    showError(runError, 'load data first (section 1): the bundled S&P 500 or a CSV file');
    return;
  }
  let settings: Settings | null;
  try {
    settings = form.read();
  } catch (e) {
    showError(runError, errorText(e));
    return;
  }
  if (!settings) {
    runState.textContent = 'fix the marked settings';
    return;
  }
  const shared = typeof SharedArrayBuffer !== 'undefined' && crossOriginIsolated ? new SharedArrayBuffer(4) : undefined;
  stopFlag = shared ? new Int32Array(shared) : null;
  showError(modelError, null);
  begin('train');
  result = null; // the downloads offer this run's model and report once it has them
  report = null;
  $<HTMLButtonElement>('download-model').disabled = true;
  $<HTMLButtonElement>('download-report').disabled = true;
  $('model-summary').textContent = '';
  clearResults('Training…');
  trainedOn = { csvText: source.text, dataOptions: source.options, backend: settings.backend };
  lossChart.reset(settings.loss.toUpperCase(), settings.ensemble);
  const request: TrainRequest = { type: 'train', csvText: source.text, source: source.name, options: { ...source.options, ...settings }, stopFlag: shared };
  ensureWorker().postMessage(request);
}

function startBacktest(): void {
  showError(runError, null);
  if (!source) {
    showError(runError, 'load data first (section 1): the bundled S&P 500 or a CSV file');
    return;
  }
  let options: Partial<BacktestOptions>;
  try {
    const settings = form.read();
    const walkForward = walkForwardFields.read();
    if (!settings || !walkForward) {
      runState.textContent = 'fix the marked settings';
      return;
    }
    const { horizon: _h, ...model } = settings;
    options = { ...source.options, ...model, ...walkForward };
    resolveBacktestOptions(options); // the backtest's own checks, the last word (throws a UserError)
  } catch (e) {
    showError(runError, errorText(e));
    return;
  }
  begin('backtest');
  forecastsText = null;
  backtestView.clear();
  const request: BacktestRequest = { type: 'backtest', csvText: source.text, source: source.name, options };
  ensureWorker().postMessage(request);
}

function stopTraining(): void {
  if (running?.kind === 'backtest' && worker) {
    worker.postMessage({ type: 'stop' });
    stopButton.disabled = true;
    runState.textContent = 'stopping…';
    return;
  }
  if (running?.kind !== 'train' || !worker) return;
  stopRequested = true;
  if (stopFlag) Atomics.store(stopFlag, 0, 1);
  worker.postMessage({ type: 'stop' });
  stopButton.disabled = true;
  stopButton.textContent = 'Stopping…';
  runState.textContent = 'stopping at the next step, then evaluating the best weights so far…';
}

async function forecastWith(files: File[]): Promise<void> {
  showError(modelError, null);
  if (!source) {
    showError(modelError, 'load data first (section 1): the model forecasts the day after its last date');
    return;
  }
  let modelText: string;
  try {
    modelText = await modelTextFromFiles(files);
  } catch (e) {
    showError(modelError, errorText(e));
    noModel(files.map((f) => f.name).join(' + '));
    return;
  }
  $('model-summary').textContent = '';
  begin('forecast', files.map((f) => f.name).join(' + '));
  clearResults('Forecasting with the loaded model…');
  const request: ForecastRequest = {
    type: 'forecast',
    modelText,
    csvText: source.text,
    source: source.name,
    dataOptions: source.options,
    backend: form.backend(),
  };
  ensureWorker().postMessage(request);
}

// --- 5. Model and report --------------------------------------------------------------------------------
function wireModel(): void {
  $('download-model').addEventListener('click', () => result && download('webgpu-lstm-model.json', result.modelText));
  $('download-report').addEventListener('click', () => report && download(report.name, report.text));
  $('download-forecasts').addEventListener('click', () => forecastsText && download('forecasts.csv', forecastsText, 'text/csv'));
  const input = $<HTMLInputElement>('model-input');
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length) void forecastWith(files);
  });
}

// The permutation importance chart follows the series picker.
$<HTMLSelectElement>('series-picker').addEventListener('change', (e) => {
  const shown = explainable && result?.report.series[Number((e.target as HTMLSelectElement).value)];
  if (shown) explainView.showImportance(shown.explain.permutationImportance);
});
trainButton.addEventListener('click', startTraining);
backtestButton.addEventListener('click', startBacktest);
stopButton.addEventListener('click', stopTraining);
wireData();
wireModel();
useText(BUNDLED_DATA_NAME, BUNDLED_TEXT);
void showGpuStatus();
