// Markdown summary of `backtest` reports (bench/results/backtest-*.json, written by scripts/backtest-series.sh):
// per run and series, the forecast comparison (MCS, Diebold-Mariano), the 99% VaR and 97.5% ES backtests and the
// volatility-targeting table, then the QLIKE-loss LSTM against the Student-t-loss one where both runs exist.
// Usage: node scripts/backtest-summary.mjs FILE.json ...
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

const p = (x) => (x == null ? '-' : x < 0.001 ? '<0.001' : x.toFixed(3));
const f = (x, d = 3) => (x == null ? '-' : x.toFixed(d));
const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

/** The run's name, its report and its wall time as /usr/bin/time measured it (from the .txt beside the report). */
function load(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const txt = file.replace(/\.json$/, '.txt');
  const wall = existsSync(txt) ? readFileSync(txt, 'utf8').match(/time: ([\d.]+) s wall/)?.[1] : undefined;
  return { name: basename(file, '.json').replace(/^backtest-/, ''), report, wall: wall ? Number(wall) : null };
}

const runs = process.argv.slice(2).map(load);
const seriesOf = (run) => run.report.series.map((s) => ({ ...s, label: run.report.series.length > 1 ? `${run.name} ${s.name}` : run.name }));
const VAR = '0.99';

console.log('## Overview\n');
console.log(table(
  ['run', 'test period (days)', 'best QLIKE', 'LSTM QLIKE', 'MCS 90% QLIKE', 'MCS 90% MSE', 'DM p LSTM vs gjr (QLIKE/MSE)', 'DM p LSTM vs loghar', 'wall s', 'trainings'],
  runs.flatMap((run) => seriesOf(run).map((s) => {
    const wf = run.report.walkForward, fc = s.forecasts, dm = s.comparison.dm, mcs = s.comparison.mcs;
    const best = Object.keys(fc).reduce((a, b) => (fc[b].qlike < fc[a].qlike ? b : a));
    return [s.label, `${wf.testFrom}..${wf.testTo} (${wf.forecasts})`, `${best} ${f(fc[best].qlike)}`, f(fc.lstm.qlike),
      mcs.qlike.models.join(', '), mcs.mse.models.join(', '), `${p(dm.gjr.qlike.pValue)} / ${p(dm.gjr.mse.pValue)}`,
      `${p(dm.loghar.qlike.pValue)} / ${p(dm.loghar.mse.pValue)}`, f(run.wall ?? wf.seconds, 0), wf.trainings];
  })),
));

for (const run of runs) {
  const { settings: st, walkForward: wf } = run.report;
  for (const s of seriesOf(run)) {
    console.log(`\n## ${s.label}: ${run.report.data.source}\n`);
    console.log(`${wf.testFrom}..${wf.testTo}, ${wf.forecasts} forecasts; loss ${st.loss}, backend ${st.backend}, hidden ${st.hidden}, ` +
      `ensemble ${st.ensemble}; ${wf.trainings} trainings, ${f(wf.seconds, 1)} s walk-forward, ${run.wall ?? '-'} s wall.\n`);
    const mcs = s.comparison.mcs;
    console.log(table(
      ['model', 'QLIKE', 'MSE', 'MCS QLIKE (p)', 'MCS MSE (p)', 'DM p vs LSTM (QLIKE/MSE)', 'VaR99 exc (exp)', 'Kupiec p', 'Christoffersen p', 'Z2 p (ES97.5)'],
      Object.entries(s.forecasts).map(([m, fc]) => {
        const v = s.var[m][VAR], dm = s.comparison.dm[m];
        const inMcs = (loss) => `${mcs[loss].models.includes(m) ? 'yes' : 'no'} (${f(mcs[loss].pValues[m])})`;
        return [m, f(fc.qlike), f(fc.mse), inMcs('qlike'), inMcs('mse'), dm ? `${p(dm.qlike.pValue)} / ${p(dm.mse.pValue)}` : '-',
          `${v.exceptions} (${f(v.expected, 1)})`, p(v.kupiecP), p(v.christoffersenP), p(s.es[m]['0.975'].pValue)];
      }),
    ));
    const rc = s.riskControl;
    console.log(`\nVolatility targeting (target ${rc.targetVol}%, leverage ≤ ${rc.maxLeverage}, cost ${rc.costBps} bp):\n`);
    console.log(table(
      ['strategy', 'vol %', 'vol of vol', 'Sharpe', 'max drawdown %', 'turnover', 'worst day %', 'worst month %'],
      [...Object.keys(s.forecasts), 'buyAndHold'].map((m) => {
        const r = rc[m];
        return [m, f(r.annualizedVol, 1), f(r.volOfVol, 2), f(r.sharpe, 2), f(100 * r.maxDrawdown, 1), f(r.turnover, 1), f(r.worstDay, 2), f(r.worstMonth, 2)];
      }),
    ));
  }
}

const pairs = runs.filter((r) => r.report.settings.loss === 'qlike')
  .map((q) => [q, runs.find((t) => t.name === q.name.replace(/^([^-]+)/, '$1-student-t'))]).filter(([, t]) => t);
if (pairs.length > 0) {
  console.log('\n## LSTM trained on QLIKE / on the Student-t likelihood (same data, settings and baselines)\n');
  console.log(table(
    ['series', 'QLIKE', 'MSE', 'in MCS QLIKE', 'DM p vs gjr (QLIKE)', 'VaR99 exc (exp)', 'Kupiec p', 'Christoffersen p', 'Z2 p (ES97.5)', 'ν quartiles (t)', 'vol of vol', 'turnover'],
    pairs.flatMap(([q, t]) => seriesOf(q).map((sq, i) => {
      const st = seriesOf(t)[i], both = (g) => `${g(sq)} / ${g(st)}`;
      const nu = st.forecasts.lstm.nu;
      return [sq.label, both((s) => f(s.forecasts.lstm.qlike)), both((s) => f(s.forecasts.lstm.mse)),
        both((s) => (s.comparison.mcs.qlike.models.includes('lstm') ? 'yes' : 'no')), both((s) => p(s.comparison.dm.gjr.qlike.pValue)),
        `${both((s) => s.var.lstm[VAR].exceptions)} (${f(sq.var.lstm[VAR].expected, 1)})`, both((s) => p(s.var.lstm[VAR].kupiecP)),
        both((s) => p(s.var.lstm[VAR].christoffersenP)), both((s) => p(s.es.lstm['0.975'].pValue)),
        nu ? `${f(nu.p25, 2)} / ${f(nu.median, 2)} / ${f(nu.p75, 2)}` : '-', both((s) => f(s.riskControl.lstm.volOfVol, 2)),
        both((s) => f(s.riskControl.lstm.turnover, 1))];
    })),
  ));
}
