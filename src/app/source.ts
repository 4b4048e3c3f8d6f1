// Where the page's data comes from: the bundled S&P 500 file or the user's CSV, parsed by the same rules as the CLI.
import sp500 from 'vega-datasets/data/sp500-2000.csv?raw';
import { UserError } from '../errors.js';
import { parseMarketData, type DataOptions, type MarketData } from '../finance/data.js';

export interface DataSource {
  name: string;
  text: string;
  options: DataOptions;
  data: MarketData;
}

export const BUNDLED_TEXT: string = sp500;

/** Larger files are refused before reading: daily data for decades is a few MB. */
const MAX_BYTES = 100 * 1024 * 1024;

function checkSize(file: File): void {
  if (file.size === 0) throw new UserError(`${file.name} is empty; it needs a header row and daily rows (date and prices)`);
  if (file.size > MAX_BYTES) throw new UserError(`${file.name} is ${(file.size / 1e6).toFixed(0)} MB; daily data should be far smaller (at most ${MAX_BYTES / 1e6} MB)`);
}

/** A data file's bytes, for the worker to decode (UTF-16, UTF-8, Windows-1252) and parse off the page's thread. */
export async function readFileBytes(file: File): Promise<ArrayBuffer> {
  checkSize(file);
  return file.arrayBuffer();
}

/** Parses the text now, so the page shows errors as soon as a file is chosen. Throws UserError. */
export function loadSource(name: string, text: string, options: DataOptions): DataSource {
  return { name, text, options, data: parseMarketData(text, options) };
}

export function describeSource(source: DataSource): string {
  const d = source.data;
  const kind = { ohlc: 'OHLC prices', prices: 'prices', returns: 'returns' }[d.kind];
  const names = d.series.map((s) => s.name).join(', ');
  const pooled = d.series.length > 1 ? ` (${d.series.length} series, one pooled model)` : '';
  return `${source.name}: ${d.rows.toLocaleString('en-US')} rows of ${kind}, ${d.firstDate} to ${d.lastDate}; series: ${names}${pooled}.`;
}
