// The files users download: encodings, European numbers and dates, currency and percent signs, footers,
// header names in other languages, binary junk. Each file is made here.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { decodeDataFile, parseMarketData, type DataOptions } from '../../src/finance/data.js';

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** 30 business-ish days from 2020-01-01 with closes 100, 101, 99, 102, ... */
const days = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2020, 0, 1 + i)));
const closes = days.map((_, i) => 2800 + 10 * Math.sin(i) + i);
const iso = days.map((d) => d.toISOString().slice(0, 10));
const expected = parseMarketData(['date,close', ...iso.map((d, i) => `${d},${closes[i].toFixed(2)}`)].join('\n'));

function sameAsExpected(text: string, options: DataOptions = {}) {
  const d = parseMarketData(text, options);
  expect(d.dates).toEqual(expected.dates);
  expect(Array.from(d.series[0].returns)).toEqual(Array.from(expected.series[0].returns).map((r) => expect.closeTo(r, 10)));
  return d;
}

function refused(text: string, pattern: RegExp, options: DataOptions = {}) {
  expect(() => parseMarketData(text, options)).toThrow(UserError);
  expect(() => parseMarketData(text, options)).toThrow(pattern);
}

const dmy = (d: Date, sep = '.') => [d.getUTCDate(), d.getUTCMonth() + 1].map((x) => String(x).padStart(2, '0')).join(sep) + `${sep}${d.getUTCFullYear()}`;
const mdy = (d: Date) => [d.getUTCMonth() + 1, d.getUTCDate()].map((x) => String(x).padStart(2, '0')).join('/') + `/${d.getUTCFullYear()}`;
const comma = (x: number) => x.toFixed(2).replace('.', ',');
const european = (x: number) => comma(x).replace(/^(\d)(\d{3})/, '$1.$2');

describe('encodings', () => {
  const text = ['date\tclose', ...iso.map((d, i) => `${d}\t${closes[i].toFixed(2)}`)].join('\r\n');
  const utf16le = (s: string) => Buffer.from(s, 'utf16le');
  const utf16be = (s: string) => Buffer.from(s, 'utf16le').swap16();

  it('reads UTF-16 with a BOM (little and big endian) and without one (Excel "Unicode text")', () => {
    for (const bytes of [Buffer.concat([Buffer.of(0xff, 0xfe), utf16le(text)]), Buffer.concat([Buffer.of(0xfe, 0xff), utf16be(text)]), utf16le(text), utf16be(text)]) {
      sameAsExpected(decodeDataFile(bytes));
    }
  });

  it('reads UTF-8 with and without a BOM, and Windows-1252 bytes that are not UTF-8', () => {
    sameAsExpected(decodeDataFile(Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(text)])));
    sameAsExpected(decodeDataFile(Buffer.from(text)));
    const latin = Buffer.from(['Datum;Cl\xf4ture', ...iso.map((d, i) => `${d};${comma(closes[i])}`)].join('\n'), 'latin1');
    expect(decodeDataFile(latin).startsWith('Datum;Clôture')).toBe(true);
    sameAsExpected(decodeDataFile(latin));
  });

  it('refuses a binary file without echoing its control bytes', () => {
    const junk = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 256));
    let message = '';
    try {
      parseMarketData(decodeDataFile(junk));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/not text .* export it as CSV/);
    expect(message).not.toMatch(CONTROL);
  });

  it('never echoes control bytes from a header or a cell', () => {
    const header = 'date,cl\u001b[31mose\u0007';
    const bad = [header, ...iso.map((d, i) => `${d},${closes[i].toFixed(2)}`), '2020-02-01,1\u001b[2J'].join('\n');
    expect(() => parseMarketData(bad)).toThrow(/not a number/);
    try {
      parseMarketData(bad);
    } catch (e) {
      expect((e as Error).message).not.toMatch(CONTROL);
    }
    try {
      parseMarketData(['d\u0000\u0001ate,x', '1,2'].join('\n'));
    } catch (e) {
      expect((e as Error).message).not.toMatch(CONTROL);
    }
  });
});

describe('European CSV', () => {
  it('reads ; with decimal commas and dd.mm.yyyy dates, the day order settled by a day above 12', () => {
    sameAsExpected(['Datum;Schluss', ...days.map((d, i) => `${dmy(d)};${comma(closes[i])}`)].join('\n'));
  });

  it('reads thousands dots with decimal commas ("2.874,56"), quoted in a , file too', () => {
    sameAsExpected(['Datum;Schluss', ...days.map((d, i) => `${dmy(d)};${european(closes[i])}`)].join('\n'));
    sameAsExpected(['date,close', ...iso.map((d, i) => `${d},"${european(closes[i])}"`)].join('\n'));
  });

  it('refuses dd.mm.yyyy dates that never settle the order, naming --date-format, and reads them when told', () => {
    const early = days.slice(0, 12);
    const text = ['Datum;Schluss', ...early.map((d, i) => `${dmy(d)};${comma(closes[i])}`)].join('\n');
    refused(text, /could be day-first or month-first.*--date-format dmy/);
    const d = parseMarketData(text, { dateFormat: 'dmy' });
    expect(d.dates).toEqual(iso.slice(1, 12));
    expect(parseMarketData(text, { dateFormat: 'mdy' }).dates[0]).toBe('2020-02-01');
  });

  it('refuses a column mixing day-first and month-first dates', () => {
    refused(['date,close', '13/01/2020,1', '01/14/2020,2'].join('\n'), /day-first .* month-first/);
  });

  it('refuses numbers that mix decimal commas and points, naming --decimal, and obeys --decimal', () => {
    refused(['date;close', '2020-01-01;2874,56', '2020-01-02;2874.5'].join('\n'), /mix decimal commas .* --decimal/);
    const thousands = ['date;close', '2020-01-01;1.234', '2020-01-02;1.240'].join('\n');
    expect(parseMarketData(thousands).series[0].returns[0]).toBeCloseTo(100 * Math.log(1240 / 1234), 10); // ; file: European
    expect(parseMarketData(thousands, { decimal: '.' }).series[0].returns[0]).toBeCloseTo(100 * Math.log(1.24 / 1.234), 10);
    refused(['date,close', '2020-01-01,"2874,56"', '2020-01-02,"2874,5"'].join('\n'), /taken to be '\.'.*--decimal/, { decimal: '.' });
  });
});

describe('cells and names of real exports', () => {
  it('reads a Nasdaq export: Close/Last with dollar signs, mm/dd/yyyy, newest first, as OHLC', () => {
    const rows = days.map((d, i) => `${mdy(d)},$${closes[i].toFixed(2)},1000,$${closes[i].toFixed(2)},$${(closes[i] + 5).toFixed(2)},$${(closes[i] - 5).toFixed(2)}`).reverse();
    const d = sameAsExpected(['Date,Close/Last,Volume,Open,High,Low', ...rows].join('\n'));
    expect(d.kind).toBe('ohlc');
    expect(d.warnings).toEqual(['dates run newest-first; reversed to oldest-first']);
  });

  it('reads currency codes and signs, spaces between thousands, and a percent returns column in percent', () => {
    sameAsExpected(['date,close', ...iso.map((d, i) => `${d},"€ ${closes[i].toFixed(2).replace(/^(\d)/, '$1 ')}"`)].join('\n'));
    sameAsExpected(['date,close', ...iso.map((d, i) => `${d},USD ${closes[i].toFixed(2)}`)].join('\n'));
    const r = parseMarketData(['date,return', '2020-01-01,1.2%', '2020-01-02,-0.5%', '2020-01-03,0.25%'].join('\n'));
    expect(Array.from(r.series[0].returns)).toEqual([1.2, -0.5, 0.25]);
    refused(['date,close', '2020-01-01,1.2%', '2020-01-02,1.3%'].join('\n'), /holds a percentage .* not a price/);
  });

  it('drops a trailing summary line with a warning', () => {
    const text = ['Date,Price,Open,High,Low,Change %', ...iso.map((d, i) => `${d},${closes[i].toFixed(2)},${closes[i].toFixed(2)},${(closes[i] + 5).toFixed(2)},${(closes[i] - 5).toFixed(2)},0.1%`), 'Highest: 2839.01 Lowest: 2795.00 Difference: 44.01 Average: 2815.2'].join('\n');
    const d = sameAsExpected(text);
    expect(d.warnings).toEqual([expect.stringMatching(/dropped the last line, which is not data \(a summary or footer: 'Highest: 2839\.01/)]);
  });

  it('recognises date and close columns named in German, Spanish, French and Chinese', () => {
    for (const [header, sep, date, value] of [
      ['Datum;Eröffnung;Hoch;Tief;Schluss;Volumen', ';', (d: Date) => dmy(d), european],
      ['Fecha,Apertura,Máximo,Mínimo,Cierre', ',', (d: Date) => dmy(d, '/'), (x: number) => `"${comma(x)}"`],
      ['Date;Ouverture;Plus Haut;Plus Bas;Clôture', ';', (d: Date) => dmy(d, '/'), comma],
      ['日期,开盘,最高,最低,收盘', ',', (d: Date) => d.toISOString().slice(0, 10), (x: number) => x.toFixed(2)],
    ] as const) {
      const rows = days.map((d, i) => [date(d), value(closes[i]), value(closes[i] + 5), value(closes[i] - 5), value(closes[i]), ...(header.includes('Volumen') ? ['100'] : [])].join(sep));
      const d = sameAsExpected([header, ...rows].join('\n'));
      expect(d.kind, header).toBe('ohlc');
    }
  });

  it('lists the columns and the flags when it recognises no date or price column', () => {
    refused(['Tag;Wert', '01.02.2020;1'].join('\n'), /no date column found .* the columns are 'Tag', 'Wert'; name it with --date/);
    refused(['date;Volumen', '2020-01-01;1'].join('\n'), /no price column: the file has only 'date', 'Volumen'.*--price or --returns/);
  });
});
