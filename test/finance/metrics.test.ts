import { describe, expect, it } from 'vitest';
import { dieboldMariano, forecastLosses, qlike } from '../../src/finance/metrics.js';

describe("Patton's losses", () => {
  it('QLIKE is zero for a perfect forecast and p/f - ln(p/f) - 1 otherwise', () => {
    expect(qlike(1.7, 1.7)).toBe(0);
    expect(qlike(2, 1)).toBeCloseTo(1 - Math.log(2), 12);
    expect(qlike(1, 2)).toBeCloseTo(0.5 + Math.log(2) - 1, 12);
  });

  it('floors a zero proxy so a zero-return day stays finite', () => {
    // floor 1e-4 percent²: 1e-4 - ln(1e-4) - 1
    expect(qlike(0, 1)).toBeCloseTo(1e-4 - Math.log(1e-4) - 1, 10);
  });

  it('averages QLIKE, MSE and MAE', () => {
    const l = forecastLosses([1, 2, 4], [1, 1, 2]);
    expect(l.n).toBe(3);
    expect(l.mse).toBeCloseTo((0 + 1 + 4) / 3, 12);
    expect(l.mae).toBeCloseTo((0 + 1 + 2) / 3, 12);
    expect(l.qlike).toBeCloseTo((0 + 2 * (1 - Math.log(2))) / 3, 12);
  });
});

describe('Diebold–Mariano with the HLN correction', () => {
  // d = [0, 1, 2, 3, 4]: mean 2, gamma_0 = 2, DM = 2 / sqrt(2/5) = 3.162278.
  const a = [1, 2, 3, 4, 5];
  const b = [1, 1, 1, 1, 1];

  it('one step ahead: DM·sqrt((n-1)/n) against Student t with n-1 degrees of freedom', () => {
    const r = dieboldMariano(a, b, 1);
    expect(r.statistic).toBeCloseTo(2 * Math.sqrt(2), 12); // 3.162278·sqrt(4/5)
    // t with 4 df: F(t) = 1/2 + (3/4)(x - x³/3), x = t/sqrt(t² + 4); at t = 2√2, x = sqrt(2/3).
    const x = Math.sqrt(2 / 3);
    expect(r.pValue).toBeCloseTo(2 * (1 - (0.5 + 0.75 * (x - x ** 3 / 3))), 10);
  });

  it('h steps ahead: Bartlett-weighted autocovariances up to lag h-1', () => {
    // gamma_1 = [(-1)(-2) + 0 + 0 + (2)(1)]/5 = 0.8; long-run 2 + 2·(1/2)·0.8 = 2.8;
    // DM = 2/sqrt(2.8/5), HLN factor sqrt((5 + 1 - 4 + 2/5)/5).
    const r = dieboldMariano(a, b, 2);
    expect(r.statistic).toBeCloseTo((2 / Math.sqrt(2.8 / 5)) * Math.sqrt(2.4 / 5), 12);
  });

  it('is antisymmetric, and says nothing about identical forecasts', () => {
    const x = [0.3, 1.2, 0.8, 2.5, 0.1, 0.9];
    const y = [0.5, 1.0, 0.7, 2.0, 0.4, 1.1];
    expect(dieboldMariano(x, y, 1).statistic).toBeCloseTo(-dieboldMariano(y, x, 1).statistic, 12);
    expect(dieboldMariano(x, y, 1).pValue).toBeCloseTo(dieboldMariano(y, x, 1).pValue, 12);
    expect(dieboldMariano(x, x, 1)).toEqual({ statistic: 0, pValue: 1 });
  });
});
