// Data-quality checks: frequency, stale prices, the open artefact, implausible jumps, calendar gaps.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledDataPath } from '../../src/cli/files.js';
import { UserError } from '../../src/errors.js';
import { parseMarketData } from '../../src/finance/data.js';
import { checkDataQuality, withoutOpenFeatures } from '../../src/finance/dataQuality.js';
import { featureMatrix } from '../../src/finance/features.js';
import { businessDays, garchCsv, pricesFrom, simulateGarch, TYPICAL } from './helpers.js';

const csv = (dates: string[], prices: number[]) => ['date,close', ...dates.map((d, i) => `${d},${prices[i].toFixed(4)}`)].join('\n');
const garchPrices = (n: number) => pricesFrom(simulateGarch(TYPICAL, n - 1, 3));

describe('the bundled S&P 500 file', () => {
  const market = parseMarketData(readFileSync(bundledDataPath(), 'utf8'));
  const q = checkDataQuality(market);

  it('is daily, has the open-equals-previous-close artefact in 2000-2005, and drops Garman-Klass for it', () => {
    expect(q.frequency).toMatchObject({ inferred: 'daily', used: 'daily', medianGapDays: 1 });
    expect(q.openEqualsPreviousClose).toMatchObject({ days: 1760, years: ['2000', '2001', '2002', '2003', '2004', '2005'] });
    expect(q.dropRangeFeatures).toBe(true);
    expect(q.warnings).toContainEqual(expect.stringMatching(/the open equals the previous close on 1,760 days \(most days of 2000–2005\).*Garman-Klass .* is dropped/));
    expect(featureMatrix(withoutOpenFeatures(market).series[0]).names).toEqual(['return', 'log squared return', 'log mean sq. return 5d', 'log mean sq. return 22d', 'log Parkinson']);
  });

  it('has no stale runs, no gaps, no implausible jump, and COVID’s 2020-03-16 as its one 10-sd day', () => {
    expect(q.staleRuns).toEqual([]);
    expect(q.calendarGaps).toEqual([]);
    expect(q.implausibleJumps).toEqual([]);
    expect(q.extremeReturns.map((e) => e.date)).toEqual(['2020-03-16']);
  });
});

describe('problems in a file', () => {
  const dates = businessDays(600);

  it('flags an unadjusted 1000:1 split as an implausible jump', () => {
    const prices = garchPrices(600).map((p, i) => (i >= 300 ? p / 1000 : p));
    const q = checkDataQuality(parseMarketData(csv(dates, prices)));
    expect(q.implausibleJumps).toHaveLength(1);
    expect(q.implausibleJumps[0]).toMatchObject({ date: dates[300] });
    expect(q.implausibleJumps[0].returnPercent).toBeLessThan(-680);
    expect(q.warnings).toContainEqual(expect.stringMatching(/1 implausible jump in the prices .*-69\d\.\d%.*unadjusted split.*not valid/));
  });

  it('reports runs of unchanged prices, and a mostly stale series as such', () => {
    const prices = garchPrices(600).map((p, i) => (i >= 100 && i < 110 ? 50 : p));
    const q = checkDataQuality(parseMarketData(csv(dates, prices)));
    expect(q.staleRuns).toEqual([{ series: 'close', from: dates[101], to: dates[109], days: 9 }]);
    expect(q.warnings).toContainEqual(expect.stringMatching(/1 run of 5 or more unchanged prices/));
    const stale = garchPrices(600).map((p, i) => (i % 5 === 0 ? p : garchPrices(600)[i - (i % 5)]));
    const s = checkDataQuality(parseMarketData(csv(dates, stale)));
    expect(s.zeroReturnShare).toBeCloseTo(0.8, 2);
    expect(s.warnings).toContainEqual(expect.stringMatching(/mostly stale: 80% of the returns are exactly zero/));
  });

  it('reports calendar gaps longer than a week', () => {
    const holed = [...dates.slice(0, 200), ...dates.slice(215)];
    const q = checkDataQuality(parseMarketData(csv(holed, garchPrices(holed.length))));
    expect(q.calendarGaps).toEqual([{ from: dates[199], to: dates[215], days: 24 }]); // a Friday to the Monday 3 weeks later
    expect(q.warnings).toContainEqual(expect.stringMatching(/1 gap of more than 7 days between dates/));
  });

  it('refuses weekly and 30-minute data unless --frequency says what it is, and a --frequency the dates contradict', () => {
    const weekly = dates.filter((_, i) => i % 5 === 0);
    const weeklyData = parseMarketData(csv(weekly, garchPrices(weekly.length)));
    expect(() => checkDataQuality(weeklyData)).toThrow(UserError);
    expect(() => checkDataQuality(weeklyData)).toThrow(/7 days apart \(median\): this is weekly data.*pass --frequency weekly/);
    expect(checkDataQuality(weeklyData, { frequency: 'weekly' }).frequency).toMatchObject({ inferred: 'weekly', used: 'weekly' });
    expect(() => checkDataQuality(weeklyData, { frequency: 'daily' })).toThrow(/--frequency daily was given, but the dates are 7 days apart/);
    const halfHours = Array.from({ length: 300 }, (_, i) => new Date(Date.UTC(2020, 0, 6, 9) + i * 1_800_000).toISOString().slice(0, 16));
    const intraday = parseMarketData(csv(halfHours, garchPrices(300)));
    expect(() => checkDataQuality(intraday)).toThrow(/30 minutes apart \(median\): this is intraday data/);
  });

  it('says nothing about a clean daily file', () => {
    const q = checkDataQuality(parseMarketData(garchCsv(800)));
    expect(q.warnings).toEqual([]);
    expect(q.dropRangeFeatures).toBe(false);
    expect(q.openEqualsPreviousClose).toBeNull();
  });
});
