// Runs the pipeline off the page's thread. Stop ends training early (the pipeline then evaluates the best weights
// so far). It arrives as a message (handled whenever the pipeline awaits, as WebGPU training does every few steps)
// and, on cross-origin isolated pages, through a shared flag read at every progress report, which also reaches the
// CPU backend's synchronous loop.
import { check, UserError } from '../errors.js';
import { decodeDataFile, parseMarketData } from '../finance/data.js';
import { explainForecast } from '../finance/explain.js';
import { forecastNextDay } from '../finance/forecast.js';
import { runRiskPipeline } from '../finance/pipeline.js';
import { runBacktest } from '../finance/walkForward.js';
import type { BacktestRequest, ExplainRequest, ForecastRequest, FromWorker, LoadRequest, ToWorker, TrainRequest } from './protocol.js';

let stopController: AbortController | undefined;
let stopFlag: Int32Array | undefined;

const post = (message: FromWorker) => self.postMessage(message);

function checkStopFlag(): void {
  if (stopFlag && Atomics.load(stopFlag, 0) === 1) stopController?.abort();
}

async function train(request: TrainRequest, stopTraining: AbortSignal): Promise<FromWorker> {
  const result = await runRiskPipeline(
    { csvText: request.csvText, source: request.source, options: request.options },
    {
      stopTraining,
      onProgress: (progress) => {
        checkStopFlag();
        post({ type: 'progress', progress });
      },
    },
  );
  return { type: 'trained', result };
}

/** The forecast for `day` is made at the close of the trading day before: that is the day explained. */
async function explain(request: ExplainRequest): Promise<FromWorker> {
  const { id, day, modelText, csvText, dataOptions, backend, series } = request;
  try {
    const { dates } = parseMarketData(csvText, dataOptions);
    const t = dates.indexOf(day);
    check(t > 0, `${day} is not a trading day after the first in the data`);
    return { type: 'explained', id, day, report: await explainForecast({ modelText, csvText, dataOptions, backend, series, date: dates[t - 1] }) };
  } catch (e) {
    const error = e as Error;
    return { type: 'explain-failed', id, message: e instanceof UserError ? error.message : `unexpected error: ${error.name}: ${error.message}` };
  }
}

async function forecast(request: ForecastRequest): Promise<FromWorker> {
  const { modelText, csvText, source, dataOptions, backend } = request;
  return { type: 'forecasted', forecast: await forecastNextDay({ modelText, csvText, source, dataOptions, backend }) };
}

async function backtest(request: BacktestRequest, signal: AbortSignal): Promise<FromWorker> {
  const result = await runBacktest({ csvText: request.csvText, source: request.source, options: request.options }, { signal, onProgress: (progress) => post({ type: 'progress', progress }) });
  return { type: 'backtested', result };
}

async function run(request: TrainRequest | BacktestRequest | ForecastRequest): Promise<void> {
  stopController = new AbortController();
  stopFlag = request.type === 'train' && request.stopFlag ? new Int32Array(request.stopFlag) : undefined;
  try {
    post(request.type === 'train' ? await train(request, stopController.signal) : request.type === 'backtest' ? await backtest(request, stopController.signal) : await forecast(request));
  } catch (e) {
    const error = e as Error;
    if (e instanceof UserError) post({ type: 'failed', kind: 'user', message: error.message });
    else if (error.name === 'AbortError') post({ type: 'failed', kind: 'stopped', message: 'stopped; a walk-forward backtest keeps nothing from a run cut short' });
    else post({ type: 'failed', kind: 'internal', message: `${error.name}: ${error.message}` });
  } finally {
    stopController = undefined;
    stopFlag = undefined;
  }
}

function load(request: LoadRequest): FromWorker {
  const { id, name } = request;
  try {
    const text = request.bytes ? decodeDataFile(new Uint8Array(request.bytes)) : (request.text ?? '');
    return { type: 'loaded', id, name, text, data: parseMarketData(text, request.options) };
  } catch (e) {
    const error = e as Error;
    return { type: 'load-failed', id, name, message: e instanceof UserError ? error.message : `unexpected error: ${error.message}` };
  }
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'stop') stopController?.abort();
  else if (message.type === 'load') post(load(message));
  else if (message.type === 'explain') void explain(message).then(post);
  else void run(message);
});
