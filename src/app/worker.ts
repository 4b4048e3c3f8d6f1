// Runs the pipeline off the page's thread. Stop arrives as a message (handled whenever the pipeline awaits, as
// WebGPU training does every few steps) and, on cross-origin isolated pages, through a shared flag read at every
// progress report, which also reaches the CPU backend's synchronous loop.
import { UserError } from '../errors.js';
import { forecastNextDay } from '../finance/forecast.js';
import { runRiskPipeline } from '../finance/pipeline.js';
import type { ForecastRequest, FromWorker, ToWorker, TrainRequest } from './protocol.js';
import { buildTestSeries, disagreements } from './testSeries.js';

let controller: AbortController | undefined;
let stopFlag: Int32Array | undefined;

const post = (message: FromWorker) => self.postMessage(message);

function checkStopFlag(): void {
  if (stopFlag && Atomics.load(stopFlag, 0) === 1) controller?.abort();
}

async function train(request: TrainRequest, signal: AbortSignal): Promise<FromWorker> {
  const result = await runRiskPipeline(
    { csvText: request.csvText, source: request.source, options: request.options },
    {
      signal,
      onProgress: (progress) => {
        checkStopFlag();
        post({ type: 'progress', progress });
      },
    },
  );
  post({ type: 'progress', progress: { stage: 'evaluation', message: 'preparing the charts' } });
  const series = await buildTestSeries(result, request.csvText);
  return { type: 'trained', result, series, disagreements: disagreements(series, result) };
}

async function forecast(request: ForecastRequest): Promise<FromWorker> {
  const { modelText, csvText, source, dataOptions, backend } = request;
  return { type: 'forecasted', forecast: await forecastNextDay({ modelText, csvText, source, dataOptions, backend }) };
}

async function run(request: TrainRequest | ForecastRequest): Promise<void> {
  controller = new AbortController();
  stopFlag = request.type === 'train' && request.stopFlag ? new Int32Array(request.stopFlag) : undefined;
  const { signal } = controller;
  try {
    post(request.type === 'train' ? await train(request, signal) : await forecast(request));
  } catch (e) {
    const error = e as Error;
    if (signal.aborted) post({ type: 'failed', kind: 'aborted', message: 'stopped' });
    else if (e instanceof UserError) post({ type: 'failed', kind: 'user', message: error.message });
    else post({ type: 'failed', kind: 'internal', message: `${error.name}: ${error.message}` });
  } finally {
    controller = undefined;
    stopFlag = undefined;
  }
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'stop') controller?.abort();
  else void run(message);
});
