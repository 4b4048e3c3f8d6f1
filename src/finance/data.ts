// Daily market data from CSV text: column detection, cleaning rules and conversion to percent log returns.
import Papa from 'papaparse';
import { UserError } from '../errors.js';

export type DataKind = 'ohlc' | 'prices' | 'returns';

/** The report's `data.source` for the bundled S&P 500 file (vega-datasets), the same in the CLI and the app. */
export const BUNDLED_DATA_NAME = 'S&P 500 daily OHLC 2000-01-03..2020-04-17 (vega-datasets/data/sp500-2000.csv)';

export interface DataOptions {
  dateColumn?: string;
  /** Price columns, one series each; default: found by name (adjusted close, else close), else every numeric column. */
  priceColumns?: string[];
  /** A column of log returns instead of prices. */
  returnsColumn?: string;
  /** Unit of the returns column: 'decimal' (0.01 = 1%) or 'percent' (1 = 1%). Default 'decimal'. */
  returnsUnit?: 'decimal' | 'percent';
}

/** Intraday-range variance estimates for each return's day, in percent². */
export interface RangeVariances {
  parkinson: Float64Array;
  garmanKlass: Float64Array;
}

export interface Series {
  name: string;
  /** Daily log returns in percent (100·ln(P_t / P_{t-1})); percent keeps variances near 1 rather than 1e-4. */
  returns: Float64Array;
  range?: RangeVariances;
}

export interface MarketData {
  kind: DataKind;
  /** Data rows kept after cleaning (prices: one more than the returns). */
  rows: number;
  firstDate: string;
  lastDate: string;
  /** The date of each return; every series shares them. */
  dates: string[];
  series: Series[];
  /** What the cleaning did (dropped blank rows, sorted dates, ...), one line each. */
  warnings: string[];
}

/** Rows with blank cells are dropped up to this share of the file; beyond it the file is refused. */
export const MAX_BLANK_FRACTION = 0.05;

const BLANK_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-', '.', '#n/a']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const THOUSANDS = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;

// Column roles, matched on the lower-cased name with everything but letters and digits removed.
const DATE_NAMES = ['date', 'datetime', 'timestamp', 'time', 'day'];
const RETURN_NAMES = ['return', 'returns', 'ret', 'logreturn', 'logreturns', 'logret'];
const ADJ_CLOSE_NAMES = ['adjclose', 'adjustedclose', 'adjclosingprice'];
const CLOSE_NAMES = ['close', 'closelast', 'closingprice', 'price', 'last'];
const IGNORED_NAMES = ['volume', 'vol', 'openinterest', 'adjvolume', 'turnover', 'dividends', 'stocksplits'];

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

function isBlank(cell: string | undefined): boolean {
  return cell === undefined || BLANK_TOKENS.has(cell.trim().toLowerCase());
}

/** A finite number, or NaN for anything that is not plainly one (Number('') is 0 and Number('0x1f') is 31). */
function parseNumber(cell: string): number {
  const s = cell.trim();
  if (NUMBER.test(s)) return Number(s);
  if (THOUSANDS.test(s)) return Number(s.replace(/,/g, ''));
  return NaN;
}

/** Milliseconds since the epoch; ISO dates are read as UTC, other formats as Date.parse reads them. */
function parseDate(cell: string): number {
  const s = cell.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (iso) return iso[0] === s ? Date.UTC(+iso[1], +iso[2] - 1, +iso[3]) : Date.parse(s.includes('T') ? s : s.replace(' ', 'T'));
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (compact) return Date.UTC(+compact[1], +compact[2] - 1, +compact[3]);
  return Date.parse(s);
}

function listColumns(header: string[]): string {
  return header.map((h) => `'${h}'`).join(', ');
}

/** Finds the column a user named: exactly, else ignoring case and punctuation. */
function findNamed(header: string[], name: string, flag: string): number {
  const exact = header.indexOf(name);
  if (exact >= 0) return exact;
  const loose = header.map(normalise).indexOf(normalise(name));
  if (loose >= 0) return loose;
  throw new UserError(`column '${name}' (from ${flag}) is not in the file; its columns are ${listColumns(header)}`);
}

function byRole(header: string[], names: string[]): number[] {
  return header.flatMap((h, i) => (names.includes(normalise(h)) ? [i] : []));
}

interface Layout {
  kind: DataKind;
  date: number;
  values: number[]; // the series' columns (prices or returns)
  ohlc?: { open: number; high: number; low: number; close: number };
}

function ambiguous(header: string[], what: string, fix: string): UserError {
  return new UserError(`ambiguous columns: ${what}; the columns are ${listColumns(header)}; ${fix}`);
}

function chooseColumns(header: string[], options: DataOptions): Layout {
  let date: number;
  if (options.dateColumn !== undefined) date = findNamed(header, options.dateColumn, '--date');
  else {
    const dates = byRole(header, DATE_NAMES);
    if (dates.length === 0) throw new UserError(`no date column found (looked for ${DATE_NAMES.join('/')}); the columns are ${listColumns(header)}; name it with --date`);
    if (dates.length > 1) throw ambiguous(header, `several date columns (${dates.map((i) => `'${header[i]}'`).join(', ')})`, 'name one with --date');
    date = dates[0];
  }
  const [open, high, low] = [['open'], ['high'], ['low']].map((n) => byRole(header, n));
  const closes = byRole(header, ['close']);
  const ohlc = open.length === 1 && high.length === 1 && low.length === 1 && closes.length === 1 ? { open: open[0], high: high[0], low: low[0], close: closes[0] } : undefined;
  // Range estimators need one series; a portfolio of price columns has no single bar to measure.
  const withRange = (values: number[]): Layout => (ohlc && values.length === 1 ? { kind: 'ohlc', date, values, ohlc } : { kind: 'prices', date, values });

  if (options.returnsColumn !== undefined) {
    if (options.priceColumns?.length) throw new UserError('--returns and --price both given; use one: --returns for a column of returns, --price for price columns');
    return { kind: 'returns', date, values: [findNamed(header, options.returnsColumn, '--returns')] };
  }
  if (options.priceColumns?.length) {
    const values = options.priceColumns.map((name) => findNamed(header, name, '--price'));
    if (values.includes(date)) throw new UserError(`column '${header[date]}' is the date column and cannot also be a price column`);
    if (new Set(values).size !== values.length) throw new UserError('a price column is named twice in --price; name each once');
    return withRange(values);
  }
  const returns = byRole(header, RETURN_NAMES);
  const adjusted = byRole(header, ADJ_CLOSE_NAMES);
  const closing = byRole(header, CLOSE_NAMES);
  const prices = adjusted.length ? adjusted : closing;
  if (returns.length && (adjusted.length || closing.length)) {
    throw ambiguous(header, 'the file has both returns and price columns', "choose with --returns COLUMN or --price COLUMN");
  }
  if (returns.length > 1) throw ambiguous(header, 'several returns columns', 'choose one with --returns COLUMN');
  if (returns.length === 1) return { kind: 'returns', date, values: returns };
  // Adjusted close wins over close: splits and dividends would otherwise show up as huge one-day returns.
  if (prices.length > 1) throw ambiguous(header, `several close columns (${prices.map((i) => `'${header[i]}'`).join(', ')})`, 'choose with --price COLUMN');
  if (prices.length === 1) return withRange(prices);
  // No named price: every other column except volume-like ones is a series (a portfolio or an index's members).
  const values = header.flatMap((h, i) => (i !== date && !IGNORED_NAMES.includes(normalise(h)) ? [i] : []));
  if (values.length === 0) throw new UserError(`no price column: the file has only ${listColumns(header)}; it needs a date column and at least one price or returns column`);
  return { kind: 'prices', date, values };
}

function describeRows(rows: number[]): string {
  const shown = rows.slice(0, 5).join(', ');
  return rows.length > 5 ? `${shown}, ...` : shown;
}

/**
 * Parses daily market data from CSV text (a dropped file's text in the browser, a file's text in Node).
 * Delimiter (, ; tab |), quotes, CRLF and a BOM are handled by Papa Parse; every problem is a UserError
 * that says what was wrong and what to do.
 */
export function parseMarketData(text: string, options: DataOptions = {}): MarketData {
  const clean = text.replace(/^\uFEFF/, '');
  if (clean.trim() === '') throw new UserError('the data file is empty; it needs a header row and daily rows (date and prices)');
  const parsed = Papa.parse<string[]>(clean, { header: false, skipEmptyLines: 'greedy', delimitersToGuess: [',', ';', '\t', '|'] });
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError) throw new UserError(`CSV quoting error in line ${(quoteError.row ?? 0) + 1} of the file: ${quoteError.message}; check that every quoted field is closed`);
  const [headerRow, ...body] = parsed.data;
  const header = headerRow.map((h, i) => h.trim() || `column ${i + 1}`);
  if (new Set(header).size !== header.length) throw new UserError(`the header names a column twice: ${listColumns(header)}; rename the duplicates`);
  if (body.length === 0) throw new UserError('the data file has a header but no rows');
  const layout = chooseColumns(header, options);
  const used = [layout.date, ...layout.values, ...(layout.ohlc ? Object.values(layout.ohlc) : [])].filter((c, i, all) => all.indexOf(c) === i);
  const warnings: string[] = [];

  // Rows with a blank cell in a used column are dropped (the row counts from 1 below the header).
  const blankRows: number[] = [];
  const rows: { line: number; cells: string[] }[] = [];
  body.forEach((cells, i) => {
    if (cells.length !== header.length) {
      throw new UserError(`data row ${i + 1} has ${cells.length} fields but the header has ${header.length}; check the delimiter and quoting of that row`);
    }
    if (used.some((c) => isBlank(cells[c]))) blankRows.push(i + 1);
    else rows.push({ line: i + 1, cells });
  });
  if (blankRows.length > 0) {
    const share = blankRows.length / body.length;
    if (share > MAX_BLANK_FRACTION) {
      throw new UserError(
        `${blankRows.length} of ${body.length} rows (${(100 * share).toFixed(1)}%) have blank cells (rows ${describeRows(blankRows)}); ` +
          `more than ${100 * MAX_BLANK_FRACTION}% is refused: fill or remove them`,
      );
    }
    warnings.push(`dropped ${blankRows.length} row${blankRows.length > 1 ? 's' : ''} with blank cells (rows ${describeRows(blankRows)})`);
  }

  const numeric = (column: number) =>
    Float64Array.from(rows, ({ line, cells }) => {
      const v = parseNumber(cells[column]);
      if (!Number.isFinite(v)) {
        throw new UserError(`column '${header[column]}' holds '${cells[column].trim()}' in data row ${line}, not a number; ${layout.kind === 'returns' ? 'fix that cell' : 'fix that cell or name the price columns with --price'}`);
      }
      return v;
    });
  const times = rows.map(({ line, cells }) => {
    const t = parseDate(cells[layout.date]);
    if (Number.isNaN(t)) throw new UserError(`column '${header[layout.date]}' holds '${cells[layout.date].trim()}' in data row ${line}, not a date; use YYYY-MM-DD`);
    return t;
  });
  let values = layout.values.map(numeric);
  let bars = layout.ohlc && { open: numeric(layout.ohlc.open), high: numeric(layout.ohlc.high), low: numeric(layout.ohlc.low), close: numeric(layout.ohlc.close) };
  let dates = rows.map(({ cells }) => cells[layout.date].trim());
  let lines = rows.map((r) => r.line);

  // Chronological order: sort (newest-first exports are common), then drop exact duplicate rows; refuse conflicting ones.
  const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
  if (order.some((k, i) => k !== i)) {
    const descending = times.every((t, i) => i === 0 || t <= times[i - 1]);
    warnings.push(descending ? 'dates run newest-first; reversed to oldest-first' : `rows are not in date order (first at data row ${lines[times.findIndex((t, i) => i > 0 && t < times[i - 1])]}); sorted by date`);
  }
  const columnsOf = (i: number) => [...values.map((v) => v[i]), ...(bars ? [bars.open[i], bars.high[i], bars.low[i], bars.close[i]] : [])];
  const keep: number[] = [];
  let duplicates = 0;
  for (const i of order) {
    const prev = keep[keep.length - 1];
    if (prev !== undefined && times[prev] === times[i]) {
      if (columnsOf(prev).some((v, c) => v !== columnsOf(i)[c])) {
        throw new UserError(`date ${dates[i]} appears twice with different values (data rows ${lines[prev]} and ${lines[i]}); remove the wrong row`);
      }
      duplicates++;
      continue;
    }
    keep.push(i);
  }
  if (duplicates > 0) warnings.push(`dropped ${duplicates} repeated row${duplicates > 1 ? 's' : ''} (same date, same values)`);
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]);
  values = values.map(pick);
  bars = bars && { open: pick(bars.open), high: pick(bars.high), low: pick(bars.low), close: pick(bars.close) };
  dates = keep.map((i) => dates[i]);
  lines = keep.map((i) => lines[i]);
  if (dates.length < 2) throw new UserError(`the data has ${dates.length} usable row; it needs many daily rows`);

  const names = layout.values.map((c) => header[c]);
  let series: Series[];
  if (layout.kind === 'returns') {
    series = [{ name: names[0], returns: returnsInPercent(values[0], names[0], options.returnsUnit ?? 'decimal') }];
  } else {
    values.forEach((v, s) => checkPositive(v, names[s], lines));
    if (bars) {
      const b = bars;
      (['open', 'high', 'low', 'close'] as const).forEach((k) => checkPositive(b[k], header[layout.ohlc![k]], lines));
      const bad = b.high.findIndex((h, i) => h < b.low[i]);
      if (bad >= 0) throw new UserError(`data row ${lines[bad]}: high ${b.high[bad]} is below low ${b.low[bad]}; fix the row`);
    }
    series = values.map((v, s) => ({ name: names[s], returns: logReturnsPercent(v), ...(bars ? { range: rangeVariances(bars) } : {}) }));
  }
  return {
    kind: layout.kind,
    rows: dates.length,
    firstDate: dates[0],
    lastDate: dates[dates.length - 1],
    dates: layout.kind === 'returns' ? dates : dates.slice(1),
    series,
    warnings,
  };
}

function checkPositive(prices: Float64Array, name: string, lines: number[]): void {
  const bad = prices.findIndex((p) => !(p > 0));
  if (bad >= 0) throw new UserError(`column '${name}' holds ${prices[bad]} in data row ${lines[bad]}; prices must be positive (use --returns for a column of returns)`);
}

/** 100·ln(P_t / P_{t-1}): one fewer value than prices. */
export function logReturnsPercent(prices: Float64Array): Float64Array {
  const out = new Float64Array(prices.length - 1);
  for (let t = 1; t < prices.length; t++) out[t - 1] = 100 * Math.log(prices[t] / prices[t - 1]);
  return out;
}

/** A returns column in percent, refusing a unit that cannot be right (a silent ×100 would scale every VaR). */
function returnsInPercent(values: Float64Array, name: string, unit: 'decimal' | 'percent'): Float64Array {
  const sorted = Float64Array.from(values, Math.abs).sort();
  const median = sorted[Math.floor(sorted.length / 2)];
  if (unit === 'decimal' && median > 0.1) {
    throw new UserError(`column '${name}' looks like percent returns (median |r| = ${median.toPrecision(3)}); pass --returns-unit percent`);
  }
  if (unit === 'percent' && median < 0.001) {
    throw new UserError(`column '${name}' looks like decimal returns (median |r| = ${median.toPrecision(3)}); drop --returns-unit percent`);
  }
  return unit === 'percent' ? values : values.map((r) => 100 * r);
}

/**
 * Parkinson (1980) and Garman–Klass (1980) daily variances in percent², one per day after the first, so they
 * line up with the returns. Garman–Klass can only go negative on bars whose close lies outside high–low.
 */
export function rangeVariances(bars: { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array }): RangeVariances {
  const n = bars.close.length - 1;
  const parkinson = new Float64Array(n);
  const garmanKlass = new Float64Array(n);
  for (let t = 1; t <= n; t++) {
    const hl = Math.log(bars.high[t] / bars.low[t]);
    const co = Math.log(bars.close[t] / bars.open[t]);
    parkinson[t - 1] = (1e4 * hl * hl) / (4 * Math.LN2);
    garmanKlass[t - 1] = 1e4 * Math.max(0, 0.5 * hl * hl - (2 * Math.LN2 - 1) * co * co);
  }
  return { parkinson, garmanKlass };
}
