// Section 4: the test period's charts (volatility forecasts; returns with the 99% VaR and its exceptions), the
// backtest table, and the next trading day's risk figures, after training or from a loaded model.
import uPlot from 'uplot';
import { MODEL_NAMES, type ModelName } from '../finance/evaluate.js';
import type { ForecastReport } from '../finance/forecast.js';
import type { PipelineResult } from '../finance/pipeline.js';
import type { RiskReport } from '../finance/report.js';
import { Chart, COLORS, linkZoom, toUnixSeconds, utc, type ChartOptions } from './chart.js';
import { MODEL_LABELS, renderNextDay, renderTable } from './table.js';

export interface ResultElements {
  summary: HTMLElement;
  seriesPicker: HTMLSelectElement;
  charts: HTMLElement;
  forecast: HTMLElement;
  risk: HTMLElement;
  backtests: HTMLElement;
  table: HTMLTableElement;
  nextDay: HTMLElement;
  nextDayTables: HTMLElement;
}

type TestSeries = PipelineResult['testDays'][number];

const TRADING_DAYS = 252;
/** A second click within this long makes a double-click (most systems' default is 500 ms; most people click faster). */
const DOUBLE_CLICK_MS = 300;
/** The summary's note on results that cannot be right (their rows say 'not valid'). */
const notValid = (warnings: string[]) => (warnings.length ? ` Not valid: ${warnings.join(' ')}` : '');
/**
 * The Student-t LSTM's degrees of freedom over the test days, per series (each day's t VaR and ES use that day's
 * own ν); empty for the other losses.
 */
function nuSpread(r: RiskReport): string {
  const f = (x: number) => x.toFixed(2);
  const parts = r.series.flatMap(({ name, forecasts: { lstm } }) =>
    lstm.nu ? [`${r.series.length > 1 ? `${name}: ` : ''}min ${f(lstm.nu.min)}, quartiles ${f(lstm.nu.p25)} / ${f(lstm.nu.median)} / ${f(lstm.nu.p75)}, max ${f(lstm.nu.max)}`] : [],
  );
  return parts.length ? ` Student-t LSTM: its ν over the test days (lower: fatter tails; each day's VaR and ES use that day's ν): ${parts.join('; ')}.` : '';
}
const fixed = (digits: number) => (_u: uPlot, v: number | null) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const dateSeries: uPlot.Series = { label: 'date', value: '{YYYY}-{MM}-{DD}' };

/** A model's one-day Student-t 99% VaR on each test day: the table's VaR99. */
const var99 = (s: TestSeries, m: ModelName) => s.var[m]['0.99'].t;

/** Days with a return below -VaR, as the backtest counts them. */
function exceptionCount(s: TestSeries, m: ModelName): number {
  const v = var99(s, m);
  return s.returns.reduce((n, r, i) => n + (r < -v[i] ? 1 : 0), 0);
}

export class Results {
  private readonly forecastChart: Chart;
  private readonly riskChart: Chart;
  private series: TestSeries[] = [];

  /** `onDayClick`: a click (not a drag to zoom) on the forecast chart, with the series and the day under it. */
  constructor(
    private readonly el: ResultElements,
    private readonly onDayClick: (series: number, day: string) => void,
  ) {
    this.forecastChart = new Chart(el.forecast);
    this.riskChart = new Chart(el.risk);
    el.seriesPicker.addEventListener('change', () => this.drawSeries(Number(el.seriesPicker.value)));
  }

  clear(message = 'Train a model, or load a saved one, to see its forecasts and backtests here.'): void {
    this.el.summary.textContent = message;
    this.series = [];
    this.forecastChart.clear();
    this.riskChart.clear();
    this.el.charts.hidden = true;
    this.el.backtests.hidden = true;
    this.el.nextDay.hidden = true;
  }

  showTraining(result: PipelineResult): void {
    const r = result.report;
    const test = r.data.split.test;
    const t = r.training;
    const epochs = t.members.map((m) => `${m.epochs} epoch${m.epochs === 1 ? '' : 's'} (best ${m.bestEpoch})`).join(', ');
    const horizon = r.data.horizon > 1 ? `the next ${r.data.horizon} days'` : "the next day's";
    const stopped =
      t.stopReason === 'aborted'
        ? `Stopped early: these results are for the best weights reached before Stop${r.settings.ensemble > 1 ? ` (${t.members.length} of ${r.settings.ensemble} members trained)` : ''}. `
        : '';
    this.el.summary.textContent =
      stopped +
      `Test period ${test.firstDate} to ${test.lastDate}: ${test.windows.toLocaleString('en-US')} forecasts per model of ${horizon} variance. ` +
      `LSTM: ${t.parameters.toLocaleString('en-US')} parameters, ${epochs}, ${r.timing.trainingSeconds.toFixed(1)} s on ${t.backend}${t.adapter ? ` (${t.adapter})` : ''}, ` +
      `${Math.round(r.timing.samplesPerSecond).toLocaleString('en-US')} windows/s.` +
      nuSpread(r) +
      notValid(r.warnings);
    this.series = result.testDays;
    this.el.seriesPicker.replaceChildren(...this.series.map((s, i) => new Option(s.name, String(i))));
    this.el.seriesPicker.hidden = this.series.length < 2;
    this.el.charts.hidden = false;
    this.drawSeries(0);
    renderTable(this.el.table, r);
    this.el.backtests.hidden = false;
    this.showNextDay(r.series, t.members.length);
  }

  showForecast(forecast: ForecastReport): void {
    const m = forecast.model;
    const trained = m.trainedOn;
    this.clear(
      `Saved model (trained on ${trained.source}, ${trained.firstDate} to ${trained.lastDate}; window ${m.window}, horizon ${m.horizon}, ${m.loss} loss, ` +
        `${m.members} member${m.members > 1 ? 's' : ''}) applied to ${forecast.data.source}, ${forecast.data.firstDate} to ${forecast.data.lastDate}, without training. ` +
        'The baselines are refitted on that data.' +
        notValid(forecast.warnings),
    );
    this.showNextDay(forecast.series, m.members);
  }

  private showNextDay(series: Parameters<typeof renderNextDay>[1], members: number): void {
    renderNextDay(this.el.nextDayTables, series, members);
    this.el.nextDay.hidden = false;
  }

  /** A single click, neither the end of a drag to zoom nor half of the double-click that resets the zoom. */
  private listenForDayClicks(u: uPlot, index: number): void {
    let downAt = 0;
    let pending: ReturnType<typeof setTimeout> | undefined;
    u.over.addEventListener('mousedown', (e) => (downAt = e.clientX));
    u.over.addEventListener('click', (e) => {
      clearTimeout(pending);
      if (e.detail > 1 || Math.abs(e.clientX - downAt) > 3) return;
      const day = this.series[index]?.dates[u.posToIdx(e.clientX - u.over.getBoundingClientRect().left)];
      if (day !== undefined) pending = setTimeout(() => this.onDayClick(index, day), DOUBLE_CLICK_MS);
    });
  }

  private drawSeries(index: number): void {
    const s = this.series[index];
    if (!s) return;
    const x = s.dates.map(toUnixSeconds);
    const vol = (v: number) => Math.sqrt((TRADING_DAYS * v) / s.horizon);
    const charts = () => [this.forecastChart.plot, this.riskChart.plot];
    const common: Pick<ChartOptions, 'scales' | 'tzDate' | 'cursor' | 'hooks'> = {
      scales: { x: { time: true } },
      tzDate: utc,
      cursor: { sync: { key: 'test-period', setSeries: false } },
      hooks: { setScale: linkZoom(charts) },
    };
    this.forecastChart.show(
      {
        ...common,
        hooks: { ...common.hooks, ready: [(u) => this.listenForDayClicks(u, index)] },
        axes: [{}, { label: 'volatility, annualized %', size: 56 }],
        series: [
          dateSeries,
          { label: s.horizon > 1 ? `realized (${s.horizon}-day)` : 'realized (|return|)', stroke: COLORS.realized, width: 1, value: fixed(1) },
          ...MODEL_NAMES.map((m): uPlot.Series => ({ label: MODEL_LABELS[m], stroke: COLORS[m], width: m === 'lstm' ? 2 : 1.25, value: fixed(1) })),
        ],
      },
      [x, Array.from(s.realized, vol), ...MODEL_NAMES.map((m) => Array.from(s.forecasts[m], vol))],
    );
    const exceptions = (m: ModelName) => Array.from(s.returns, (r, i) => (r < -var99(s, m)[i] ? r : null));
    // Concentric rings: where several models are exceeded on one day, each ring still shows.
    const ring: Record<ModelName, number> = { lstm: 19, ewma: 16, garch: 13, gjr: 10, har: 7, loghar: 4 };
    this.riskChart.show(
      {
        ...common,
        axes: [{}, { label: 'daily return %', size: 56 }],
        series: [
          dateSeries,
          { label: 'return', stroke: COLORS.returns, width: 1, value: fixed(2) },
          ...MODEL_NAMES.map((m): uPlot.Series => ({ label: `${MODEL_LABELS[m]} −VaR 99%`, stroke: COLORS[m], width: m === 'lstm' ? 1.75 : 1, value: fixed(2) })),
          ...MODEL_NAMES.map(
            (m): uPlot.Series => ({
              label: `${MODEL_LABELS[m]} exceptions (${exceptionCount(s, m)})`,
              stroke: COLORS[m],
              paths: () => null,
              points: { show: true, size: ring[m], width: 2, stroke: COLORS[m], fill: m === 'loghar' ? COLORS[m] : 'rgba(0,0,0,0)' },
              value: fixed(2),
            }),
          ),
        ],
      },
      [x, Array.from(s.returns), ...MODEL_NAMES.map((m) => Array.from(var99(s, m), (v) => -v)), ...MODEL_NAMES.map(exceptions)],
    );
  }
}
