// The page's tables: the backtest table (reportTable's rows, the CLI's `train` columns) and the next trading
// day's risk figures (the CLI's `predict` columns).
import { MODEL_NAMES, type ModelName, type NextDay } from '../finance/evaluate.js';
import type { Sanity } from '../finance/sanity.js';
import { reportTable, type RiskReport, type TableRow } from '../finance/report.js';

export const MODEL_LABELS = { lstm: 'LSTM', ewma: 'EWMA', garch: 'GARCH(1,1)', gjr: 'GJR-GARCH', har: 'HAR', loghar: 'log-HAR' } as const;

const fixed = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const pValue = (p: number | null) => (p === null || !Number.isFinite(p) ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));

interface Column<R> {
  title: string;
  tip: string;
  cell: (row: R) => string;
  className?: (row: R) => string;
}

export function fill<R>(table: HTMLTableElement, columns: Column<R>[], rows: R[]): void {
  const head = document.createElement('tr');
  for (const c of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c.title;
    th.title = c.tip;
    head.append(th);
  }
  (table.tHead ?? table.createTHead()).replaceChildren(head);
  const body = table.tBodies[0] ?? table.createTBody();
  body.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement('tr');
      for (const c of columns) {
        const td = document.createElement('td');
        td.textContent = c.cell(row);
        const cls = c.className?.(row);
        if (cls) td.className = cls;
        tr.append(td);
      }
      return tr;
    }),
  );
}

const BACKTEST_COLUMNS: Column<TableRow>[] = [
  { title: 'Model', tip: 'forecasting model', cell: (r) => (r.valid ? MODEL_LABELS[r.model] : `${MODEL_LABELS[r.model]} (not valid)`) },
  { title: 'QLIKE', tip: 'mean QLIKE loss of the variance forecast on the test period (lower is better)', cell: (r) => fixed(r.qlike) },
  { title: 'MSE', tip: 'mean squared error of the variance forecast, percent⁴ (lower is better)', cell: (r) => fixed(r.mse) },
  { title: 'DM p vs LSTM', tip: 'Diebold–Mariano p-value of the QLIKE difference between the LSTM and this model', cell: (r) => pValue(r.dmP) },
  { title: 'VaR99 exc (exp)', tip: "test days the loss exceeded the Student-t one-day 99% VaR, from the model's one-day variance forecast (expected number)", cell: (r) => (r.valid ? `${r.exceptions99} (${r.expected99.toFixed(1)})` : '–') },
  { title: 'Kupiec p', tip: 'unconditional coverage test p-value', cell: (r) => (r.valid ? pValue(r.kupiecP) : '–') },
  { title: 'Christoffersen p', tip: 'independence of exceptions test p-value', cell: (r) => (r.valid ? pValue(r.christoffersenP) : '–') },
  // A model that failed its sanity checks shows no backtest or traffic light as if valid.
  { title: 'Traffic light', tip: 'Basel zone over the last 250 test days', cell: (r) => (r.valid ? (r.trafficLight ?? '–') : 'not valid'), className: (r) => (r.valid ? (r.trafficLight ?? '') : '') },
];

/** With a horizon h > 1, the h-day VaR backtest (the CLI's columns). */
const horizonColumns = (h: number): Column<TableRow>[] => [
  {
    title: `${h}-day VaR99 exc (exp)`,
    tip: `${h}-day returns beyond the Student-t ${h}-day 99% VaR, on non-overlapping windows (one test day in ${h}; expected number)`,
    cell: (r) => (r.valid && r.horizon99 ? `${r.horizon99.exceptions} (${r.horizon99.expected.toFixed(1)})` : '–'),
  },
  { title: `${h}-day Kupiec p`, tip: `Kupiec's unconditional coverage test p-value on those ${h}-day windows`, cell: (r) => (r.valid && r.horizon99 ? pValue(r.horizon99.kupiecP) : '–') },
];

export function renderTable(table: HTMLTableElement, report: RiskReport): void {
  const series: Column<TableRow> = { title: 'Series', tip: 'price column', cell: (r) => r.series };
  const h = report.data.horizon;
  fill(table, [...(report.series.length > 1 ? [series] : []), ...BACKTEST_COLUMNS, ...(h > 1 ? horizonColumns(h) : [])], reportTable(report));
}

type NextDayRow = NextDay['models'][keyof NextDay['models']] & { model: keyof NextDay['models']; valid: boolean };

const risk = (r: NextDayRow, value: number) => (r.valid ? fixed(value) : '–');

const NEXT_DAY_COLUMNS: Column<NextDayRow>[] = [
  { title: 'Model', tip: 'forecasting model', cell: (r) => (r.valid ? MODEL_LABELS[r.model] : `${MODEL_LABELS[r.model]} (not valid)`) },
  { title: 'Vol %', tip: 'one-day volatility, percent', cell: (r) => fixed(r.volatility) },
  { title: 'VaR95 %', tip: 'Student-t one-day 95% VaR, percent of the position', cell: (r) => risk(r, r.var['0.95'].t) },
  { title: 'VaR99 %', tip: 'Student-t one-day 99% VaR, percent of the position', cell: (r) => risk(r, r.var['0.99'].t) },
  { title: 'ES97.5 %', tip: 'Student-t one-day 97.5% expected shortfall (the Basel level)', cell: (r) => risk(r, r.es['0.975'].t) },
  { title: 'ES99 %', tip: 'Student-t one-day 99% expected shortfall', cell: (r) => risk(r, r.es['0.99'].t) },
  { title: 'VaR99 FHS %', tip: '99% VaR by filtered historical simulation', cell: (r) => risk(r, r.var['0.99'].fhs) },
  { title: 'ES99 FHS %', tip: '99% expected shortfall by filtered historical simulation', cell: (r) => risk(r, r.es['0.99'].fhs) },
];

/** One table per series: every model's figures for the trading day after the data's last date. */
export function renderNextDay(host: HTMLElement, series: { name: string; nextDay: NextDay; sanity: Record<ModelName, Sanity> }[], members: number): void {
  host.replaceChildren(
    ...series.flatMap((s) => {
      const caption = document.createElement('p');
      caption.className = 'table-caption';
      const band = s.nextDay.ensembleVolatility;
      caption.textContent =
        `${series.length > 1 ? `${s.name}: ` : ''}the trading day after ${s.nextDay.after} (losses in percent of the position)` +
        (band ? `; LSTM ensemble of ${members}: member volatility ${fixed(band.min)} to ${fixed(band.max)} %` : '');
      const wrap = document.createElement('div');
      wrap.className = 'table-wrap';
      const table = document.createElement('table');
      fill(table, NEXT_DAY_COLUMNS, MODEL_NAMES.map((model) => ({ model, ...s.nextDay.models[model], valid: s.sanity[model].valid })));
      wrap.append(table);
      return [caption, wrap];
    }),
  );
}
