// Plain-text tables for the terminal; the numbers come from reportTable and the forecast report.
import { PERIOD } from '../finance/dataQuality.js';
import type { ForecastReport } from '../finance/forecast.js';
import { MODEL_NAMES } from '../finance/evaluate.js';
import { reportTable, type ExplainSummary, type RiskReport } from '../finance/report.js';
import type { StrategySummary } from '../finance/riskControl.js';
import type { BacktestReport, McsReport } from '../finance/walkForward.js';

/** Columns padded to their widest cell; text left-aligned, numbers right-aligned. */
export function formatTable(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const fixed = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
export const pValue = (p: number | null) => (p === null ? '-' : p < 0.001 ? '<0.001' : p.toFixed(3));

const TRAIN_HEADER = ['model', 'QLIKE', 'MSE', 'DM p vs LSTM', 'VaR99 exc (exp)', 'Kupiec p', 'Christoffersen p', 'traffic light'];

/** The compact table `train` prints: one row per model (and series). */
export function trainTable(report: RiskReport): string {
  const rows = reportTable(report);
  const several = report.series.length > 1;
  const h = report.data.horizon;
  const header = [...(several ? ['series'] : []), ...TRAIN_HEADER, ...(h > 1 ? [`${h}-day VaR99 exc (exp)`, `${h}-day Kupiec p`] : [])];
  const exceptions = (e: number, expected: number) => `${e} (${expected.toFixed(1)})`;
  // A model that failed its sanity checks shows its losses, and no VaR backtest or traffic light as if valid.
  const cells = rows.map((r) => [
    ...(several ? [r.series] : []),
    r.valid ? r.model : `${r.model} (not valid)`,
    fixed(r.qlike),
    fixed(r.mse),
    pValue(r.dmP),
    ...(r.valid ? [exceptions(r.exceptions99, r.expected99), pValue(r.kupiecP), pValue(r.christoffersenP), r.trafficLight ?? '-'] : ['-', '-', '-', 'not valid']),
    ...(r.horizon99 ? (r.valid ? [exceptions(r.horizon99.exceptions, r.horizon99.expected), pValue(r.horizon99.kupiecP)] : ['-', '-']) : []),
  ]);
  const test = report.data.split.test;
  const period = PERIOD[report.dataQuality.frequency.used];
  const v = report.var.ewma['0.99'];
  return [
    `Test split ${test.firstDate}..${test.lastDate}: ${test.windows} forecasts per model${several ? ' and series' : ''} of the variance of the next ${h > 1 ? `${h} ${period}s'` : `${period}'s`} returns.`,
    formatTable(header, cells, header.map((c) => c !== 'model' && c !== 'series' && c !== 'traffic light')),
    `QLIKE and MSE on variance (lower is better); DM p: Diebold-Mariano test of equal QLIKE, the LSTM against that model; VaR99 exc:`,
    `${period}s the loss exceeded the one-${period} 99% Student-t VaR${h > 1 ? ` (from each model's one-${period} variance forecast)` : ''} on the test split (expected count); Kupiec p:`,
    `unconditional coverage test; Christoffersen p: independence of exceptions test; traffic light: Basel zone over the last 250`,
    `test ${period}s${v.trafficLightReason ? ` (none: ${v.trafficLightReason})` : ''}.`,
    ...(h > 1 ? [`${h}-${period} VaR99 exc: the ${h}-${period} return beyond the t VaR of the ${h}-${period} variance forecast, on non-overlapping windows`, `(one test ${period} in ${h}); ${h}-${period} Kupiec p: Kupiec's unconditional coverage test on them.`] : []),
    ...(v.lowPower ? [`Only ${v.n} test ${period}s (under 500): at 99% the coverage tests have little power.`] : []),
    'Gaussian and FHS VaR, 95%/97.5% and ES are in the report.',
    ...(report.warnings.length ? ['Not valid: a model whose results cannot be right (see the warnings) shows no VaR backtest or traffic light.'] : []),
  ].join('\n');
}

/** Per series: the features by permutation importance, the largest first. */
function importanceLines(series: { name: string; explain: ExplainSummary }[], where: string): string[] {
  return series.map((s) => {
    const ranked = Object.entries(s.explain.permutationImportance).sort((a, b) => b[1] - a[1]);
    const list = ranked.map(([f, v]) => `${f} ${v >= 0 ? '+' : ''}${fixed(v, 4)}`).join(', ');
    return `Permutation importance${series.length > 1 ? ` ${s.name}` : ''} (the rise in QLIKE ${where} when a feature is shuffled across days): ${list}`;
  });
}

/** Lines under the table: the GARCH fit, the ensemble spread, the permutation importance, the training run. */
export function trainSummary(report: RiskReport): string {
  const lines = report.series.flatMap((s) => {
    const name = report.series.length > 1 ? ` ${s.name}` : '';
    const fit = (label: string, g: typeof s.garch) =>
      `${label}${name}: mu ${fixed(g.mu, 4)} omega ${fixed(g.omega, 4)} alpha ${fixed(g.alpha, 4)}${g.model === 'gjr' ? ` gamma ${fixed(g.gamma, 4)}` : ''} beta ${fixed(g.beta, 4)}` +
      `${g.nu === null ? '' : ` nu ${fixed(g.nu, 2)}`} (persistence ${fixed(g.persistence, 4)}), log-likelihood ${fixed(g.logLikelihood, 2)}`;
    return [fit(`GARCH(1,1)-${s.garch.dist} on the training and validation splits`, s.garch), fit(`GJR-GARCH(1,1)-${s.gjr.dist}`, s.gjr)];
  });
  for (const s of report.series) {
    if (!s.ensemble) continue;
    const q = s.ensemble.memberQlike;
    lines.push(
      `Ensemble${report.series.length > 1 ? ` ${s.name}` : ''} of ${s.ensemble.members}: member QLIKE ${fixed(Math.min(...q))}..${fixed(Math.max(...q))}; ` +
        `member volatility spread (sd/mean) ${(100 * s.ensemble.relativeSpread.mean).toFixed(1)}% on average, ${(100 * s.ensemble.relativeSpread.max).toFixed(1)}% at most`,
    );
  }
  lines.push(...importanceLines(report.series, 'on the test split'));
  const t = report.training;
  const range = (v: number[]) => (Math.min(...v) === Math.max(...v) ? `${v[0]}` : `${Math.min(...v)}-${Math.max(...v)}`);
  const epochs = `${t.members.length > 1 ? `${t.members.length} members, ` : ''}epochs ${range(t.members.map((m) => m.epochs))} (best ${range(t.members.map((m) => m.bestEpoch))})`;
  lines.push(`LSTM: ${t.parameters} parameters, ${t.windows.train} training windows, ${epochs}, ${fixed(report.timing.trainingSeconds, 1)} s on ${t.backend}${t.adapter ? ` (${t.adapter})` : ''}, ${report.timing.samplesPerSecond.toFixed(0)} windows/s`);
  return lines.join('\n');
}

/** The table `predict` prints: every model's next-day volatility, VaR and ES (percent of the position). */
export function predictTable(forecast: ForecastReport): string {
  const h = forecast.model.horizon;
  const header = ['model', 'vol %', 'VaR95 %', 'VaR99 %', 'ES97.5 %', 'ES99 %', 'VaR99 FHS %', 'ES99 FHS %', '10-day VaR99 %', '10-day ES97.5 %', ...(h > 1 ? [`${h}-day VaR99 %`] : [])];
  const period = PERIOD[forecast.data.quality.frequency.used];
  return forecast.series
    .map((s) => {
      const rows = MODEL_NAMES.map((m) => {
        const f = s.nextDay.models[m];
        // A model that failed its sanity checks shows no risk figure as if it were valid.
        if (!s.sanity[m].valid) return [`${m} (not valid)`, fixed(f.volatility), ...Array<string>(header.length - 2).fill('-')];
        return [m, fixed(f.volatility), fixed(f.var['0.95'].t), fixed(f.var['0.99'].t), fixed(f.es['0.975'].t), fixed(f.es['0.99'].t), fixed(f.var['0.99'].fhs), fixed(f.es['0.99'].fhs), fixed(f.tenDay['0.99'].t.valueAtRisk), fixed(f.tenDay['0.975'].t.expectedShortfall), ...(f.horizon ? [fixed(f.horizon['0.99'].valueAtRisk)] : [])];
      });
      const invalid = MODEL_NAMES.filter((m) => !s.sanity[m].valid).map((m) => `${m} is not valid: ${s.sanity[m].problems.join('; ')}`);
      const band = s.nextDay.ensembleVolatility;
      return [
        `${s.name}: one-${period} forecast for the ${period === 'day' ? 'trading day' : period} after ${s.nextDay.after} (losses in percent of the position; Student-t unless FHS)`,
        formatTable(header, rows, header.map((h) => h !== 'model')),
        ...(band ? [`LSTM ensemble of ${forecast.model.members}: member volatility ${fixed(band.min)}..${fixed(band.max)} %`] : []),
        ...invalid,
      ].join('\n');
    })
    .join('\n\n');
}

const inSet = (mcs: McsReport, m: string) => (mcs.models.includes(m) ? 'yes' : 'no');

/** The compact table `backtest` prints: one row per model (and series) over the whole out-of-sample period. */
export function backtestTable(report: BacktestReport): string {
  const several = report.series.length > 1;
  const header = [...(several ? ['series'] : []), 'model', 'QLIKE', 'MSE', 'DM p vs LSTM', 'in MCS (QLIKE/MSE)', 'VaR99 exc (exp)', 'Kupiec p', 'Christoffersen p', 'Z2 p (ES97.5)'];
  const cells = report.series.flatMap((s) =>
    MODEL_NAMES.map((m) => {
      const v = s.var[m]['0.99'];
      const c = s.comparison;
      const valid = s.sanity[m].valid;
      return [
        ...(several ? [s.name] : []),
        valid ? m : `${m} (not valid)`,
        fixed(s.forecasts[m].qlike),
        fixed(s.forecasts[m].mse),
        m === 'lstm' ? '-' : pValue(c.dm[m].qlike.pValue),
        `${inSet(c.mcs.qlike, m)}/${inSet(c.mcs.mse, m)}`,
        // A model that failed its sanity checks shows no VaR or ES backtest as if valid.
        ...(valid ? [`${v.exceptions} (${v.expected.toFixed(1)})`, pValue(v.kupiecP), pValue(v.christoffersenP), pValue(s.es[m]['0.975'].pValue)] : ['-', '-', '-', '-']),
      ];
    }),
  );
  const w = report.walkForward;
  const v = report.var.lstm['0.99'];
  return [
    `Walk-forward ${w.testFrom}..${w.testTo}: ${w.forecasts} one-day-ahead forecasts per model${several ? ' and series' : ''}.`,
    formatTable(header, cells, header.map((h) => h !== 'model' && h !== 'series')),
    'QLIKE and MSE of the variance forecast (lower is better). DM p: Diebold-Mariano test (Newey-West variance, HLN',
    `correction) of equal QLIKE between the LSTM and that model. MCS: in Hansen-Lunde-Nason's ${Math.round(100 * report.comparison.mcs.qlike.level)}% Model Confidence Set`,
    'on QLIKE / on MSE. VaR99 exc: days the loss exceeded the one-day 99% Student-t VaR (expected count); Kupiec p:',
    "unconditional coverage test; Christoffersen p: independence of exceptions test; Z2 p: Acerbi-Szekely's ES test at",
    `97.5% (p-value by simulation under the model's t).${v.lowPower ? ` Only ${v.n} days: at 99% the coverage tests have little power.` : ''}`,
    ...(report.warnings.length ? ['Not valid: a model whose results cannot be right (see the warnings) shows no VaR or ES backtest.'] : []),
  ].join('\n');
}

/** The table of the vol-targeting strategies: what acting on each forecast did. */
export function riskControlTable(report: BacktestReport): string {
  const rc = report.riskControl;
  const header = ['strategy', 'vol % (target)', 'vol of vol', 'Sharpe', 'max drawdown %', 'turnover', ...(rc.varLimit === null ? [] : ['VaR limit binds', 'breaches'])];
  const row = (name: string, s: StrategySummary, limit: { bindingDays: number; breaches: number } | null | undefined) => [
    name,
    `${fixed(s.annualizedVol, 1)} (${fixed(rc.targetVol, 1)})`,
    s.volOfVol === null ? '-' : fixed(s.volOfVol, 2),
    s.sharpe === null ? '-' : fixed(s.sharpe, 2),
    fixed(100 * s.maxDrawdown, 1),
    fixed(s.turnover, 2),
    ...(rc.varLimit === null ? [] : limit ? [String(limit.bindingDays), String(limit.breaches)] : ['-', '-']),
  ];
  const cells = [...MODEL_NAMES.map((m) => row(m, rc[m], rc[m].varLimit)), row('buy and hold', rc.buyAndHold, null)];
  return [
    `Volatility targeting${report.series.length > 1 ? ` (${report.series[0].name})` : ''}: weight min(${rc.maxLeverage}, target / forecast volatility), target ${rc.targetVol}% a year, cost ${rc.costBps} bp per unit traded.`,
    formatTable(header, cells, header.map((h) => h !== 'strategy')),
    'vol: realised annualised volatility; vol of vol: std of its 63-day rolling value; turnover: position traded a year.' +
      (rc.varLimit === null ? '' : ` VaR limit ${rc.varLimit}%: days the 99% VaR cut the position; breaches: days the loss still exceeded it.`),
  ].join('\n');
}

/** "(min-max)" of the epochs of the trainings from scratch or of the warm-started ones. */
function epochRange(report: BacktestReport, warmStart: boolean): string {
  const epochs = report.training.trainings.filter((t) => t.warmStart === warmStart).map((t) => t.epochs);
  return `(${Math.min(...epochs)}-${Math.max(...epochs)})`;
}

/** Lines under the backtest table: the schedule, the trainings, warm starts against fits from scratch. */
export function backtestSummary(report: BacktestReport): string {
  const w = report.walkForward;
  const lines = [
    `Schedule: baselines re-estimated every ${w.refitEvery} days (${w.refits} fits, ${w.windowKind}${w.fitDays ? ` ${w.fitDays} days` : ''}), ` +
      `LSTM re-trained every ${w.retrainEvery} days (${w.retrains} times, ${w.trainings} trainings) in ${fixed(w.seconds, 1)} s on ${report.training.backend}${report.training.adapter ? ` (${report.training.adapter})` : ''}`,
    `Epochs per training (mean, range): from scratch ${fixed(w.epochs.fromScratch, 1)} ${epochRange(report, false)}, ${fixed(w.trainingSeconds.fromScratch, 1)} s each; ` +
      (w.epochs.warmStart === null ? 'no warm start' : `warm-started ${fixed(w.epochs.warmStart, 1)} ${epochRange(report, true)}, ${fixed(w.trainingSeconds.warmStart!, 1)} s each`),
  ];
  for (const s of report.series) {
    if (!s.ensemble) continue;
    const q = s.ensemble.memberQlike;
    lines.push(`Ensemble${report.series.length > 1 ? ` ${s.name}` : ''} of ${s.ensemble.members}: member QLIKE ${q.map((x) => fixed(x)).join(', ')}; ensemble ${fixed(s.forecasts.lstm.qlike)}`);
  }
  lines.push(...importanceLines(report.series, "out of sample (each training's model on the days it forecast)"));
  return lines.join('\n');
}
