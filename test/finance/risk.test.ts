import jStat from 'jstat';
import { describe, expect, it } from 'vitest';
import {
  backtestEs,
  backtestEsZ2,
  backtestVar,
  christoffersen,
  conditionalCoverage,
  empiricalDraw,
  empiricalTail,
  expectedShortfall,
  filteredBootstrapRisk,
  fitStudentTNu,
  gaussianDraw,
  gaussianTail,
  horizonRisk,
  kupiec,
  NU_BOUNDS,
  studentTDraw,
  studentTLogLikelihood,
  studentTTail,
  trafficLight,
  valueAtRisk,
} from '../../src/finance/risk.js';
import { Rng } from '../../src/rng.js';

/** n draws of a standardised distribution from a seeded generator. */
const draws = (draw: (rng: Rng) => number, n: number, seed: number) => {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => draw(rng));
};

describe('Gaussian VaR and ES', () => {
  it('uses the textbook multipliers', () => {
    // z_0.99 = 2.326348, phi(z)/0.01 = 2.665214; z_0.95 = 1.644854, phi(z)/0.05 = 2.062713.
    expect(valueAtRisk(1, gaussianTail(0.99))).toBeCloseTo(2.326348, 6);
    expect(expectedShortfall(1, gaussianTail(0.99))).toBeCloseTo(2.665214, 6);
    expect(valueAtRisk(2, gaussianTail(0.95))).toBeCloseTo(2 * 1.644854, 5);
    expect(expectedShortfall(2, gaussianTail(0.95))).toBeCloseTo(2 * 2.062713, 5);
  });
});

describe('unit-variance Student-t tails', () => {
  it('gives the closed-form multipliers for ν = 5', () => {
    // t_5 quantiles: t_0.01 = -3.364930, t_0.025 = -2.570582; unit variance: times sqrt(3/5).
    expect(valueAtRisk(1, studentTTail(0.99, 5))).toBeCloseTo(2.6065, 4);
    expect(expectedShortfall(1, studentTTail(0.99, 5))).toBeCloseTo(3.4488, 4);
    expect(expectedShortfall(1, studentTTail(0.975, 5))).toBeCloseTo(2.7278, 4);
    expect(valueAtRisk(2, studentTTail(0.975, 5))).toBeCloseTo(2 * 2.570582 * Math.sqrt(3 / 5), 5);
  });

  it('tends to the Gaussian as ν grows, and is the Gaussian at ν = ∞', () => {
    for (const level of [0.95, 0.975, 0.99]) {
      const g = gaussianTail(level);
      const t = studentTTail(level, 1e5);
      expect(t.quantile).toBeCloseTo(g.quantile, 4);
      expect(t.tailMean).toBeCloseTo(g.tailMean, 4);
      expect(studentTTail(level, Infinity)).toEqual(g);
      // Fatter tails than the Gaussian's at 99% for any finite ν.
      if (level === 0.99) expect(studentTTail(level, 8).tailMean).toBeLessThan(g.tailMean);
    }
    expect(() => studentTTail(0.99, 2)).toThrow(/ν > 2/);
  });

  it('log-likelihood at z = 0, ν = 5: ln Γ(3) - ln Γ(5/2) - ½ ln(3π)', () => {
    // Γ(3) = 2, Γ(5/2) = (3/4)·sqrt(π).
    expect(studentTLogLikelihood([0], 5)).toBeCloseTo(Math.log(2) - Math.log(0.75 * Math.sqrt(Math.PI)) - 0.5 * Math.log(3 * Math.PI), 12);
    // z = 1: minus (ν+1)/2·ln(1 + 1/(ν-2)) = 3·ln(4/3) more.
    expect(studentTLogLikelihood([1], 5)).toBeCloseTo(studentTLogLikelihood([0], 5) - 3 * Math.log(4 / 3), 12);
  });

  it('draws with unit variance and the closed-form 1% quantile and tail mean', () => {
    const z = draws(studentTDraw(5), 200000, 1);
    const variance = z.reduce((s, v) => s + v * v, 0) / z.length;
    expect(variance).toBeCloseTo(1, 1);
    const tail = empiricalTail(z, 0.99);
    expect(tail.quantile).toBeCloseTo(-2.6065, 1);
    expect(tail.tailMean / -3.4488).toBeCloseTo(1, 1);    // The whole distribution: the share below x against the t(5) cdf at x·sqrt(5/3).
    for (const x of [-2, -1, -0.3, 0, 0.5, 1.5, 3]) {
      const share = z.reduce((c, v) => c + Number(v < x), 0) / z.length;
      expect(Math.abs(share - jStat.studentt.cdf(x * Math.sqrt(5 / 3), 5))).toBeLessThan(0.004);
    }
  });

  it('fits ν by maximum likelihood on simulated draws', () => {
    expect(fitStudentTNu(draws(studentTDraw(5), 20000, 2))).toBeGreaterThan(4.5);
    expect(fitStudentTNu(draws(studentTDraw(5), 20000, 2))).toBeLessThan(5.6);
    const nu8 = fitStudentTNu(draws(studentTDraw(8), 20000, 3));
    expect(nu8).toBeGreaterThan(6.5);
    expect(nu8).toBeLessThan(10);
    // Gaussian draws: ν runs to the top of its range.
    expect(fitStudentTNu(draws(gaussianDraw, 20000, 4))).toBeGreaterThan(50);
  });

  it('the fitted ν maximises the likelihood within its bounds', () => {
    const z = draws(studentTDraw(4), 2000, 5);
    const nu = fitStudentTNu(z);
    const ll = studentTLogLikelihood(z, nu);
    for (const other of [nu * 0.99, nu * 1.01, 3, 6, 20, NU_BOUNDS[0], NU_BOUNDS[1]]) expect(ll).toBeGreaterThanOrEqual(studentTLogLikelihood(z, other));
    expect(() => fitStudentTNu([1])).toThrow(/at least 2/);
  });
});

describe('h-day VaR and ES', () => {
  it('scales EWMA by sqrt(h): the 10-day figures are sqrt(10) times the one-day ones', () => {
    const tail = studentTTail(0.99, 5);
    const oneDay = horizonRisk(1.44, tail); // sigma 1.2%
    expect(oneDay.valueAtRisk).toBeCloseTo(1.2 * 2.6064636, 6);
    const tenDay = horizonRisk(10 * 1.44, tail);
    expect(tenDay.valueAtRisk).toBeCloseTo(Math.sqrt(10) * oneDay.valueAtRisk, 12);
    expect(tenDay.expectedShortfall).toBeCloseTo(Math.sqrt(10) * oneDay.expectedShortfall, 12);
  });

  it('takes the GARCH family\'s variance sum', () => {
    // Daily variances 1, 2, 3, 4 -> sum 10: VaR = sqrt(10)·2.326348 at 99% Gaussian.
    expect(horizonRisk(1 + 2 + 3 + 4, gaussianTail(0.99)).valueAtRisk).toBeCloseTo(Math.sqrt(10) * 2.326348, 5);
  });

  it('filtered bootstrap: a constant residual gives the sum of the daily volatilities exactly', () => {
    // Every path is -1·(1 + 2 + 3) = -6: VaR = ES = 6.
    const r = filteredBootstrapRisk([-1], [1, 4, 9], 0.99, { paths: 100 });
    expect(r.valueAtRisk).toBeCloseTo(6, 12);
    expect(r.expectedShortfall).toBeCloseTo(6, 12);
  });

  it('filtered bootstrap: Gaussian residuals over 10 flat days approach sqrt(10)·σ·z', () => {
    const z = draws(gaussianDraw, 20000, 6);
    const r = filteredBootstrapRisk(z, new Float64Array(10).fill(2.25), 0.99, { paths: 20000, seed: 7 });
    expect(r.valueAtRisk / (Math.sqrt(22.5) * 2.326348)).toBeCloseTo(1, 1);
    expect(r.expectedShortfall / (Math.sqrt(22.5) * 2.665214)).toBeCloseTo(1, 1);
    expect(filteredBootstrapRisk(z, [1, 2], 0.975, { paths: 500, seed: 3 })).toEqual(filteredBootstrapRisk(z, [1, 2], 0.975, { paths: 500, seed: 3 }));
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
    expect(b).toMatchObject({ exceptions: 6, n: 300, trafficLightDays: 250, trafficLightExceptions: 5, trafficLight: 'yellow', trafficLightReason: null });
    expect(b.expected).toBeCloseTo(3, 12);
    expect(b.kupiecP).toBeCloseTo(kupiec(6, 300, 0.99).pValue, 12);
    expect(backtestVar(realised, vaR, 0.95)).toMatchObject({ trafficLight: null, trafficLightReason: expect.stringMatching(/99% VaR only/) });
  });

  it('gives no traffic light under 250 days, and flags fewer than 5 expected exceptions as low power', () => {
    const short = backtestVar(new Float64Array(249), new Float64Array(249).fill(1), 0.99);
    expect(short).toMatchObject({ trafficLight: null, trafficLightReason: 'only 249 test days: the Basel traffic light needs 250', lowPower: true });
    // 99%: 499 days expect 4.99 exceptions (low power), 500 days expect 5.
    expect(backtestVar(new Float64Array(499), new Float64Array(499).fill(1), 0.99).lowPower).toBe(true);
    expect(backtestVar(new Float64Array(500), new Float64Array(500).fill(1), 0.99)).toMatchObject({ lowPower: false, trafficLight: 'green' });
    expect(backtestVar(new Float64Array(100), new Float64Array(100).fill(1), 0.95).lowPower).toBe(false);
  });

  it('scores ES on exception days, with Acerbi–Székely Z2', () => {
    // 100 days at 95%: exceptions on days 0 (-4) and 1 (-6), ES 5 every day.
    const realised = Float64Array.from({ length: 100 }, (_, t) => (t === 0 ? -4 : t === 1 ? -6 : 0));
    const es = backtestEs(realised, new Float64Array(100).fill(3), new Float64Array(100).fill(5), 0.95);
    // Z2 = 1 + (-4/5 - 6/5) / (100·0.05) = 0.6
    expect(es).toEqual({ averageEs: 5, averageExceptionLoss: 5, averageEsOnExceptions: 5, z2: expect.closeTo(0.6, 12) });
  });
});

describe('Acerbi–Székely Z2 with a simulated p-value', () => {
  it('has the hand-computed statistic and, for a model that never draws a loss, a p-value by counting', () => {
    // The ES example above at 95%: Z2 = 0.6. A draw of 0 never breaches VaR, so every simulated Z2 is 1 > 0.6:
    // p = (1 + 0)/(1 + 99) = 0.01. A history without exceptions has Z2 = 1, matched by all 99: p = 1.
    const realised = Float64Array.from({ length: 100 }, (_, t) => (t === 0 ? -4 : t === 1 ? -6 : 0));
    const flat = (v: number) => new Float64Array(100).fill(v);
    const zero = () => 0;
    const r = backtestEsZ2(realised, flat(3), flat(5), 0.95, zero, flat(1), { simulations: 99 });
    expect(r).toEqual({ z2: expect.closeTo(0.6, 12), pValue: 0.01, exceptions: 2, simulations: 99 });
    expect(backtestEsZ2(flat(0), flat(3), flat(5), 0.95, zero, flat(1), { simulations: 99 }).pValue).toBe(1);
  });

  // 1,000 days with a volatility that moves between 0.5% and 1.5%.
  const n = 1000;
  const sigma = Float64Array.from({ length: n }, (_, t) => 1 + 0.5 * Math.sin(t / 40));
  const at975 = (tail: { quantile: number; tailMean: number }) => ({ var: sigma.map((s) => valueAtRisk(s, tail)), es: sigma.map((s) => expectedShortfall(s, tail)) });

  it('does not reject the right model', () => {
    const realised = draws(studentTDraw(5), n, 8).map((z, t) => sigma[t] * z);
    const { var: v, es } = at975(studentTTail(0.975, 5));
    const r = backtestEsZ2(realised, v, es, 0.975, studentTDraw(5), sigma, { seed: 9 });
    expect(r.pValue).toBeGreaterThan(0.1);
    expect(r.simulations).toBe(2000);
  });

  it('rejects Gaussian tails when the returns are t(4) and 30% more volatile than forecast', () => {
    // Z2's power over 1,000 days is modest: with the variance right and only the shape wrong (t(4) against the
    // Gaussian) it rejected at 1% in 1 of 10 seeds (at 5% in 4); at 20% more volatility, at 1% in 23 of 25.
    const realised = draws(studentTDraw(4), n, 10).map((z, t) => 1.3 * sigma[t] * z);
    const { var: v, es } = at975(gaussianTail(0.975));
    const r = backtestEsZ2(realised, v, es, 0.975, gaussianDraw, sigma, { seed: 11 });
    expect(r.z2).toBeLessThan(0);
    expect(r.pValue).toBeLessThan(0.01);
  });

  it('simulates filtered historical simulation from its own residuals, reproducibly', () => {
    const residuals = draws(studentTDraw(4), 500, 12);
    const realised = draws(studentTDraw(4), n, 13).map((z, t) => sigma[t] * z);
    const tail = empiricalTail(residuals, 0.975);
    const { var: v, es } = at975(tail);
    const run = () => backtestEsZ2(realised, v, es, 0.975, empiricalDraw(residuals), sigma, { simulations: 500, seed: 14 });
    expect(run()).toEqual(run());
    expect(run().pValue).toBeGreaterThan(0.05);
    expect(() => backtestEsZ2(realised, v.subarray(1), es, 0.975, gaussianDraw, sigma)).toThrow(/one length/);
  });
});
