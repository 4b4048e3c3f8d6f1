// `webgpu-lstm explain`: integrated gradients of a saved model's forecast, as a table and optionally JSON.
import { explainForecast, topDrivers, type ExplainReport } from '../finance/explain.js';
import { bundledDataPath, commitOutputs, planOutputs, readText } from './files.js';
import { backend, EXPLAIN_HELP, EXPLAIN_OPTIONS, integer, parse, quadrature, UsageError } from './options.js';
import { fixed, formatTable } from './table.js';

const RECENT_LAGS = 5; // lags shown one by one; older ones are summed into one column

/** Features × the most recent lags (plus the sum over older lags) of one explained day. */
export function explainTable(report: ExplainReport, day: ExplainReport['days'][number]): string {
  const lags = Math.min(RECENT_LAGS, report.lags.length);
  const older = report.lags.length > lags;
  const header = ['feature', ...Array.from({ length: lags }, (_, l) => (l === 0 ? 'lag 0' : `lag ${l}`)), ...(older ? [`lags ${lags}-${report.lags.length - 1}`] : []), 'total'];
  const rows = report.features.map((name, f) => {
    const a = day.attributions.map((row) => row[f]);
    const rest = a.slice(lags).reduce((s, v) => s + v, 0);
    return [name, ...a.slice(0, lags).map((v) => fixed(v)), ...(older ? [fixed(rest)] : []), fixed(a.reduce((s, v) => s + v, 0))];
  });
  const c = day.completeness;
  return [
    `${report.series}, forecast made at the close of ${day.date}: log-variance ${fixed(day.forecast)} (volatility ${fixed(Math.sqrt(Math.exp(day.forecast)), 2)}% ${report.horizon > 1 ? `over ${report.horizon} days` : 'a day'}); baseline ${fixed(day.baselineForecast)}.`,
    formatTable(header, rows, header.map((h) => h !== 'feature')),
    `Attributions in log-variance units (lag 0 = ${day.date}); they add up to ${fixed(c.sum, 4)} against forecast - baseline = ${fixed(c.delta, 4)} (completeness error ${(100 * c.relativeError).toFixed(2)}%, ${report.steps} ${report.quadrature} steps).`,
    topDrivers(day, report.features),
  ].join('\n');
}

/** Mean absolute attribution per feature and per lag over a range of days. */
function rangeTable(report: ExplainReport): string {
  const m = report.meanAbs!;
  const features = formatTable(['feature', 'mean |attribution|'], report.features.map((f) => [f, fixed(m.byFeature[f])]), [false, true]);
  const lags = formatTable(['lag', 'mean |attribution|'], m.byLag.map((v, l) => [String(l), fixed(v)]), [true, true]);
  const worst = Math.max(...report.days.map((d) => d.completeness.relativeError));
  return [
    `${report.series}, ${report.days.length} forecasts ${report.days[0].date}..${report.days.at(-1)!.date}: mean over days of the absolute attributions (log-variance units), summed over lags and over features.`,
    features,
    '',
    lags,
    `Largest completeness error: ${(100 * worst).toFixed(2)}% (${report.steps} ${report.quadrature} steps).`,
  ].join('\n');
}

export async function explain(args: string[], io: { stdout: NodeJS.WriteStream }): Promise<number> {
  const values = parse(EXPLAIN_OPTIONS, args);
  if (values.help) {
    io.stdout.write(`${EXPLAIN_HELP}\n`);
    return 0;
  }
  if (typeof values.model !== 'string') throw new UsageError("explain needs --model FILE (a model written by 'webgpu-lstm train --out')");
  if (values.date !== undefined && (values.from !== undefined || values.to !== undefined)) throw new UsageError('give either --date or --from/--to, not both');
  const steps = integer(values, 'steps');
  if (steps !== undefined && (steps < 1 || steps > 4096)) throw new UsageError(`--steps must be from 1 to 4096 (got ${steps})`);
  const dataPath = (values.data as string | undefined) ?? bundledDataPath();
  const outputs = await planOutputs({ json: values.json as string | undefined }, [{ flag: 'model', path: values.model }, { flag: 'data', path: dataPath }]);
  const modelText = await readText(values.model, 'model file');
  const csvText = await readText(dataPath, 'data file');
  const report = await explainForecast({
    modelText,
    csvText,
    date: values.date as string | undefined,
    from: values.from as string | undefined,
    to: values.to as string | undefined,
    steps,
    quadrature: quadrature(values),
    backend: backend(values),
  });
  await commitOutputs(outputs, { json: `${JSON.stringify(report, null, 2)}\n` });
  io.stdout.write(`${report.meanAbs ? rangeTable(report) : explainTable(report, report.days[0])}\n`);
  return 0;
}
