import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { bundledDataPath } from '../../src/cli/files.js';
import { parseMarketData, logReturnsPercent } from '../../src/finance/data.js';
import { fitGarch, garchLogLikelihood, garchVarianceSum, garchVariances, type GarchParams } from '../../src/finance/garch.js';
import { UserError } from '../../src/errors.js';
import { fixture, fixtureNumbers, simulateGarch } from './helpers.js';

// R 4.2.2, fGarch 4022.89 (Debian r-cran-fgarch): garchFit(~garch(1,1), data = r, include.mean = TRUE,
// cond.dist = "norm"); [mu, omega, alpha, beta, log-likelihood]. Recorded once; the tests need no R.
const FGARCH: Record<string, [number, number, number, number, number]> = {
  dem2gbp: [-0.006190414365, 0.01076139156, 0.1531339053, 0.8059737802, -1106.607881],
  sp500: [0.05939264268, 0.02207543119, 0.123970853, 0.8608374738, -6988.4981737927],
  DAX: [0.06535093903, 0.04754357655, 0.06841689291, 0.8876104494, -2594.796877],
  SMI: [0.1037799711, 0.1271315456, 0.1302331212, 0.7248573738, -2416.637324],
  CAC: [0.04291136038, 0.08807974725, 0.05150936135, 0.8761814276, -2790.222889],
  FTSE: [0.0489826639, 0.00846431432, 0.04496019485, 0.942595346, -2134.806749],
  simTypical: [0.0345344813, 0.01202612862, 0.07073659646, 0.9197175943, -2825.7483875947],
  simHighAlpha: [-0.02315061218, 0.1636869295, 0.2095234569, 0.6432376731, -2113.4093425665],
  simPersistent: [0.06578759076, 0.004951526966, 0.05090460356, 0.9448410081, -4080.5291105882],
  simNoArch: [-0.008099324932, 0.1536082115, 1e-8, 0.8531477002, -1441.3726853211],
};

// The simulated series R fitted: simulateGarch(params, n, seed) written with 17 significant digits.
const SIMULATED: Record<string, [GarchParams, number, number]> = {
  simTypical: [{ mu: 0.03, omega: 0.02, alpha: 0.08, gamma: 0, beta: 0.9, nu: null }, 2000, 11],
  simHighAlpha: [{ mu: 0, omega: 0.2, alpha: 0.25, gamma: 0, beta: 0.6, nu: null }, 1500, 12],
  simPersistent: [{ mu: 0.05, omega: 0.005, alpha: 0.05, gamma: 0, beta: 0.945, nu: null }, 3000, 13],
  simNoArch: [{ mu: 0, omega: 1, alpha: 0, gamma: 0, beta: 0, nu: null }, 1000, 14],
};

function series(name: string): Float64Array {
  if (name === 'dem2gbp') return fixtureNumbers('dem2gbp.txt');
  if (name === 'sp500') return parseMarketData(readFileSync(bundledDataPath(), 'utf8')).series[0].returns;
  if (name in SIMULATED) {
    const [p, n, seed] = SIMULATED[name];
    return simulateGarch(p, n, seed);
  }
  const eu = Papa.parse<Record<string, number>>(fixture('eustockmarkets.csv'), { header: true, comments: '#', dynamicTyping: true, skipEmptyLines: true }).data;
  return logReturnsPercent(Float64Array.from(eu, (row) => row[name]));
}

describe('GARCH(1,1) likelihood, by hand', () => {
  // r = [1, -1, 2, 0], mu 0, omega 0.1, alpha 0.2, beta 0.7. Backcast mean(e²) = 1.5, so
  // sigma²_1 = 0.1 + 0.9·1.5 = 1.45, sigma²_2 = 0.1 + 0.2·1 + 0.7·1.45 = 1.315, sigma²_3 = 1.2205,
  // sigma²_4 = 0.1 + 0.2·4 + 0.7·1.2205 = 1.75435, and the next day's sigma²_5 = 0.1 + 0.7·1.75435 = 1.328045.
  const r = [1, -1, 2, 0];
  const p = { mu: 0, omega: 0.1, alpha: 0.2, gamma: 0, beta: 0.7, nu: null };

  it('filters the variances', () => {
    const v = garchVariances(r, p, 1.5);
    [1.45, 1.315, 1.2205, 1.75435, 1.328045].forEach((x, i) => expect(v[i]).toBeCloseTo(x, 12));
  });

  it('computes the Gaussian log-likelihood with the 2π constant', () => {
    // -0.5·(4·ln 2π + Σ ln sigma² + Σ e²/sigma²)
    expect(garchLogLikelihood(r, p)).toBeCloseTo(-6.74286215646911, 10);
  });

  it('sums multi-day variance forecasts reverting to omega/(1-alpha-beta)', () => {
    // long-run variance 1, persistence 0.9: 1.328045 + (1 + 0.9·0.328045) + (1 + 0.81·0.328045)
    expect(garchVarianceSum(1.328045, p, 1)).toBeCloseTo(1.328045, 12);
    expect(garchVarianceSum(1.328045, p, 3)).toBeCloseTo(3.88900195, 10);
  });
});

describe('fitGarch against R fGarch', () => {
  for (const [name, [mu, omega, alpha, beta, logLikelihood]] of Object.entries(FGARCH)) {
    it(`${name}: a likelihood at least as high as fGarch's, and the same estimates`, () => {
      const r = series(name);
      const fit = fitGarch(r);
      // Same likelihood function (fGarch's 'mci' start), so the numbers compare directly.
      expect(garchLogLikelihood(r, { mu, omega, alpha, gamma: 0, beta, nu: null })).toBeCloseTo(logLikelihood, 3);
      expect(fit.logLikelihood).toBeGreaterThanOrEqual(logLikelihood - 1e-4);
      expect(fit.persistence).toBeLessThan(1);
      if (name === 'simNoArch') {
        // No ARCH effect: alpha at its bound and beta unidentified (the likelihood is flat in it).
        expect(fit.alpha).toBeLessThan(1e-3);
        return;
      }
      expect(fit.mu).toBeCloseTo(mu, 3);
      expect(fit.alpha).toBeCloseTo(alpha, 2);
      expect(fit.beta).toBeCloseTo(beta, 2);
      expect(Math.abs(fit.omega - omega) / omega).toBeLessThan(0.02);
    });
  }

  it('matches the published DEM/GBP benchmark (McCullough & Renfro 1998)', () => {
    const fit = fitGarch(series('dem2gbp'));
    expect(fit.mu).toBeCloseTo(-0.00619, 4);
    expect(fit.omega).toBeCloseTo(0.0108, 4);
    expect(fit.alpha).toBeCloseTo(0.1531, 3);
    expect(fit.beta).toBeCloseTo(0.806, 3);
    expect(fit.logLikelihood).toBeCloseTo(-1106.608, 2);
  });

  it('gives a sane S&P 500 fit: persistence near but below 1', () => {
    const fit = fitGarch(series('sp500'));
    expect(fit.persistence).toBeGreaterThan(0.95);
    expect(fit.persistence).toBeLessThan(1);
  });

  it('does not depend on the returns unit', () => {
    const r = series('DAX');
    const percent = fitGarch(r);
    const decimal = fitGarch(r.map((x) => x / 100));
    expect(decimal.alpha).toBeCloseTo(percent.alpha, 4);
    expect(decimal.beta).toBeCloseTo(percent.beta, 4);
    expect(decimal.omega * 1e4).toBeCloseTo(percent.omega, 4);
    // ln L shifts by n·ln(100) when every return is divided by 100.
    expect(decimal.logLikelihood - percent.logLikelihood).toBeCloseTo(r.length * Math.log(100), 3);
  });

  it('keeps a nearly integrated process stationary', () => {
    const fit = fitGarch(simulateGarch({ mu: 0, omega: 0.01, alpha: 0.1, gamma: 0, beta: 0.8995, nu: null }, 2000, 3));
    expect(fit.persistence).toBeLessThan(1);
    expect(fit.persistence).toBeGreaterThan(0.97);
    expect(fit.omega).toBeGreaterThan(0);
  });

  it('refuses too few or constant returns', () => {
    expect(() => fitGarch(new Float64Array(10))).toThrow(UserError);
    expect(() => fitGarch(new Float64Array(100).fill(0.5))).toThrow(/constant/);
  });
});
