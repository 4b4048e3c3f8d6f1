import { describe, expect, it } from 'vitest';
import { buyAndHold, strategyReturns, summarizeStrategy, varLimitBreaches, varLimitPositions, volatilityTargeting } from '../../src/finance/riskControl.js';

// Five days whose simple returns are 1%, -2%, 4%, 1%, -3% (given as log returns in percent, as the data are).
const simple = [0.01, -0.02, 0.04, 0.01, -0.03];
const returns = simple.map((x) => 100 * Math.log1p(x));
const dates = ['2020-01-30', '2020-01-31', '2020-02-03', '2020-02-04', '2020-02-05'];
// A target of sqrt(252)% a year is 1% a day, so w = min(2, 1/σ̂): σ̂ = 1, 0.5, 2, 0.25, 1 -> w = 1, 2, 0.5, 2 (4 capped), 1.
const sigma = [1, 0.5, 2, 0.25, 1];
const target = Math.sqrt(252);

describe('volatility targeting, by hand on five days', () => {
  const run = volatilityTargeting(returns, sigma, dates, { targetVol: target, maxLeverage: 2, costBps: 10 });

  it('sizes the position as min(L, σ*/σ̂) and pays c·|Δw|', () => {
    expect(Array.from(run.weights)).toEqual([1, 2, 0.5, 2, 1].map((w) => expect.closeTo(w, 12)));
    // c = 10 bps = 0.001; |Δw| = 1 (from 0), 1, 1.5, 1.5, 1.
    // S = 1·0.01 - 0.001 = 0.009; 2·(-0.02) - 0.001 = -0.041; 0.5·0.04 - 0.0015 = 0.0185; 2·0.01 - 0.0015 = 0.0185;
    //     1·(-0.03) - 0.001 = -0.031.
    expect(Array.from(run.strategy)).toEqual([0.009, -0.041, 0.0185, 0.0185, -0.031].map((s) => expect.closeTo(s, 12)));
  });

  it('summarises volatility, Sharpe, drawdown, turnover and the worst day and month', () => {
    const s = run.summary;
    // mean S = -0.026/5 = -0.0052; deviations 0.0142, -0.0358, 0.0237, 0.0237, -0.0258;
    // squares sum 0.00020164 + 0.00128164 + 0.00056169 + 0.00056169 + 0.00066564 = 0.0032723;
    // sample sd = sqrt(0.0032723/4) = 0.0286020; annualised 100·0.0286020·15.874508 = 45.404%.
    const sd = Math.sqrt(0.0032723 / 4);
    expect(s.annualizedVol).toBeCloseTo(100 * sd * Math.sqrt(252), 10);
    expect(s.annualizedVol).toBeCloseTo(45.404, 3);
    expect(s.sharpe).toBeCloseTo((-0.0052 / sd) * Math.sqrt(252), 10); // -2.886
    // Equity 1.009, 0.967631, 0.985532, 1.003764, 0.972647: the peak is 1.009, the trough after it
    // 0.967631 = 1.009·0.959, so the drawdown is 1 - 0.959 = 0.041.
    expect(s.maxDrawdown).toBeCloseTo(0.041, 12);
    expect(s.turnover).toBeCloseTo((252 * 6) / 5, 12); // Σ|Δw| = 6 over 5 days: 302.4
    expect(s.worstDay).toBeCloseTo(-4.1, 10);
    // January: 1.009·0.959 - 1 = -3.2369%; February: 1.0185²·0.969 - 1 = +0.5185%.
    expect(s.worstMonth).toBeCloseTo(-3.2369, 10);
    expect(s.volOfVol).toBeNull(); // under 64 days there is no second 63-day window
  });

  it('buy-and-hold holds w = 1 and pays only the entry', () => {
    const b = buyAndHold(returns, dates, { costBps: 10 });
    expect(Array.from(b.strategy)).toEqual([0.009, -0.02, 0.04, 0.01, -0.03].map((x) => expect.closeTo(x, 12)));
    expect(b.summary.turnover).toBeCloseTo(252 / 5, 12);
    expect(Array.from(b.weights)).toEqual([1, 1, 1, 1, 1]);
  });

  it('defaults to a 10% target, leverage 2 and no cost', () => {
    // σ* = 10/sqrt(252) = 0.629941: w = 0.629941, 1.259882, 0.314970, 2 (2.519763 capped), 0.629941.
    const d = volatilityTargeting(returns, sigma, dates);
    const star = 10 / Math.sqrt(252);
    expect(Array.from(d.weights)).toEqual([star, 2 * star, star / 2, 2, star].map((w) => expect.closeTo(w, 12)));
    expect(d.strategy[0]).toBeCloseTo(star * 0.01, 12);
  });

  it('says what is wrong with bad input', () => {
    expect(() => volatilityTargeting(returns, [1, 0, 1, 1, 1], dates)).toThrow(/day 1 is 0; it must be > 0/);
    expect(() => volatilityTargeting(returns, [1, 1], dates)).toThrow(/2 days where 5/);
    expect(() => volatilityTargeting(returns, sigma, dates, { targetVol: 0 })).toThrow(/target/);
    expect(() => volatilityTargeting(returns, sigma, dates.slice(1))).toThrow(/4 dates/);
    expect(() => strategyReturns(returns, [1, 1, 1, 1, 1], -1)).toThrow(/cost/);
  });
});

describe('volatility of the 63-day rolling volatility', () => {
  it('is |v1 - v2|/sqrt(2) over two windows, by hand', () => {
    // 64 days, S = 0.01 on the first and 0 after. Window 1 (days 0-62) holds one x = 0.01 among 63 values:
    // mean x/63, sample variance [x²(62/63)² + 62(x/63)²]/62 = x²/63, so its annualised volatility is
    // 100·(x/sqrt(63))·sqrt(252) = 100·2x = 2%. Window 2 (days 1-63) is all zeros: 0%. Std of {2, 0} = sqrt(2).
    const s = new Float64Array(64);
    s[0] = 0.01;
    const days = Array.from({ length: 64 }, (_, i) => `2021-${String(1 + Math.floor(i / 21)).padStart(2, '0')}-${String(1 + (i % 21)).padStart(2, '0')}`);
    expect(summarizeStrategy(s, new Float64Array(64).fill(1), days).volOfVol).toBeCloseTo(Math.SQRT2, 12);
  });
});

describe('VaR limit', () => {
  it('cuts the position to limit/VaR99 where VaR99 exceeds the limit, and counts breaches', () => {
    // Limit 2%: VaR99 = 1, 2, 4, 0.5 -> positions 1, 1, 2/4 = 0.5, 1; it binds only on day 2 (2 is within it).
    const { positions, bindingDays } = varLimitPositions([1, 2, 4, 0.5], 2);
    expect(Array.from(positions)).toEqual([1, 1, 0.5, 1]);
    expect(bindingDays).toBe(1);
    // Returns -1.5, -2.5, -4.5, 0.2 -> losses 1.5, 2.5, 0.5·4.5 = 2.25, -0.2: days 1 and 2 breach 2%.
    expect(varLimitBreaches(positions, [-1.5, -2.5, -4.5, 0.2], 2)).toBe(2);
    expect(() => varLimitPositions([1], 0)).toThrow(/limit/);
  });
});
