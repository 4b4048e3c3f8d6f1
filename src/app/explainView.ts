// What drives the trained LSTM, in section 4: for a day clicked on the forecast chart, the integrated-gradient
// attributions (heatmap, the largest drivers in words, the forecast against the baseline's and the completeness
// check); for the whole test split, the permutation importance of each feature as a bar chart.
import uPlot from 'uplot';
import { topDrivers, type ExplainReport } from '../finance/explain.js';
import { Chart, COLORS } from './chart.js';
import { heatmapSvg } from './heatmap.js';

export interface ExplainElements {
  /** The hint, the request on its way, or what went wrong. */
  state: HTMLElement;
  day: HTMLElement;
  numbers: HTMLElement;
  drivers: HTMLElement;
  heatmap: HTMLElement;
  importance: HTMLElement;
}

const HINT = "Click a day on the forecast chart to see which days and features drove the LSTM's forecast for it.";
/** Below this many pixels per bar the feature names are slanted so that they do not overlap. */
const ROOM_PER_NAME = 170;

export class ExplainView {
  private readonly importanceChart: Chart;

  constructor(private readonly el: ExplainElements) {
    this.importanceChart = new Chart(el.importance);
  }

  clear(): void {
    this.el.state.textContent = HINT;
    this.el.state.classList.remove('error');
    this.el.day.hidden = true;
    this.el.heatmap.replaceChildren();
    this.importanceChart.clear();
  }

  /** A day's explanation is on its way. */
  explaining(series: string, day: string): void {
    this.el.state.classList.remove('error');
    this.el.state.textContent = `Explaining the LSTM's forecast for ${day} (${series})…`;
  }

  failed(message: string): void {
    this.el.state.classList.add('error');
    this.el.state.textContent = message;
  }

  /** `forDay` is the day forecast; the report's day is the one the forecast was made on. */
  show(report: ExplainReport, forDay: string): void {
    const d = report.days[0];
    const c = d.completeness;
    this.el.state.classList.remove('error');
    this.el.state.textContent = HINT;
    this.el.numbers.textContent =
      `Forecast for ${forDay} (${report.series}), made at the close of ${d.date}: ${d.forecast.toFixed(3)} against ${d.baselineForecast.toFixed(3)} for the baseline ` +
      `window, every feature at its training mean (${report.output}). The attributions add up to ${c.sum.toFixed(3)} of the difference ${c.delta.toFixed(3)}: ` +
      `completeness error ${(100 * c.relativeError).toFixed(2)}% (integrated gradients, ${report.steps} ${report.quadrature} steps).`;
    this.el.drivers.textContent = topDrivers(d, report.features);
    this.el.heatmap.innerHTML = heatmapSvg(d, report.features, `What drove the forecast made on ${d.date} (${report.series})`); // our own SVG, names escaped
    this.el.day.hidden = false;
  }

  /** One bar per feature: the rise of the test split's mean QLIKE when that feature is shuffled. */
  showImportance(importance: Record<string, number>): void {
    const names = Object.keys(importance);
    const index = names.map((_, i) => i);
    const slanted = (u: uPlot) => u.width / names.length < ROOM_PER_NAME;
    this.importanceChart.show(
      {
        scales: { x: { time: false, range: [-0.5, names.length - 0.5] }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(0, max) * 1.1 || 1] } },
        axes: [
          { splits: () => index, values: (_u, splits) => splits.map((i) => names[i] ?? ''), grid: { show: false }, rotate: (u) => (slanted(u) ? 30 : 0), size: (u) => (slanted(u) ? 120 : 40) },
          { label: 'QLIKE rise', size: 64 },
        ],
        series: [
          { label: 'feature', value: (_u, i) => names[i] ?? '–' },
          {
            label: 'QLIKE rise when shuffled',
            stroke: COLORS.lstm,
            fill: `${COLORS.lstm}99`,
            paths: uPlot.paths.bars!({ size: [0.6, 90] }),
            points: { show: false },
            value: (_u, v) => (v === null || v === undefined ? '–' : v.toPrecision(3)),
          },
        ],
      },
      [index, names.map((n) => importance[n])],
    );
  }
}
