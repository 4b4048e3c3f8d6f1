// Daily market data from CSV text: column detection, cleaning rules and conversion to percent log returns.
import Papa from 'papaparse';
import { UserError } from '../errors.js';

export type DataKind = 'ohlc' | 'prices' | 'returns';

/** The report's `data.source` for the bundled S&P 500 file (vega-datasets), the same in the CLI and the app. */
export const BUNDLED_DATA_NAME = 'S&P 500 daily OHLC 2000-01-03..2020-04-17 (vega-datasets/data/sp500-2000.csv)';

export type DecimalSeparator = '.' | ',';
/** Order of day, month and year in numeric dates such as 03/04/2020 or 03.04.2020. */
export type DateOrder = 'ymd' | 'dmy' | 'mdy';

/** How often the data is sampled; the models and their labels (next day, one-day VaR) follow it. */
export type Frequency = 'daily' | 'weekly' | 'monthly' | 'intraday';
export const FREQUENCIES: readonly Frequency[] = ['daily', 'weekly', 'monthly', 'intraday'];

export interface DataOptions {
  dateColumn?: string;
  /** Price columns, one series each; default: found by name (adjusted close, else close), else every numeric column. */
  priceColumns?: string[];
  /** A column of log returns instead of prices. */
  returnsColumn?: string;
  /** Unit of the returns column: 'decimal' (0.01 = 1%) or 'percent' (1 = 1%). Default 'decimal'. */
  returnsUnit?: 'decimal' | 'percent';
  /** The numbers' decimal separator; default: inferred from the values (and the delimiter when they cannot say). */
  decimal?: DecimalSeparator;
  /** The order of numeric dates; default: inferred from the whole column (a field above 12 is the day). */
  dateFormat?: DateOrder;
  /** The data's sampling; default: inferred from the dates, and anything but daily refused unless given. */
  frequency?: Frequency;
}

/** Intraday-range variance estimates for each return's day, in percent². */
export interface RangeVariances {
  parkinson: Float64Array;
  /** Absent where the file's open is not a real one (see checkDataQuality). */
  garmanKlass?: Float64Array;
}

/** Daily open/high/low/close prices, one per row. */
export interface Bars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
}

export interface Series {
  name: string;
  /** Daily log returns in percent (100·ln(P_t / P_{t-1})); percent keeps variances near 1 rather than 1e-4. */
  returns: Float64Array;
  range?: RangeVariances;
  /** The bars behind `range` (OHLC files only): the data-quality checks look at the opens. */
  bars?: Bars;
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

// Column roles, matched on the lower-cased name without accents and with everything but letters and digits
// removed; the common names of spreadsheet and broker exports in German, Spanish, French, Italian, Portuguese
// and Chinese are included.
const DATE_NAMES = ['date', 'datetime', 'timestamp', 'time', 'day', 'datum', 'fecha', 'data', 'dataora', '日期', '时间', '交易日期'];
const RETURN_NAMES = ['return', 'returns', 'ret', 'logreturn', 'logreturns', 'logret'];
const ADJ_CLOSE_NAMES = ['adjclose', 'adjustedclose', 'adjclosingprice', '复权收盘价'];
const CLOSE_NAMES = ['close', 'closelast', 'closingprice', 'price', 'last', 'schluss', 'schlusskurs', 'cierre', 'cloture', 'dernier', 'chiusura', 'ultimo', 'fechamento', '收盘', '收盘价'];
const OPEN_NAMES = ['open', 'eroffnung', 'erster', 'apertura', 'ouverture', 'abertura', '开盘', '开盘价'];
const HIGH_NAMES = ['high', 'hoch', 'max', 'maximo', 'plushaut', 'massimo', 'maxima', '最高', '最高价'];
const LOW_NAMES = ['low', 'tief', 'min', 'minimo', 'plusbas', 'minima', '最低', '最低价'];
const IGNORED_NAMES = ['volume', 'vol', 'openinterest', 'adjvolume', 'turnover', 'dividends', 'stocksplits', 'volumen', 'umsatz', 'volumes', '成交量', '成交额', 'change', 'changepercent', 'var'];

const normalise = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N}]/gu, '');

// C0 and C1 control characters other than tab, CR and LF: never echoed to a terminal.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** A cell or a name as messages show it: control bytes replaced, long text cut. */
function shown(text: string): string {
  const clean = text.trim().replace(CONTROL, '\uFFFD');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/**
 * The text of a data file's bytes: UTF-16 (by its BOM, or without one by the NUL bytes of ASCII text in it, as
 * Excel's "Unicode text" writes), UTF-8 with or without a BOM, and Windows-1252 for bytes that are not UTF-8.
 */
export function decodeDataFile(bytes: Uint8Array): string {
  const b = bytes;
  if (b[0] === 0xff && b[1] === 0xfe) return new TextDecoder('utf-16le').decode(b.subarray(2));
  if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder('utf-16be').decode(b.subarray(2));
  const n = Math.min(b.length, 4096) & ~1;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i++) if (b[i] === 0) (i % 2 ? odd++ : even++);
  if (odd > n / 8 && even * 10 < odd) return new TextDecoder('utf-16le').decode(b);
  if (even > n / 8 && odd * 10 < even) return new TextDecoder('utf-16be').decode(b);
  const body = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return new TextDecoder('windows-1252').decode(body);
  }
}

function isBlank(cell: string | undefined): boolean {
  return cell === undefined || BLANK_TOKENS.has(cell.trim().toLowerCase());
}

// Currency signs and codes, and percent signs, around a number ("$1,796.49", "1.2 %", "EUR 12,5").
const AFFIXES = /^(?:[$€£¥₹₩₽¤]|(?:USD|EUR|GBP|JPY|CHF|CNY|RMB)\s*)|(?:[$€£¥₹₩₽¤]|\s*(?:USD|EUR|GBP|JPY|CHF|CNY|RMB))$/g;
// Spaces and apostrophes between digit groups ("1 234,56", "1'234.56").
const GROUP_SPACES = /(?<=\d)[\s\u00a0\u202f'’](?=\d{3}(?:\D|$))/g;

interface CleanNumber {
  text: string;
  percent: boolean;
}

function stripAffixes(cell: string): CleanNumber {
  let s = cell.trim();
  const percent = s.endsWith('%');
  if (percent) s = s.slice(0, -1).trim();
  s = s.replace(AFFIXES, '').trim();
  if (/^[+-]/.test(s)) s = s[0] + s.slice(1).replace(AFFIXES, '').trim(); // "-$12.5"
  return { text: s.replace(GROUP_SPACES, ''), percent };
}

const escape = (c: string) => (c === '.' ? '\\.' : c);

/** A finite number, or NaN for anything that is not plainly one (Number('') is 0 and Number('0x1f') is 31). */
function parseNumber(cell: string, decimal: DecimalSeparator): number {
  const s = stripAffixes(cell).text;
  const d = escape(decimal);
  const t = escape(decimal === '.' ? ',' : '.');
  if (new RegExp(`^[+-]?(\\d+(${d}\\d*)?|${d}\\d+)([eE][+-]?\\d+)?$`).test(s)) return Number(s.replace(decimal, '.'));
  if (new RegExp(`^[+-]?\\d{1,3}(${t}\\d{3})+(${d}\\d+)?$`).test(s)) return Number(s.replaceAll(decimal === '.' ? ',' : '.', '').replace(decimal, '.'));
  return NaN;
}

/**
 * The decimal separator the numbers use. A cell with both marks, or whose mark is not followed by exactly three
 * digits ("2874,56", "12.5"), settles it; cells such as "1.234" could be either, and leave it to the delimiter
 * (';' files are European: a decimal comma). Cells that settle it both ways are refused.
 */
function inferDecimal(cells: { text: string; column: string; line: number }[], delimiter: string): DecimalSeparator {
  let comma: (typeof cells)[number] | undefined;
  let point: (typeof cells)[number] | undefined;
  for (const c of cells) {
    const s = stripAffixes(c.text).text.replace(/^[+-]/, '');
    const lastComma = s.lastIndexOf(',');
    const lastPoint = s.lastIndexOf('.');
    let mark: DecimalSeparator | null = null;
    if (lastComma >= 0 && lastPoint >= 0) mark = lastComma > lastPoint ? ',' : '.';
    else if (lastComma >= 0 && !/^\d{1,3}(,\d{3})+$/.test(s)) mark = ',';
    else if (lastPoint >= 0 && !/^\d{1,3}(\.\d{3})+$/.test(s)) mark = '.';
    if (mark === ',') comma ??= c;
    if (mark === '.') point ??= c;
    if (comma && point) {
      throw new UserError(
        `the numbers mix decimal commas ('${shown(comma.text)}' in column '${shown(comma.column)}', data row ${comma.line}) and decimal points ` +
          `('${shown(point.text)}' in column '${shown(point.column)}', data row ${point.line}); say which the file uses with --decimal . or --decimal ,`,
      );
    }
  }
  return comma ? ',' : point ? '.' : delimiter === ';' ? ',' : '.';
}

interface DateParts {
  y: number;
  m: number;
  d: number;
  time: number; // milliseconds into the day
}

const TIME = String.raw`(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?`;
const YMD = new RegExp(String.raw`^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})${TIME}$`);
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const NUMERIC = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})${TIME}$`);

const clock = (h?: string, mi?: string, sec?: string) => ((+(h ?? 0) * 60 + +(mi ?? 0)) * 60 + +(sec ?? 0)) * 1000;
const fullYear = (y: string) => (y.length === 4 ? +y : +y < 70 ? 2000 + +y : 1900 + +y);

/** Milliseconds since the epoch for valid parts, else NaN (a 31 February is not a date). */
function timeOf(p: DateParts): number {
  const day = Date.UTC(p.y, p.m - 1, p.d);
  const back = new Date(day);
  if (p.m < 1 || p.m > 12 || back.getUTCDate() !== p.d || back.getUTCMonth() !== p.m - 1) return NaN;
  return day + p.time;
}

/** A date cell read with the column's order; ISO and compact dates never depend on it. */
function parseDate(cell: string, order: DateOrder | null): number {
  const s = cell.trim();
  const ymd = YMD.exec(s);
  if (ymd) return timeOf({ y: +ymd[1], m: +ymd[3], d: +ymd[4], time: clock(ymd[5], ymd[6], ymd[7]) });
  const compact = COMPACT.exec(s);
  if (compact) return timeOf({ y: +compact[1], m: +compact[2], d: +compact[3], time: 0 });
  const numeric = NUMERIC.exec(s);
  if (numeric) {
    if (order === null || order === 'ymd') return NaN;
    const [first, second] = [+numeric[1], +numeric[3]];
    return timeOf({ y: fullYear(numeric[4]), m: order === 'dmy' ? second : first, d: order === 'dmy' ? first : second, time: clock(numeric[5], numeric[6], numeric[7]) });
  }
  // Month names ("Jan 02, 2020", "02-Jan-2020") and ISO times with a zone: as Date.parse reads them, but the
  // calendar day written in the cell whatever the machine's time zone.
  if (!/[a-z]/i.test(s) && !/[+-]\d{2}:?\d{2}$|Z$/.test(s)) return NaN;
  const t = Date.parse(s);
  if (Number.isNaN(t) || /[+-]\d{2}:?\d{2}$|Z$/.test(s)) return t;
  const local = new Date(t);
  return Date.UTC(local.getFullYear(), local.getMonth(), local.getDate(), local.getHours(), local.getMinutes(), local.getSeconds());
}

/**
 * The order of numeric dates such as 03/04/2020, from the whole column: a first field above 12 makes it
 * day-first, a second field above 12 month-first; a column where neither happens is refused as ambiguous.
 */
function inferDateOrder(cells: string[], column: string, given: DateOrder | undefined): DateOrder | null {
  let dayFirst: string | undefined;
  let monthFirst: string | undefined;
  let numeric = false;
  for (const cell of cells) {
    const m = NUMERIC.exec(cell.trim());
    if (!m) continue;
    numeric = true;
    if (+m[1] > 12) dayFirst ??= cell;
    if (+m[3] > 12) monthFirst ??= cell;
  }
  if (!numeric) return given ?? null;
  if (given) return given;
  if (dayFirst && monthFirst) {
    throw new UserError(`column '${shown(column)}' has dates that are day-first ('${shown(dayFirst)}') and month-first ('${shown(monthFirst)}'); fix the column, or say the order with --date-format dmy or mdy`);
  }
  if (dayFirst) return 'dmy';
  if (monthFirst) return 'mdy';
  throw new UserError(`column '${shown(column)}' has dates such as '${shown(cells[0])}' that could be day-first or month-first, and no day above 12 says which; say the order with --date-format dmy or --date-format mdy`);
}

/** A date as the reports show it: YYYY-MM-DD, with the time of day when there is one. */
function isoDate(t: number): string {
  const iso = new Date(t).toISOString();
  if (t % 86_400_000 === 0) return iso.slice(0, 10);
  return iso.endsWith(':00.000Z') ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

function listColumns(header: string[]): string {
  return header.map((h) => `'${shown(h)}'`).join(', ');
}

/** Finds the column a user named: exactly, else ignoring case and punctuation. */
function findNamed(header: string[], name: string, flag: string): number {
  const exact = header.indexOf(name);
  if (exact >= 0) return exact;
  const loose = header.map(normalise).indexOf(normalise(name));
  if (loose >= 0) return loose;
  throw new UserError(`column '${shown(name)}' (from ${flag}) is not in the file; its columns are ${listColumns(header)}`);
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
    if (dates.length === 0) throw new UserError(`no date column found (looked for names such as date, datetime, timestamp, Datum, Fecha); the columns are ${listColumns(header)}; name it with --date`);
    if (dates.length > 1) throw ambiguous(header, `several date columns (${dates.map((i) => `'${shown(header[i])}'`).join(', ')})`, 'name one with --date');
    date = dates[0];
  }
  const [open, high, low, closes] = [OPEN_NAMES, HIGH_NAMES, LOW_NAMES, CLOSE_NAMES.filter((n) => n !== 'price')].map((n) => byRole(header, n));
  const ohlc = open.length === 1 && high.length === 1 && low.length === 1 && closes.length === 1 ? { open: open[0], high: high[0], low: low[0], close: closes[0] } : undefined;
  // Range estimators need one series; a portfolio of price columns has no single bar to measure.
  const withRange = (values: number[]): Layout => (ohlc && values.length === 1 ? { kind: 'ohlc', date, values, ohlc } : { kind: 'prices', date, values });

  if (options.returnsColumn !== undefined) {
    if (options.priceColumns?.length) throw new UserError('--returns and --price both given; use one: --returns for a column of returns, --price for price columns');
    return { kind: 'returns', date, values: [findNamed(header, options.returnsColumn, '--returns')] };
  }
  if (options.priceColumns?.length) {
    const values = options.priceColumns.map((name) => findNamed(header, name, '--price'));
    if (values.includes(date)) throw new UserError(`column '${shown(header[date])}' is the date column and cannot also be a price column`);
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
  if (prices.length > 1) throw ambiguous(header, `several close columns (${prices.map((i) => `'${shown(header[i])}'`).join(', ')})`, 'choose with --price COLUMN');
  if (prices.length === 1) return withRange(prices);
  // No named price: every other column except volume-like ones is a series (a portfolio or an index's members).
  const values = header.flatMap((h, i) => (i !== date && !IGNORED_NAMES.includes(normalise(h)) ? [i] : []));
  if (values.length === 0) throw new UserError(`no price column: the file has only ${listColumns(header)}; it needs a date column and at least one price or returns column (name it with --price or --returns)`);
  return { kind: 'prices', date, values };
}

function describeRows(rows: number[]): string {
  const shown = rows.slice(0, 5).join(', ');
  return rows.length > 5 ? `${shown}, ...` : shown;
}

/** Lines at the end of a file that are not data, such as "Highest: … Lowest: …" summaries, dropped with a warning. */
const MAX_FOOTER_LINES = 3;

function looksLikeDate(cell: string | undefined): boolean {
  return cell !== undefined && (!Number.isNaN(parseDate(cell, 'dmy')) || !Number.isNaN(parseDate(cell, 'mdy')));
}

function looksLikeNumber(cell: string | undefined): boolean {
  return cell !== undefined && /\d/.test(cell) && !/[a-df-z]/i.test(stripAffixes(cell).text);
}

/**
 * Parses daily market data from CSV text (a dropped file's text in the browser, a file's text in Node; see
 * decodeDataFile for bytes). Delimiter (, ; tab |), quotes and CRLF are handled by Papa Parse; decimal
 * commas, thousands separators, currency and percent signs, and day-first or month-first dates are inferred
 * from the whole file. Every problem is a UserError that says what was wrong and what to do.
 */
export function parseMarketData(text: string, options: DataOptions = {}): MarketData {
  const clean = text.replace(/^\uFEFF/, '');
  if (clean.trim() === '') throw new UserError('the data file is empty; it needs a header row and daily rows (date and prices)');
  const sample = clean.slice(0, 65536);
  const controls = sample.match(CONTROL)?.length ?? 0;
  if (sample.includes('\u0000') || controls > sample.length / 100) {
    throw new UserError('the data file is not text (it holds control bytes, as a binary, compressed or spreadsheet file does); export it as CSV');
  }
  const parsed = Papa.parse<string[]>(clean, { header: false, skipEmptyLines: 'greedy', delimitersToGuess: [',', ';', '\t', '|'] });
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError) throw new UserError(`CSV quoting error in line ${(quoteError.row ?? 0) + 1} of the file: ${quoteError.message}; check that every quoted field is closed`);
  const [headerRow, ...body] = parsed.data;
  const header = headerRow.map((h, i) => h.trim().replace(CONTROL, '\uFFFD') || `column ${i + 1}`);
  if (new Set(header).size !== header.length) throw new UserError(`the header names a column twice: ${listColumns(header)}; rename the duplicates`);
  if (body.length === 0) throw new UserError('the data file has a header but no rows');
  const layout = chooseColumns(header, options);
  const valueColumns = [...layout.values, ...(layout.ohlc ? Object.values(layout.ohlc) : [])].filter((c, i, all) => all.indexOf(c) === i);
  const used = [layout.date, ...valueColumns.filter((c) => c !== layout.date)];
  const warnings: string[] = [];

  // A trailing line with the wrong number of fields, or neither a date nor numbers where they belong, is a footer.
  const footer: string[] = [];
  while (footer.length < MAX_FOOTER_LINES && body.length > 1) {
    const cells = body[body.length - 1];
    const dataLike = looksLikeDate(cells[layout.date]) || (cells.length === header.length && valueColumns.every((c) => looksLikeNumber(cells[c])));
    if (dataLike) break;
    footer.unshift(cells.join(parsed.meta.delimiter));
    body.pop();
  }
  if (footer.length > 0) warnings.push(`dropped ${footer.length === 1 ? 'the last line' : `the last ${footer.length} lines`}, which ${footer.length === 1 ? 'is' : 'are'} not data (a summary or footer: '${shown(footer[0])}')`);

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

  const decimal = options.decimal ?? inferDecimal(rows.flatMap(({ line, cells }) => valueColumns.map((c) => ({ text: cells[c], column: header[c], line }))), parsed.meta.delimiter);
  const percentColumns = new Set<number>();
  const numeric = (column: number) =>
    Float64Array.from(rows, ({ line, cells }) => {
      const v = parseNumber(cells[column], decimal);
      if (!Number.isFinite(v)) {
        const advice = /^[+-]?\d[\d.,]*$/.test(stripAffixes(cells[column]).text)
          ? `the file's decimal separator was taken to be '${decimal}'; say which it is with --decimal . or --decimal ,`
          : layout.kind === 'returns'
            ? 'fix that cell'
            : 'fix that cell or name the price columns with --price';
        throw new UserError(`column '${shown(header[column])}' holds '${shown(cells[column])}' in data row ${line}, not a number; ${advice}`);
      }
      if (stripAffixes(cells[column]).percent) {
        if (layout.kind !== 'returns') throw new UserError(`column '${shown(header[column])}' holds a percentage ('${shown(cells[column])}' in data row ${line}), not a price; name the price column with --price, or use --returns for a column of returns`);
        percentColumns.add(column);
      }
      return v;
    });
  const order = inferDateOrder(
    rows.map(({ cells }) => cells[layout.date]),
    header[layout.date],
    options.dateFormat,
  );
  const times = rows.map(({ line, cells }) => {
    const t = parseDate(cells[layout.date], order);
    if (Number.isNaN(t)) throw new UserError(`column '${shown(header[layout.date])}' holds '${shown(cells[layout.date])}' in data row ${line}, not a date; use YYYY-MM-DD${order ? ` (the column's dates were read as ${order})` : ''}`);
    return t;
  });
  let values = layout.values.map(numeric);
  let bars = layout.ohlc && { open: numeric(layout.ohlc.open), high: numeric(layout.ohlc.high), low: numeric(layout.ohlc.low), close: numeric(layout.ohlc.close) };
  let dates = times.map(isoDate);
  let lines = rows.map((r) => r.line);

  // Chronological order: sort (newest-first exports are common), then drop exact duplicate rows; refuse conflicting ones.
  const byDate = times.map((_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
  if (byDate.some((k, i) => k !== i)) {
    const descending = times.every((t, i) => i === 0 || t <= times[i - 1]);
    warnings.push(descending ? 'dates run newest-first; reversed to oldest-first' : `rows are not in date order (first at data row ${lines[times.findIndex((t, i) => i > 0 && t < times[i - 1])]}); sorted by date`);
  }
  const columnsOf = (i: number) => [...values.map((v) => v[i]), ...(bars ? [bars.open[i], bars.high[i], bars.low[i], bars.close[i]] : [])];
  const keep: number[] = [];
  let duplicates = 0;
  for (const i of byDate) {
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
    // Cells with a percent sign say their unit themselves.
    const unit = percentColumns.has(layout.values[0]) ? 'percent' : (options.returnsUnit ?? 'decimal');
    series = [{ name: names[0], returns: returnsInPercent(values[0], names[0], unit) }];
  } else {
    values.forEach((v, s) => checkPositive(v, names[s], lines));
    if (bars) {
      const b = bars;
      (['open', 'high', 'low', 'close'] as const).forEach((k) => checkPositive(b[k], header[layout.ohlc![k]], lines));
      const bad = b.high.findIndex((h, i) => h < b.low[i]);
      if (bad >= 0) throw new UserError(`data row ${lines[bad]}: high ${b.high[bad]} is below low ${b.low[bad]}; fix the row`);
    }
    series = values.map((v, s) => ({ name: names[s], returns: logReturnsPercent(v), ...(bars ? { range: rangeVariances(bars), bars } : {}) }));
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
  if (bad >= 0) throw new UserError(`column '${shown(name)}' holds ${prices[bad]} in data row ${lines[bad]}; prices must be positive (use --returns for a column of returns)`);
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
    throw new UserError(`column '${shown(name)}' looks like percent returns (median |r| = ${median.toPrecision(3)}); pass --returns-unit percent`);
  }
  if (unit === 'percent' && median < 0.001) {
    throw new UserError(`column '${shown(name)}' looks like decimal returns (median |r| = ${median.toPrecision(3)}); drop --returns-unit percent`);
  }
  return unit === 'percent' ? values : values.map((r) => 100 * r);
}

/**
 * Parkinson (1980) and Garman–Klass (1980) daily variances in percent², one per day after the first, so they
 * line up with the returns. Garman–Klass can only go negative on bars whose close lies outside high–low.
 */
export function rangeVariances(bars: Bars): Required<RangeVariances> {
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
