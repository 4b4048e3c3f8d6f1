import { describe, expect, it } from 'vitest';
import {
  backtestEs,
  backtestVar,
  christoffersen,
  conditionalCoverage,
  empiricalTail,
  expectedShortfall,
  gaussianTail,
  kupiec,
  trafficLight,
  valueAtRisk,
} from '../../src/finance/risk.js';

describe('Gaussian VaR and ES', () => {
  it('uses the textbook multipliers', () => {
    // z_0.99 = 2.326348, phi(z)/0.01 = 2.665214; z_0.95 = 1.644854, phi(z)/0.05 = 2.062713.
    expect(valueAtRisk(1, gaussianTail(0.99))).toBeCloseTo(2.326348, 6);
    expect(expectedShortfall(1, gaussianTail(0.99))).toBeCloseTo(2.665214, 6);
    expect(valueAtRisk(2, gaussianTail(0.95))).toBeCloseTo(2 * 1.644854, 5);
    expect(expectedShortfall(2, gaussianTail(0.95))).toBeCloseTo(2 * 2.062713, 5);
  });
});

describe('filtered historical simulation tails', () => {
  it('takes the interpolated empirical quantile and the mean beyond it', () => {
    const z = Float64Array.from({ length: 100 }, (_, i) => 49 - i); // -50..49, unsorted
    // 1% quantile: position 0.01·99 = 0.99 between -50 and -49 -> -49.01; only -50 lies below.
    expect(empiricalTail(z, 0.99)).toEqual({ quantile: expect.closeTo(-49.01, 10), tailMean: -50 });
    // 5% quantile: position 4.95 between -46 and -45 -> -45.05; -50..-46 lie below, mean -48.
    expect(empiricalTail(z, 0.95)).toEqual({ quantile: expect.closeTo(-45.05, 10), tailMean: -48 });
  });
});

describe('Kupiec proportion-of-failures test', () => {
  it('gives the hand-computed likelihood ratio', () => {
    // 8 exceptions in 250 days at 99%: LR = -2[242 ln .99 + 8 ln .01 - 242 ln .968 - 8 ln .032] = 7.73355.
    const r = kupiec(8, 250, 0.99);
    expect(r.statistic).toBeCloseTo(7.733550724, 8);
    expect(r.pValue).toBeCloseTo(0.005420405, 8);
    expect(kupiec(17, 250, 0.95).pValue).toBeCloseTo(0.214575148, 8);
  });

  it('reproduces the non-rejection regions of Kupiec (1995) / Jorion at the 5% test level', () => {
    // [VaR level, days, lowest and highest accepted exception count]; the table's "a < N < b".
    const table: [number, number, number, number][] = [
      [0.99, 510, 2, 10], [0.99, 1000, 5, 16],
      [0.975, 255, 3, 11], [0.975, 510, 7, 20], [0.975, 1000, 16, 35],
      [0.95, 255, 7, 20], [0.95, 510, 17, 35], [0.95, 1000, 38, 64],
      [0.925, 255, 12, 27], [0.925, 510, 28, 50], [0.925, 1000, 60, 91],
      [0.9, 255, 17, 35], [0.9, 510, 39, 64], [0.9, 1000, 82, 119],
    ];
    for (const [level, days, lo, hi] of table) {
      expect(kupiec(lo - 1, days, level).pValue).toBeLessThan(0.05);
      expect(kupiec(lo, days, level).pValue).toBeGreaterThan(0.05);
      expect(kupiec(hi, days, level).pValue).toBeGreaterThan(0.05);
      expect(kupiec(hi + 1, days, level).pValue).toBeLessThan(0.05);
    }
    // 99% over 255 days: the table's "N < 7".
    expect(kupiec(6, 255, 0.99).pValue).toBeGreaterThan(0.05);
    expect(kupiec(7, 255, 0.99).pValue).toBeLessThan(0.05);
  });

  it('is finite with no exceptions or only exceptions', () => {
    expect(kupiec(0, 250, 0.99).statistic).toBeCloseTo(-2 * 250 * Math.log(0.99), 10);
    expect(Number.isFinite(kupiec(250, 250, 0.99).statistic)).toBe(true);
  });
});

describe('Christoffersen tests', () => {
  // Hits 0,0,1,1,0,0,0,1,0,0,0,0,0,1,1,0,0,0,0,0: transitions n00 = 11, n01 = 3, n10 = 3, n11 = 2.
  const hits = [0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0].map(Boolean);

  it('independence: the hand-computed likelihood ratio', () => {
    // pi01 = 3/14, pi11 = 2/5, pi = 5/19.
    const r = christoffersen(hits);
    expect(r.statistic).toBeCloseTo(0.622344689, 8);
    expect(r.pValue).toBeCloseTo(0.430177317, 8);
  });

  it('conditional coverage: LR_pof + LR_ind on two degrees of freedom', () => {
    // 5 exceptions in 20 days at 95%: LR_pof = 9.002716.
    const r = conditionalCoverage(hits, 0.95);
    expect(r.statistic).toBeCloseTo(9.625060471, 8);
    expect(r.pValue).toBeCloseTo(Math.exp(-9.625060471 / 2), 8);
  });

  it('cannot reject independence without exceptions', () => {
    expect(christoffersen(new Array(100).fill(false)).pValue).toBe(1);
  });
});

describe('Basel traffic light', () => {
  it('is green for 0-4, yellow for 5-9 and red for 10+ exceptions in 250 days', () => {
    const zones = Array.from({ length: 13 }, (_, x) => trafficLight(x, 250));
    expect(zones).toEqual(['green', 'green', 'green', 'green', 'green', 'yellow', 'yellow', 'yellow', 'yellow', 'yellow', 'red', 'red', 'red']);
  });
});

describe('backtests of a VaR series', () => {
  it('counts exceptions, runs every test, and takes the traffic light over the last 250 days at 99% only', () => {
    const n = 300;
    const realised = Float64Array.from({ length: n }, (_, t) => (t % 50 === 0 ? -5 : 0.1)); // 6 breaches of VaR 3
    const vaR = new Float64Array(n).fill(3);
    const b = backtestVar(realised, vaR, 0.99);
    expect(b).toMatchObject({ exceptions: 6, n: 300, trafficLightDays: 250, trafficLightExceptions: 5, trafficLight: 'yellow' });
    expect(b.expected).toBeCloseTo(3, 12);
    expect(b.kupiecP).toBeCloseTo(kupiec(6, 300, 0.99).pValue, 12);
    expect(backtestVar(realised, vaR, 0.95).trafficLight).toBeNull();
  });

  it('scores ES on exception days, with Acerbi–Székely Z2', () => {
    // 100 days at 95%: exceptions on days 0 (-4) and 1 (-6), ES 5 every day.
    const realised = Float64Array.from({ length: 100 }, (_, t) => (t === 0 ? -4 : t === 1 ? -6 : 0));
    const es = backtestEs(realised, new Float64Array(100).fill(3), new Float64Array(100).fill(5), 0.95);
    // Z2 = 1 + (-4/5 - 6/5) / (100·0.05) = 0.6
    expect(es).toEqual({ averageEs: 5, averageExceptionLoss: 5, averageEsOnExceptions: 5, z2: expect.closeTo(0.6, 12) });
  });
});
