// The walk-forward section: the CLI's backtest table, where each baseline wins or loses against the LSTM over time
// (cumulative QLIKE difference), and what acting on each forecast did (vol-targeting equity curves on a log scale,
// their drawdowns, their rolling volatility against the target), the charts' zoom linked.
import uPlot from 'uplot';
import { BASELINE_NAMES, MODEL_NAMES, type ModelName } from '../finance/evaluate.js';
import { lossSeries, qlike } from '../finance/metrics.js';
import { ROLLING_VOL_DAYS } from '../finance/riskControl.js';
import type { BacktestDays, BacktestReport, BacktestResult } from '../finance/walkForward.js';
import { Chart, COLORS, formatValue, linkZoom, toUnixSeconds, utc, type ChartOptions } from './chart.js';
import { fill, MODEL_LABELS } from './table.js';

export interface BacktestElements {
  section: HTMLElement;
  summary: HTMLElement;
  table: HTMLTableElement;
  qlikeChart: HTMLElement;
  equityChart: HTMLElement;
  drawdownChart: HTMLElement;
  volChart: HTMLElement;
}

type Row = { series: string; model: ModelName; report: BacktestReport['series'][number] };

const fixed = (x: number | null, digits = 3) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const pValue = (p: number | null) => (p === null || !Number.isFinite(p) ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));
const value = (_u: uPlot, v: number | null) => formatValue(v);
const dateSeries: uPlot.Series = { label: 'date', value: '{YYYY}-{MM}-{DD}' };
const inSet = (models: string[], m: string) => (models.includes(m) ? 'yes' : 'no');
const valid = (r: Row) => r.report.sanity[r.model].valid;
/** A model that failed its sanity checks shows no VaR or ES backtest as if valid. */
const risk = (r: Row, cell: (r: Row) => string) => (valid(r) ? cell(r) : '–');

const COLUMNS: { title: string; tip: string; cell: (r: Row) => string }[] = [
  { title: 'Model', tip: 'forecasting model', cell: (r) => (valid(r) ? MODEL_LABELS[r.model] : `${MODEL_LABELS[r.model]} (not valid)`) },
  { title: 'QLIKE', tip: 'mean QLIKE of the one-day variance forecast over the out-of-sample days (lower is better)', cell: (r) => fixed(r.report.forecasts[r.model].qlike) },
  { title: 'MSE', tip: 'mean squared error of the variance forecast, percent⁴ (lower is better)', cell: (r) => fixed(r.report.forecasts[r.model].mse) },
  {
    title: 'DM p vs LSTM',
    tip: 'Diebold–Mariano test (Newey–West variance, HLN correction) of equal QLIKE between the LSTM and this model',
    cell: (r) => (r.model === 'lstm' ? '–' : pValue(r.report.comparison.dm[r.model].qlike.pValue)),
  },
  {
    title: 'In MCS (QLIKE/MSE)',
    tip: "in Hansen, Lunde & Nason's 90% Model Confidence Set on QLIKE / on MSE (block bootstrap)",
    cell: (r) => `${inSet(r.report.comparison.mcs.qlike.models, r.model)}/${inSet(r.report.comparison.mcs.mse.models, r.model)}`,
  },
  {
    title: 'VaR99 exc (exp)',
    tip: 'days the loss exceeded the one-day Student-t 99% VaR (expected number)',
    cell: (r) => risk(r, () => `${r.report.var[r.model]['0.99'].exceptions} (${r.report.var[r.model]['0.99'].expected.toFixed(1)})`),
  },
  { title: 'Kupiec p', tip: 'unconditional coverage test of the 99% VaR', cell: (r) => risk(r, () => pValue(r.report.var[r.model]['0.99'].kupiecP)) },
  { title: 'Christoffersen p', tip: 'independence of the 99% VaR exceptions', cell: (r) => risk(r, () => pValue(r.report.var[r.model]['0.99'].christoffersenP)) },
  { title: 'Z2 p', tip: "Acerbi–Székely Z2 test of the 97.5% ES, p-value by simulation under the model's t", cell: (r) => risk(r, () => pValue(r.report.es[r.model]['0.975'].pValue)) },
];

/** Running sum of each baseline's QLIKE minus the LSTM's: rising where the LSTM does better. */
export function cumulativeQlikeDifference(days: BacktestDays): Record<string, Float64Array> {
  const lstm = lossSeries(qlike, days.realized, days.forecasts.lstm);
  return Object.fromEntries(
    BASELINE_NAMES.map((b) => {
      const loss = lossSeries(qlike, days.realized, days.forecasts[b]);
      let sum = 0;
      return [b, loss.map((l, i) => (sum += l - lstm[i]))];
    }),
  );
}

/** Equity Π(1 + S), its drawdown from the running peak (percent, ≤ 0), and the 63-day rolling annualised volatility. */
export function strategyPaths(strategy: Float64Array): { equity: Float64Array; drawdown: Float64Array; rollingVol: (number | null)[] } {
  let equity = 1;
  let peak = 1;
  const eq = new Float64Array(strategy.length);
  const dd = new Float64Array(strategy.length);
  strategy.forEach((s, t) => {
    equity *= 1 + s;
    peak = Math.max(peak, equity);
    eq[t] = equity;
    dd[t] = 100 * (equity / peak - 1);
  });
  const rollingVol = Array.from(strategy, (_, t) => {
    if (t < ROLLING_VOL_DAYS - 1) return null;
    const w = strategy.subarray(t - ROLLING_VOL_DAYS + 1, t + 1);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    return 100 * Math.sqrt((w.reduce((a, b) => a + (b - mean) ** 2, 0) / (w.length - 1)) * 252);
  });
  return { equity: eq, drawdown: dd, rollingVol };
}

export class BacktestView {
  private readonly charts: Chart[];

  constructor(private readonly el: BacktestElements) {
    this.charts = [el.qlikeChart, el.equityChart, el.drawdownChart, el.volChart].map((host) => new Chart(host));
  }

  clear(): void {
    for (const c of this.charts) c.clear();
    this.el.section.hidden = true;
  }

  show(result: BacktestResult): void {
    const r = result.report;
    const w = r.walkForward;
    this.el.section.hidden = false;
    const inMcs = r.comparison.mcs.qlike.models;
    this.el.summary.textContent =
      `Walk-forward ${w.testFrom} to ${w.testTo}: ${w.forecasts.toLocaleString('en-US')} one-day forecasts per model; baselines re-estimated ${w.refits} times, ` +
      `the LSTM re-trained ${w.retrains} times (${w.trainings} trainings, ${fixed(w.epochs.fromScratch, 1)} epochs from scratch, ${fixed(w.epochs.warmStart, 1)} warm-started) in ${Math.round(w.seconds)} s. ` +
      `The 90% Model Confidence Set on QLIKE holds ${inMcs.map((m) => MODEL_LABELS[m as ModelName]).join(', ')}${inMcs.includes('lstm') ? '' : ' (not the LSTM)'}.` +
      (r.warnings.length ? ` Not valid: ${r.warnings.join(' ')}` : '');
    fill(this.el.table, COLUMNS, r.series.flatMap((s) => MODEL_NAMES.map((model) => ({ series: s.name, model, report: s }))));
    this.draw(result.days[0], r.riskControl.targetVol);
  }

  private draw(days: BacktestDays, targetVol: number): void {
    const x = days.dates.map(toUnixSeconds);
    const charts = () => this.charts.map((c) => c.plot);
    const common: Pick<ChartOptions, 'scales' | 'tzDate' | 'cursor' | 'hooks'> = {
      scales: { x: { time: true } },
      tzDate: utc,
      cursor: { sync: { key: 'walk-forward', setSeries: false } },
      hooks: { setScale: linkZoom(charts) },
    };
    const [qlikeChart, equityChart, drawdownChart, volChart] = this.charts;
    const diff = cumulativeQlikeDifference(days);
    qlikeChart.show(
      { ...common, axes: [{}, { label: 'cumulative QLIKE, baseline − LSTM', size: 60 }], series: [dateSeries, ...BASELINE_NAMES.map((b): uPlot.Series => ({ label: MODEL_LABELS[b], stroke: COLORS[b], width: 1.5, value }))] },
      [x, ...BASELINE_NAMES.map((b) => Array.from(diff[b]))],
    );
    const names = [...MODEL_NAMES, 'buyAndHold'] as const;
    const label = (n: (typeof names)[number]) => (n === 'buyAndHold' ? 'buy and hold' : MODEL_LABELS[n]);
    const paths = names.map((n) => strategyPaths(days.strategy[n]));
    const lines = (unit: string) => names.map((n): uPlot.Series => ({ label: `${label(n)}${unit}`, stroke: COLORS[n], width: n === 'lstm' ? 2 : 1.25, value }));
    equityChart.show({ ...common, scales: { ...common.scales, y: { distr: 3 } }, axes: [{}, { label: 'equity (log scale), start = 1', size: 60 }], series: [dateSeries, ...lines('')] }, [x, ...paths.map((p) => Array.from(p.equity))]);
    drawdownChart.show({ ...common, axes: [{}, { label: 'drawdown %', size: 60 }], series: [dateSeries, ...lines('')] }, [x, ...paths.map((p) => Array.from(p.drawdown))]);
    volChart.show(
      {
        ...common,
        axes: [{}, { label: `${ROLLING_VOL_DAYS}-day realised vol, annualised %`, size: 60 }],
        series: [dateSeries, ...lines(''), { label: 'target', stroke: COLORS.target, width: 1, dash: [6, 4], value }],
      },
      [x, ...paths.map((p) => p.rollingVol), x.map(() => targetVol)],
    );
  }
}
