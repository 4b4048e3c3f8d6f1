import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledDataPath } from '../../src/cli/files.js';
import { UserError } from '../../src/errors.js';
import { parseMarketData, rangeVariances } from '../../src/finance/data.js';

const rows = (lines: string[]) => lines.join('\n');
/** A small valid price file: header + `n` rows with a gentle zig-zag. */
const day = (i: number) => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
const prices = (n: number, header = 'date,close', sep = ',') => [header, ...Array.from({ length: n }, (_, i) => `${day(i)}${sep}${(100 + (i % 3)).toFixed(2)}`)].join('\n');

function refused(text: string, pattern: RegExp, options = {}) {
  expect(() => parseMarketData(text, options)).toThrow(UserError);
  expect(() => parseMarketData(text, options)).toThrow(pattern);
}

describe('the bundled S&P 500 file', () => {
  const data = parseMarketData(readFileSync(bundledDataPath(), 'utf8'));

  it('is found in the vega-datasets package and read as one OHLC series', () => {
    expect(data.kind).toBe('ohlc');
    expect(data.rows).toBe(5105);
    expect(data.firstDate).toBe('2000-01-03');
    expect(data.lastDate).toBe('2020-04-17');
    expect(data.series).toHaveLength(1);
    expect(data.series[0].name).toBe('adjclose'); // adjusted close wins over close
    expect(data.series[0].returns).toHaveLength(5104);
    expect(data.dates[0]).toBe('2000-01-04');
    expect(data.warnings).toEqual([]);
  });

  it('turns prices into percent log returns and bars into range variances', () => {
    // 2000-01-04: close 1399.420044 after 1455.219971.
    expect(data.series[0].returns[0]).toBeCloseTo(100 * Math.log(1399.420044 / 1455.219971), 10);
    // That day's bar: open 1455.219971, high 1455.219971, low 1397.430054.
    const hl = Math.log(1455.219971 / 1397.430054);
    const co = Math.log(1399.420044 / 1455.219971);
    expect(data.series[0].range!.parkinson[0]).toBeCloseTo((1e4 * hl * hl) / (4 * Math.LN2), 10);
    expect(data.series[0].range!.garmanKlass![0]).toBeCloseTo(1e4 * (0.5 * hl * hl - (2 * Math.LN2 - 1) * co * co), 10);
  });
});

describe('range estimators, by hand', () => {
  it('gives Parkinson and Garman–Klass for one bar', () => {
    // high/low = e^0.02, close/open = e^0.01: Parkinson = 4/(4 ln 2) = 1.442695; GK = 0.5·4 - 0.386294·1 = 1.613706.
    const r = rangeVariances({
      open: Float64Array.of(1, 100),
      high: Float64Array.of(1, 100 * Math.exp(0.015)),
      low: Float64Array.of(1, 100 * Math.exp(-0.005)),
      close: Float64Array.of(1, 100 * Math.exp(0.01)),
    });
    expect(r.parkinson[0]).toBeCloseTo(1 / Math.LN2, 10);
    expect(r.garmanKlass[0]).toBeCloseTo(2 - (2 * Math.LN2 - 1), 10);
  });
});

describe('column detection', () => {
  it('finds date and close by name, in any case, and ignores volume', () => {
    const d = parseMarketData(rows(['Date,Close,Volume', '2020-01-01,10,5', '2020-01-02,11,6']));
    expect(d.kind).toBe('prices');
    expect(d.series.map((s) => s.name)).toEqual(['Close']);
    expect(d.series[0].returns[0]).toBeCloseTo(100 * Math.log(1.1), 12);
  });

  it('prefers Adj Close over Close', () => {
    const d = parseMarketData(rows(['Date,Close,Adj Close', '2020-01-01,10,5', '2020-01-02,20,6']));
    expect(d.series[0].name).toBe('Adj Close');
  });

  it('treats every numeric column of a file without a close as a series (a portfolio)', () => {
    const d = parseMarketData(rows(['date,AAPL,MSFT,volume', '2020-01-01,10,20,1', '2020-01-02,11,19,2']));
    expect(d.kind).toBe('prices');
    expect(d.series.map((s) => s.name)).toEqual(['AAPL', 'MSFT']);
  });

  it('takes columns named on the command line, exactly or ignoring case and punctuation', () => {
    const d = parseMarketData(rows(['when,a,b', '2020-01-01,10,20', '2020-01-02,11,19']), { dateColumn: 'WHEN', priceColumns: ['b'] });
    expect(d.series.map((s) => s.name)).toEqual(['b']);
  });

  it('reads a returns column in decimal or percent units', () => {
    const text = rows(['date,ret', '2020-01-01,0.01', '2020-01-02,-0.02', '2020-01-03,0.005']);
    const d = parseMarketData(text);
    expect(d.kind).toBe('returns');
    expect(Array.from(d.series[0].returns)).toEqual([1, -2, 0.5]);
    expect(d.dates).toHaveLength(3);
    const p = parseMarketData(rows(['date,ret', '2020-01-01,1', '2020-01-02,-2', '2020-01-03,0.5']), { returnsUnit: 'percent' });
    expect(Array.from(p.series[0].returns)).toEqual([1, -2, 0.5]);
  });

  it('refuses a returns column in the wrong unit, since that scales every VaR by 100', () => {
    refused(rows(['date,ret', '2020-01-01,1.5', '2020-01-02,-2', '2020-01-03,0.8']), /percent returns.*--returns-unit percent/);
    refused(rows(['date,ret', '2020-01-01,0.0001', '2020-01-02,-0.0002', '2020-01-03,0.0003']), /decimal returns/, { returnsUnit: 'percent' });
  });

  it('lists the columns when it finds no date column', () => {
    refused(rows(['when,close', '2020-01-01,1']), /no date column.*'when', 'close'.*--date/);
  });

  it('refuses ambiguous files and lists the columns', () => {
    refused(rows(['date,close,return', '2020-01-01,1,0.1']), /ambiguous.*both returns and price.*'date', 'close', 'return'/);
    refused(rows(['date,time,close', '2020-01-01,1,1']), /ambiguous.*several date columns/);
    refused(rows(['date,close,price', '2020-01-01,1,1']), /ambiguous.*several close columns.*--price/);
  });

  it('refuses a column named on the command line that is not there', () => {
    refused(prices(3), /column 'last' \(from --price\) is not in the file; its columns are 'date', 'close'/, { priceColumns: ['last'] });
    refused(prices(3), /--returns and --price both given/, { priceColumns: ['close'], returnsColumn: 'close' });
  });

  it('refuses a header that names a column twice', () => {
    refused(rows(['date,close,close', '2020-01-01,1,1']), /names a column twice/);
  });
});

describe('file format', () => {
  const expected = parseMarketData(prices(5));

  it('accepts a BOM, CRLF line ends, ; delimiters and quoted fields', () => {
    for (const text of [
      `\uFEFF${prices(5)}`,
      prices(5).replace(/\n/g, '\r\n'),
      prices(5, 'date;close', ';'),
      prices(5).replace(/^date,close/, '"date","close"').replace(/(\d{4}-\d{2}-\d{2}),([\d.]+)/g, '"$1","$2"'),
      prices(5, 'date\tclose', '\t'),
    ]) {
      const d = parseMarketData(text);
      expect(d.dates).toEqual(expected.dates);
      expect(d.series[0].returns).toEqual(expected.series[0].returns);
    }
  });

  it('reads quoted numbers with thousands separators', () => {
    const d = parseMarketData(rows(['date,close', '2020-01-01,"1,000.5"', '2020-01-02,"1,100.5"']));
    expect(d.series[0].returns[0]).toBeCloseTo(100 * Math.log(1100.5 / 1000.5), 12);
  });

  it('refuses an empty file, a header without rows, and a broken quote', () => {
    refused('', /empty/);
    refused(' \n\n', /empty/);
    refused('date,close\n', /no rows/);
    refused(rows(['date,close', '2020-01-01,"1.5', '2020-01-02,2']), /quot/i);
  });

  it('refuses a row with the wrong number of fields, naming the row', () => {
    refused(rows(['date,close', '2020-01-01,1', '2020-01-02,1,3']), /data row 2 has 3 fields but the header has 2/);
  });
});

describe('values', () => {
  it('refuses non-numeric and non-positive prices, naming column and row', () => {
    refused(rows(['date,close', '2020-01-01,10', '2020-01-02,abc']), /column 'close' holds 'abc' in data row 2, not a number/);
    refused(rows(['date,close', '2020-01-01,10', '2020-01-02,0']), /column 'close' holds 0 in data row 2; prices must be positive/);
    refused(rows(['date,close', '2020-01-01,10', '2020-01-02,-3']), /prices must be positive/);
    refused(rows(['date,close', '2020-01-01,10', '2020-01-02,0x1f']), /not a number/);
  });

  it('refuses a file whose only other column is text (no numeric column)', () => {
    refused(rows(['date,name', '2020-01-01,foo', '2020-01-02,bar']), /column 'name' holds 'foo'.*not a number/);
    refused(rows(['date', '2020-01-01', '2020-01-02']), /no price column/);
  });

  it('refuses unreadable dates and bars with high below low', () => {
    refused(rows(['date,close', '2020-01-01,10', 'yesterday,11']), /'yesterday' in data row 2, not a date; use YYYY-MM-DD/);
    refused(rows(['date,open,high,low,close', '2020-01-01,10,11,9,10', '2020-01-02,10,9,11,10']), /high 9 is below low 11/);
  });
});

describe('cleaning rules', () => {
  it('reverses a newest-first file with a warning', () => {
    const d = parseMarketData(rows(['date,close', '2020-01-03,12', '2020-01-02,11', '2020-01-01,10']));
    expect(d.dates).toEqual(['2020-01-02', '2020-01-03']);
    expect(d.series[0].returns[0]).toBeCloseTo(100 * Math.log(1.1), 12);
    expect(d.warnings).toEqual(['dates run newest-first; reversed to oldest-first']);
  });

  it('sorts rows out of date order with a warning naming the first', () => {
    const d = parseMarketData(rows(['date,close', '2020-01-01,10', '2020-01-03,12', '2020-01-02,11']));
    expect(d.dates).toEqual(['2020-01-02', '2020-01-03']);
    expect(d.warnings[0]).toMatch(/not in date order \(first at data row 3\); sorted/);
  });

  it('drops repeated rows with a warning and refuses a date repeated with other values', () => {
    const d = parseMarketData(rows(['date,close', '2020-01-01,10', '2020-01-02,11', '2020-01-02,11', '2020-01-03,12']));
    expect(d.rows).toBe(3);
    expect(d.warnings).toEqual(['dropped 1 repeated row (same date, same values)']);
    refused(rows(['date,close', '2020-01-01,10', '2020-01-02,11', '2020-01-02,13']), /2020-01-02 appears twice with different values \(data rows 2 and 3\)/);
  });

  it('drops rows with blank cells, counting them in a warning', () => {
    const lines = prices(40).split('\n');
    lines[5] = `${day(4)},`;
    lines[9] = `${day(8)},null`;
    const d = parseMarketData(lines.join('\n'));
    expect(d.rows).toBe(38);
    expect(d.warnings).toEqual(['dropped 2 rows with blank cells (rows 5, 9)']);
  });

  it('refuses a file with more than 5% blank rows', () => {
    const lines = prices(40).split('\n');
    for (const i of [2, 4, 6]) lines[i] = lines[i].replace(/,.*/, ',NA');
    refused(lines.join('\n'), /3 of 40 rows \(7\.5%\) have blank cells \(rows 2, 4, 6\); more than 5% is refused/);
  });

  it('ignores blank cells in columns it does not use, and blank lines', () => {
    const d = parseMarketData(rows(['date,close,volume', '2020-01-01,10,', '', '2020-01-02,11,']));
    expect(d.rows).toBe(2);
    expect(d.warnings).toEqual([]);
  });
});
