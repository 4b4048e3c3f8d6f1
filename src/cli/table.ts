// Plain-text tables for the terminal; the numbers come from reportTable and the forecast report.
import { PERIOD } from '../finance/dataQuality.js';
import type { ForecastReport } from '../finance/forecast.js';
import { MODEL_NAMES } from '../finance/evaluate.js';
import { reportTable, type RiskReport } from '../finance/pipeline.js';

/** Columns padded to their widest cell; text left-aligned, numbers right-aligned. */
export function formatTable(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const fixed = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
export const pValue = (p: number | null) => (p === null ? '-' : p < 0.001 ? '<0.001' : p.toFixed(3));

const TRAIN_HEADER = ['model', 'QLIKE', 'MSE', 'DM p vs HAR', 'VaR99 exc (exp)', 'Kupiec p', 'Christoffersen p', 'traffic light'];

/** The compact table `train` prints: one row per model (and series). */
export function trainTable(report: RiskReport): string {
  const rows = reportTable(report);
  const several = report.series.length > 1;
  const header = several ? ['series', ...TRAIN_HEADER] : TRAIN_HEADER;
  // A model that failed its sanity checks shows its losses, and no VaR backtest or traffic light as if valid.
  const cells = rows.map((r) => [
    ...(several ? [r.series] : []),
    r.valid ? r.model : `${r.model} (not valid)`,
    fixed(r.qlike),
    fixed(r.mse),
    pValue(r.dmP),
    ...(r.valid ? [`${r.exceptions99} (${r.expected99.toFixed(1)})`, pValue(r.kupiecP), pValue(r.christoffersenP), r.trafficLight ?? '-'] : ['-', '-', '-', 'not valid']),
  ]);
  const test = report.data.split.test;
  const period = PERIOD[report.dataQuality.frequency.used];
  return [
    `Test split ${test.firstDate}..${test.lastDate}: ${test.windows} forecasts per model${several ? ' and series' : ''} of the variance of the next ${report.data.horizon > 1 ? `${report.data.horizon} ${period}s'` : `${period}'s`} returns.`,
    formatTable(header, cells, header.map((h) => h !== 'model' && h !== 'series' && h !== 'traffic light')),
    `QLIKE and MSE on variance (lower is better); DM: Diebold-Mariano on QLIKE against HAR; VaR99: Gaussian one-${period} 99% VaR,`,
    `exceptions on the test split (expected); traffic light: Basel zone over the last ${report.var.ewma['0.99'].trafficLightDays} test days. FHS VaR, 95% and ES are in the report.`,
    ...(report.warnings.length ? ['Not valid: a model whose results cannot be right (see the warnings) shows no VaR backtest or traffic light.'] : []),
  ].join('\n');
}

/** Lines under the table: the GARCH fit, the ensemble spread, the training run. */
export function trainSummary(report: RiskReport): string {
  const lines = report.series.map((s) => {
    const g = s.garch;
    const name = report.series.length > 1 ? ` ${s.name}` : '';
    return `GARCH(1,1)${name} on the training split: mu ${fixed(g.mu, 4)} omega ${fixed(g.omega, 4)} alpha ${fixed(g.alpha, 4)} beta ${fixed(g.beta, 4)} (alpha+beta ${fixed(g.persistence, 4)}), log-likelihood ${fixed(g.logLikelihood, 2)}`;
  });
  for (const s of report.series) {
    if (!s.ensemble) continue;
    const q = s.ensemble.memberQlike;
    lines.push(
      `Ensemble${report.series.length > 1 ? ` ${s.name}` : ''} of ${s.ensemble.members}: member QLIKE ${fixed(Math.min(...q))}..${fixed(Math.max(...q))}; ` +
        `member volatility spread (sd/mean) ${(100 * s.ensemble.relativeSpread.mean).toFixed(1)}% on average, ${(100 * s.ensemble.relativeSpread.max).toFixed(1)}% at most`,
    );
  }
  const t = report.training;
  const range = (v: number[]) => (Math.min(...v) === Math.max(...v) ? `${v[0]}` : `${Math.min(...v)}-${Math.max(...v)}`);
  const epochs = `${t.members.length > 1 ? `${t.members.length} members, ` : ''}epochs ${range(t.members.map((m) => m.epochs))} (best ${range(t.members.map((m) => m.bestEpoch))})`;
  lines.push(`LSTM: ${t.parameters} parameters, ${t.windows.train} training windows, ${epochs}, ${fixed(report.timing.trainingSeconds, 1)} s on ${t.backend}${t.adapter ? ` (${t.adapter})` : ''}, ${report.timing.samplesPerSecond.toFixed(0)} windows/s`);
  return lines.join('\n');
}

/** The table `predict` prints: every model's next-day volatility, VaR and ES (percent of the position). */
export function predictTable(forecast: ForecastReport): string {
  const header = ['model', 'vol %', 'VaR95 %', 'VaR99 %', 'ES95 %', 'ES99 %', 'VaR99 FHS %', 'ES99 FHS %'];
  const period = PERIOD[forecast.data.quality.frequency.used];
  return forecast.series
    .map((s) => {
      const rows = MODEL_NAMES.map((m) => {
        const f = s.nextDay.models[m];
        // A model that failed its sanity checks shows no risk figure as if it were valid.
        if (!s.sanity[m].valid) return [`${m} (not valid)`, fixed(f.volatility), ...Array<string>(header.length - 2).fill('-')];
        return [m, fixed(f.volatility), fixed(f.var['0.95'].gaussian), fixed(f.var['0.99'].gaussian), fixed(f.es['0.95'].gaussian), fixed(f.es['0.99'].gaussian), fixed(f.var['0.99'].fhs), fixed(f.es['0.99'].fhs)];
      });
      const invalid = MODEL_NAMES.filter((m) => !s.sanity[m].valid).map((m) => `${m} is not valid: ${s.sanity[m].problems.join('; ')}`);
      const band = s.nextDay.ensembleVolatility;
      return [
        `${s.name}: one-${period} forecast for the ${period === 'day' ? 'trading day' : period} after ${s.nextDay.after} (losses in percent of the position)`,
        formatTable(header, rows, header.map((h) => h !== 'model')),
        ...(band ? [`LSTM ensemble of ${forecast.model.members}: member volatility ${fixed(band.min)}..${fixed(band.max)} %`] : []),
        ...invalid,
      ].join('\n');
    })
    .join('\n\n');
}
