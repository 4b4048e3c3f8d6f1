// `webgpu-lstm train|backtest|predict`: files, flags, progress, the tables and exit codes around the finance runs.
import { UserError } from '../errors.js';
import { BUNDLED_DATA_NAME } from '../finance/data.js';
import { forecastNextDay } from '../finance/forecast.js';
import { explain } from './explain.js';
import { runRiskPipeline } from '../finance/pipeline.js';
import type { PipelineProgress } from '../finance/steps.js';
import { forecastsCsv, runBacktest } from '../finance/walkForward.js';
import { bundledDataPath, commitOutputs, planOutputs, readText, type InputFile, type OutputPlan } from './files.js';
import { convertModel, readModel } from './modelFiles.js';
import { backend, BACKTEST_HELP, BACKTEST_OPTIONS, backtestOptions, CONVERT_HELP, CONVERT_OPTIONS, dataOptions, MAIN_HELP, parse, PREDICT_HELP, PREDICT_OPTIONS, riskOptions, TRAIN_HELP, TRAIN_OPTIONS, UsageError, type Values } from './options.js';
import { progressView, walkForwardView, type ProgressView } from './progress.js';
import { backtestSummary, backtestTable, predictTable, riskControlTable, trainSummary, trainTable } from './table.js';

export interface CliStreams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

const PROGRAM = 'webgpu-lstm';

/** The data file to read and the name the report gives it. */
function dataSource(values: Values): { path: string; name: string } {
  const path = values.data as string | undefined;
  return path === undefined ? { path: bundledDataPath(), name: BUNDLED_DATA_NAME } : { path, name: path };
}

/** The outputs the flags name, checked against each other and the inputs before any work starts (exit code 2). */
function outputsWritable(values: Values, flags: string[], inputs: InputFile[]): Promise<OutputPlan> {
  return planOutputs(Object.fromEntries(flags.map((flag) => [flag, typeof values[flag] === 'string' ? (values[flag] as string) : undefined])), inputs);
}

/** What the run reads: the data file and, for predict, the model file. */
function inputsOf(values: Values): InputFile[] {
  return [{ flag: 'data', path: dataSource(values).path }, ...(typeof values.model === 'string' ? [{ flag: 'model', path: values.model }] : [])];
}

/** What `train` and `backtest` make of a finished run: the output files by flag, stdout's tables, and each file's kind. */
interface DataRunOutcome {
  files: Record<string, string>;
  tables: string;
  kind: (flag: string) => string;
}

/**
 * `train` and `backtest` alike: check the outputs before any work, read the data, run with a progress view on stderr,
 * then write every output at once (all or none) and print the tables.
 */
async function runOnData<R extends { report: { data: { warnings: string[] }; warnings: string[] } }>(
  values: Values,
  io: CliStreams,
  flags: string[],
  view: (stream: NodeJS.WriteStream, quiet: boolean) => ProgressView,
  run: (input: { csvText: string; source: string }, onProgress: (p: PipelineProgress) => void) => Promise<R>,
  outcome: (result: R) => DataRunOutcome,
): Promise<number> {
  const outputs = await outputsWritable(values, flags, inputsOf(values));
  const source = dataSource(values);
  const csvText = await readText(source.path, 'data file');
  const progress = view(io.stderr, values.quiet === true);
  let result;
  try {
    result = await run({ csvText, source: source.name }, (p) => progress.update(p));
  } finally {
    progress.stop();
  }
  for (const w of [...result.report.data.warnings, ...result.report.warnings]) io.stderr.write(`warning: ${w}\n`);
  const { files, tables, kind } = outcome(result);
  await commitOutputs(outputs, files);
  io.stdout.write(`${tables}\n`);
  if (outputs.outputs.length) io.stderr.write(`wrote ${outputs.outputs.map((o) => `${o.path} (${kind(o.flag)})`).join(' and ')}\n`);
  return 0;
}

async function train(args: string[], io: CliStreams, signal: AbortSignal): Promise<number> {
  const values = parse(TRAIN_OPTIONS, args);
  if (values.help) {
    io.stdout.write(`${TRAIN_HELP}\n`);
    return 0;
  }
  const options = riskOptions(values);
  return runOnData(
    values,
    io,
    ['report', 'out'],
    progressView,
    (input, onProgress) => runRiskPipeline({ ...input, options }, { onProgress, signal }),
    (result) => ({
      files: { report: `${JSON.stringify(result.report, null, 2)}\n`, out: result.modelText },
      tables: `${trainTable(result.report)}\n\n${trainSummary(result.report)}`,
      kind: (flag) => (flag === 'out' ? 'model' : 'report'),
    }),
  );
}

async function backtest(args: string[], io: CliStreams, signal: AbortSignal): Promise<number> {
  const values = parse(BACKTEST_OPTIONS, args);
  if (values.help) {
    io.stdout.write(`${BACKTEST_HELP}\n`);
    return 0;
  }
  const options = backtestOptions(values);
  return runOnData(
    values,
    io,
    ['report', 'forecasts'],
    walkForwardView,
    (input, onProgress) => runBacktest({ ...input, options }, { onProgress, signal }),
    (result) => ({
      files: { report: `${JSON.stringify(result.report, null, 2)}\n`, forecasts: forecastsCsv(result) },
      tables: `${backtestTable(result.report)}\n\n${riskControlTable(result.report)}\n\n${backtestSummary(result.report)}`,
      kind: (flag) => flag,
    }),
  );
}

async function predict(args: string[], io: CliStreams): Promise<number> {
  const values = parse(PREDICT_OPTIONS, args);
  if (values.help) {
    io.stdout.write(`${PREDICT_HELP}\n`);
    return 0;
  }
  if (typeof values.model !== 'string') throw new UsageError("predict needs --model PATH (a model written by 'webgpu-lstm train --out', or converted from it)");
  const outputs = await outputsWritable(values, ['report'], inputsOf(values));
  const { text: modelText } = await readModel(values.model, 'model file');
  const source = dataSource(values);
  const csvText = await readText(source.path, 'data file');
  const forecast = await forecastNextDay({ modelText, csvText, source: source.name, dataOptions: dataOptions(values), backend: backend(values) });
  for (const w of forecast.data.warnings) io.stderr.write(`warning: ${w}\n`);
  for (const w of forecast.warnings) io.stderr.write(`warning: ${w}\n`);
  await commitOutputs(outputs, { report: `${JSON.stringify(forecast, null, 2)}\n` });
  io.stdout.write(`${predictTable(forecast)}\n`);
  return 0;
}

async function convert(args: string[], io: CliStreams): Promise<number> {
  const values = parse(CONVERT_OPTIONS, args);
  if (values.help) {
    io.stdout.write(`${CONVERT_HELP}\n`);
    return 0;
  }
  if (typeof values.from !== 'string' || typeof values.to !== 'string') throw new UsageError('convert needs --from PATH and --to PATH');
  const { format, written } = await convertModel(values.from, values.to);
  io.stdout.write(`wrote ${format === 'tfjs' ? 'a TF.js LayersModel' : 'an engine model file'}: ${written.join(', ')}\n`);
  return 0;
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and returns the exit code: 0 success,
 * 1 an error the user can fix (one line on stderr, no stack trace), 2 a bad command line, 130 interrupted.
 */
export async function main(argv: string[], io: CliStreams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...args] = argv;
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(`${MAIN_HELP}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === 'train') return await train(args, io, controller.signal);
    if (command === 'backtest') return await backtest(args, io, controller.signal);
    if (command === 'predict') return await predict(args, io);
    if (command === 'convert') return await convert(args, io);
    if (command === 'explain') return await explain(args, io);
    throw new UsageError(`unknown command '${command}'; use 'train', 'backtest', 'predict', 'convert' or 'explain'`);
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError) {
      io.stderr.write(`${PROGRAM}: ${err.message} (see '${PROGRAM} ${['train', 'backtest', 'predict', 'convert', 'explain'].includes(command) ? `${command} ` : ''}--help')\n`);
      return 2;
    }
    if (err.name === 'AbortError') {
      io.stderr.write(`${PROGRAM}: interrupted; no file was written\n`);
      return 130;
    }
    if (err instanceof UserError) {
      io.stderr.write(`${PROGRAM}: error: ${err.message}\n`);
      return 1;
    }
    // A bug rather than a user mistake: still one line, with the stack only when asked for.
    io.stderr.write(`${PROGRAM}: internal error: ${err.message ?? String(e)}${process.env.WEBGPU_LSTM_DEBUG ? `\n${err.stack}` : ' (set WEBGPU_LSTM_DEBUG=1 for the stack trace)'}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}
