// What breaks volatility models in a price file, checked before any modelling: the sampling frequency, stale
// prices, opens copied from the previous close, returns no market makes (an unadjusted split), calendar gaps.
import { UserError } from '../errors.js';
import { parseMarketData, type DataOptions, type Frequency, type MarketData, type Series } from './data.js';

/** What one step of the data is called, for labels ("the next week's variance", "one-week VaR"). */
export const PERIOD: Record<Frequency, string> = { daily: 'day', weekly: 'week', monthly: 'month', intraday: 'period' };

/** Unchanged closes in a row from which a run is reported as stale (a trading week). */
export const STALE_RUN_DAYS = 5;
/** Above this share of zero returns the series is mostly stale: its variance targets are mostly zero. */
export const MOSTLY_STALE_SHARE = 0.5;
/** Returns beyond this many standard deviations are reported. */
export const EXTREME_SDS = 10;
/** A log return beyond ±50% in one period: no index does that; an unadjusted split or a bad price does. */
export const IMPLAUSIBLE_PERCENT = 50;
/** A calendar year where the open equals the previous close on more than this share of days has the artefact. */
const OPEN_ARTEFACT_SHARE = 0.5;

export interface DatedReturn {
  series: string;
  date: string;
  /** Percent log return. */
  returnPercent: number;
  /** Distance from the mean in standard deviations of the series' other returns. */
  sds: number;
}

export interface DataQuality {
  frequency: { inferred: Frequency; used: Frequency; medianGapDays: number };
  /** Runs of at least STALE_RUN_DAYS unchanged closes (zero returns). */
  staleRuns: { series: string; from: string; to: string; days: number }[];
  /** The largest share of zero returns in any series. */
  zeroReturnShare: number;
  /** Days whose open equals the previous close, and the years where most days do (null without opens). */
  openEqualsPreviousClose: { days: number; share: number; years: string[] } | null;
  extremeReturns: DatedReturn[];
  /** The extreme returns beyond ±IMPLAUSIBLE_PERCENT: a split or a bad price rather than a market move. */
  implausibleJumps: DatedReturn[];
  /** Gaps between consecutive dates longer than a week (or three sampling periods). */
  calendarGaps: { from: string; to: string; days: number }[];
  warnings: string[];
  /** The open is a copy of the previous close on whole years: features that need the open must go. */
  dropRangeFeatures: boolean;
}

const DAY_MS = 86_400_000;

const timeOf = (date: string) => Date.parse(date.length > 10 ? `${date.replace(' ', 'T')}Z` : date);

/** The sampling frequency that a median gap between dates (in days) means. */
function frequencyOf(medianGapDays: number): Frequency | null {
  if (medianGapDays < 0.9) return 'intraday';
  if (medianGapDays <= 4) return 'daily';
  if (medianGapDays >= 5 && medianGapDays <= 10) return 'weekly';
  if (medianGapDays >= 25 && medianGapDays <= 35) return 'monthly';
  return null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
const listed = (items: string[], max = 3) => items.slice(0, max).join(', ') + (items.length > max ? `, … (${items.length} in all)` : '');

function staleRuns(s: Series, dates: string[]): DataQuality['staleRuns'] {
  const runs: DataQuality['staleRuns'] = [];
  let start = -1;
  for (let t = 0; t <= s.returns.length; t++) {
    if (t < s.returns.length && s.returns[t] === 0) {
      if (start < 0) start = t;
      continue;
    }
    if (start >= 0 && t - start >= STALE_RUN_DAYS) runs.push({ series: s.name, from: dates[start], to: dates[t - 1], days: t - start });
    start = -1;
  }
  return runs;
}

function extremeReturns(s: Series, dates: string[]): DatedReturn[] {
  // Mean and deviation of the plausible returns, so one split cannot hide itself by inflating the deviation.
  const plausible = s.returns.filter((r) => Math.abs(r) < IMPLAUSIBLE_PERCENT);
  const mean = plausible.reduce((a, b) => a + b, 0) / Math.max(1, plausible.length);
  const sd = Math.sqrt(plausible.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, plausible.length - 1));
  const out: DatedReturn[] = [];
  s.returns.forEach((r, t) => {
    const sds = Math.abs(r - mean) / sd;
    if (sds > EXTREME_SDS || Math.abs(r) >= IMPLAUSIBLE_PERCENT) out.push({ series: s.name, date: dates[t], returnPercent: r, sds });
  });
  return out;
}

/** Opens equal to the previous close, per calendar year (the bars' row t is the return t-1's day). */
function openArtefact(s: Series, dates: string[]): DataQuality['openEqualsPreviousClose'] {
  const bars = s.bars;
  if (!bars) return null;
  const perYear = new Map<string, { same: number; days: number }>();
  let same = 0;
  for (let t = 1; t < bars.open.length; t++) {
    const year = dates[t - 1].slice(0, 4);
    const y = perYear.get(year) ?? { same: 0, days: 0 };
    y.days++;
    if (bars.open[t] === bars.close[t - 1]) {
      y.same++;
      same++;
    }
    perYear.set(year, y);
  }
  const years = [...perYear].filter(([, y]) => y.same > OPEN_ARTEFACT_SHARE * y.days).map(([year]) => year);
  return { days: same, share: same / Math.max(1, bars.open.length - 1), years };
}

/**
 * Checks the data for what breaks volatility models and says so in warnings. Refuses (UserError) data sampled
 * other than daily unless `frequency` says what it is, and a `frequency` that the dates contradict.
 */
export function checkDataQuality(market: MarketData, options: { frequency?: Frequency } = {}): DataQuality {
  const dates = market.dates;
  const gaps = dates.slice(1).map((d, i) => (timeOf(d) - timeOf(dates[i])) / DAY_MS);
  const medianGapDays = median(gaps);
  const inferred = frequencyOf(medianGapDays);
  const gapText = medianGapDays >= 1 ? `${+medianGapDays.toFixed(1)} days` : `${Math.round(medianGapDays * 1440)} minutes`;
  if (inferred === null && options.frequency === undefined) {
    throw new UserError(`the dates are ${gapText} apart (median), which is neither daily, weekly nor monthly data; resample the file, or say what it is with --frequency daily|weekly|monthly|intraday`);
  }
  if (inferred !== 'daily' && options.frequency === undefined) {
    throw new UserError(
      `the dates are ${gapText} apart (median): this is ${inferred} data, and the models and labels (next day, one-day VaR) assume daily data; ` +
        `pass --frequency ${inferred} to model it as ${inferred} data (forecasts and VaR are then one period ahead), or use daily data`,
    );
  }
  const used = options.frequency ?? (inferred as Frequency);
  if (inferred !== null && inferred !== used) {
    throw new UserError(`--frequency ${used} was given, but the dates are ${gapText} apart (median), which is ${inferred} data; pass --frequency ${inferred} or check the file`);
  }
  const warnings: string[] = [];

  const runs = market.series.flatMap((s) => staleRuns(s, dates));
  const zeroReturnShare = Math.max(...market.series.map((s) => s.returns.filter((r) => r === 0).length / Math.max(1, s.returns.length)));
  if (zeroReturnShare > MOSTLY_STALE_SHARE) {
    warnings.push(`the prices are mostly stale: ${(100 * zeroReturnShare).toFixed(0)}% of the returns are exactly zero (unchanged prices), so most variance targets are zero and the forecasts' losses mean little; use a liquid series`);
  } else if (runs.length > 0) {
    warnings.push(`${plural(runs.length, 'run')} of ${STALE_RUN_DAYS} or more unchanged prices (stale data: ${listed(runs.map((r) => `${r.from}..${r.to}`))})`);
  }

  // Bars belong to one-series OHLC files.
  const open = openArtefact(market.series[0], dates);
  const dropRangeFeatures = open !== null && open.years.length > 0;
  if (dropRangeFeatures) {
    const years = open.years.length > 1 ? `${open.years[0]}–${open.years[open.years.length - 1]}` : open.years[0];
    warnings.push(
      `the open equals the previous close on ${plural(open.days, 'day')} (most days of ${years}): a vendor artefact that leaves no real open; ` +
        'the Garman-Klass feature, which needs the open, is dropped for this file (Parkinson, from high and low, is kept)',
    );
  }

  const extreme = market.series.flatMap((s) => extremeReturns(s, dates));
  const implausible = extreme.filter((e) => Math.abs(e.returnPercent) >= IMPLAUSIBLE_PERCENT);
  const describe = (e: DatedReturn) => `${e.date}${market.series.length > 1 ? ` in ${e.series}` : ''}: ${e.returnPercent.toFixed(1)}%`;
  if (implausible.length > 0) {
    warnings.push(
      `${plural(implausible.length, 'implausible jump')} in the prices (${listed(implausible.map(describe))}): an unadjusted split or a bad price, not a market move; ` +
        'the forecasts and VaR fitted to it are not valid: use split-adjusted prices (Adj Close) or fix the rows',
    );
  }
  const merelyExtreme = extreme.filter((e) => Math.abs(e.returnPercent) < IMPLAUSIBLE_PERCENT);
  if (merelyExtreme.length > 0) warnings.push(`${plural(merelyExtreme.length, 'return')} beyond ${EXTREME_SDS} standard deviations (${listed(merelyExtreme.map(describe))}); check ${merelyExtreme.length === 1 ? 'it is' : 'they are'} real`);

  const longest = Math.max(7, 3 * medianGapDays);
  const calendarGaps = gaps.flatMap((g, i) => (g > longest ? [{ from: dates[i], to: dates[i + 1], days: Math.round(g) }] : []));
  if (calendarGaps.length > 0) warnings.push(`${plural(calendarGaps.length, 'gap')} of more than ${Math.round(longest)} days between dates (${listed(calendarGaps.map((g) => `${g.from}..${g.to}`))}): missing data`);

  return {
    frequency: { inferred: inferred ?? used, used, medianGapDays },
    staleRuns: runs,
    zeroReturnShare,
    openEqualsPreviousClose: open,
    extremeReturns: extreme,
    implausibleJumps: implausible,
    calendarGaps,
    warnings,
    dropRangeFeatures,
  };
}

/** The series without the features that need a real open (applied where checkDataQuality says so). */
export function withoutOpenFeatures(market: MarketData): MarketData {
  return { ...market, series: market.series.map((s) => (s.range ? { ...s, range: { parkinson: s.range.parkinson } } : s)) };
}

/**
 * The CSV read and checked, as every run reads it: the data-quality warnings join the parser's, and the features
 * that need a real open are dropped where the file's open is a copy of the previous close.
 */
export function loadMarketData(text: string, options: DataOptions = {}): { market: MarketData; quality: DataQuality } {
  const parsed = parseMarketData(text, options);
  const quality = checkDataQuality(parsed, options);
  const checked = quality.dropRangeFeatures ? withoutOpenFeatures(parsed) : parsed;
  return { market: { ...checked, warnings: [...parsed.warnings, ...quality.warnings] }, quality };
}
