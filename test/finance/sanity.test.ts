// Result sanity: forecasts that cannot be right are caught, sound ones pass.
import { describe, expect, it } from 'vitest';
import { parseMarketData } from '../../src/finance/data.js';
import { checkDataQuality } from '../../src/finance/dataQuality.js';
import { checkResults, dataProblems, forecastProblems, sanityWarnings, tailProblems } from '../../src/finance/sanity.js';
import { businessDays, garchCsv, pricesFrom, simulateGarch, TYPICAL } from './helpers.js';

const returns = simulateGarch(TYPICAL, 1000, 5);
const targets = returns.map((r) => r * r);
const trainMean = targets.reduce((a, b) => a + b) / targets.length;

describe('forecast sanity', () => {
  it('passes a sound forecast (the true GARCH variance is near the mean)', () => {
    expect(forecastProblems({ what: 'garch', forecasts: new Float64Array(1000).fill(trainMean * 1.1), targets, trainMean })).toEqual([]);
  });

  it('catches a diverged network: huge variances, QLIKE far worse than naive', () => {
    const p = forecastProblems({ what: "the LSTM's forecasts", forecasts: Float64Array.from(targets, (_, i) => (i % 2 ? 5.8e46 : 1e40)), targets, trainMean });
    expect(p).toContainEqual(expect.stringMatching(/the LSTM's forecasts: variance 1\.00e\+40\.\.5\.80e\+46 \(percent²\), outside the plausible/));
    expect(p).toContainEqual(expect.stringMatching(/QLIKE of 1\d\d, beyond any working forecast/));
  });

  it('catches forecasts far worse than the naive constant though within range (a bad fit)', () => {
    const wild = Float64Array.from(targets, (_, i) => trainMean * (i % 2 ? 6 : 1 / 6));
    expect(forecastProblems({ what: 'x', forecasts: wild, targets, trainMean })).toEqual([expect.stringMatching(/^x have a QLIKE of .* far worse than the .* of forecasting the training mean every day/)]);
  });

  it('catches forecasts far too small: QLIKE beyond any bound', () => {
    const p = forecastProblems({ what: 'x', forecasts: new Float64Array(1000).fill(trainMean / 1e6), targets, trainMean });
    expect(p).toContainEqual(expect.stringMatching(/QLIKE of .*e\+\d+, beyond any working forecast \(10\)/));
  });

  it('catches non-finite forecasts', () => {
    expect(forecastProblems({ what: 'x', forecasts: Float64Array.of(1, NaN), targets: Float64Array.of(1, 1), trainMean: 1 })).toEqual(['x include non-finite or non-positive variances']);
  });

  it('catches an absurd FHS tail (residuals standardised by wrong variances)', () => {
    expect(tailProblems('lstm', -2.5)).toEqual([]);
    expect(tailProblems('lstm', -0.001)[0]).toMatch(/1% quantile of -0\.00100, outside -10\.\.-1/);
  });
});

describe('data problems that void every model', () => {
  it('an unadjusted 1000:1 split and a mostly stale series; none for a clean file', () => {
    const dates = businessDays(600);
    const prices = pricesFrom(simulateGarch(TYPICAL, 599, 3)).map((p, i) => (i >= 300 ? p / 1000 : p));
    const split = ['date,close', ...dates.map((d, i) => `${d},${prices[i].toFixed(6)}`)].join('\n');
    expect(dataProblems(checkDataQuality(parseMarketData(split)))).toEqual([expect.stringMatching(/an implausible jump \(2002-02-25: -69\d\.\d%\), an unadjusted split/)]);
    const stale = ['date,close', ...dates.map((d, i) => `${d},${prices[i - (i % 4)].toFixed(6)}`)].join('\n');
    expect(dataProblems(checkDataQuality(parseMarketData(stale)))).toContainEqual(expect.stringMatching(/mostly stale \(75% of the returns are zero\)/));
    expect(dataProblems(checkDataQuality(parseMarketData(garchCsv(800))))).toEqual([]);
  });
});

describe('checkResults: every model of one series', () => {
  it('voids the diverged LSTM (validation and test), keeps the sound baseline, and adds data problems to all', () => {
    const n = targets.length;
    const scored = Array.from({ length: 200 }, (_, i) => 800 + i);
    const validation = Array.from({ length: 100 }, (_, i) => 700 + i);
    const lstm = new Float64Array(n).fill(5.8e46);
    const garch = new Float64Array(n).fill(trainMean);
    const clean = checkDataQuality(parseMarketData(garchCsv(800)));
    const checks = checkResults({ targets, scored, forecasts: { lstm, garch }, trainMean, lstmValidation: { origins: validation, forecasts: lstm }, tailQuantiles: { lstm: -0.0005, garch: -2.4 } }, clean);
    expect(checks.garch).toEqual({ valid: true, problems: [] });
    expect(checks.lstm.valid).toBe(false);
    expect(checks.lstm.problems).toEqual([
      expect.stringMatching(/^the lstm validation forecasts: variance 5\.80e\+46/),
      expect.stringMatching(/^the lstm validation forecasts have a QLIKE of .* beyond any working forecast/),
      expect.stringMatching(/^the lstm forecasts: variance 5\.80e\+46/),
      expect.stringMatching(/^the lstm forecasts have a QLIKE/),
      expect.stringMatching(/^the lstm's standardised residuals have a 1% quantile of -0\.000500/),
    ]);
    expect(sanityWarnings(checks)).toEqual([expect.stringMatching(/^lstm: the lstm validation forecasts: .*; its VaR and ES are not valid$/)]);
  });
});
