import { describe, expect, it } from 'vitest';
import { dieboldMariano, forecastLosses, neweyWestLags, neweyWestVariance, qlike } from '../../src/finance/metrics.js';

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

describe('Newey–West long-run variance', () => {
  it('takes at least h - 1 lags and at least floor(4(n/100)^(2/9))', () => {
    expect(neweyWestLags(100, 1)).toBe(4); // 4·1
    expect(neweyWestLags(2500, 1)).toBe(8); // 4·25^(2/9) = 4·2.0449 = 8.18
    expect(neweyWestLags(2500, 22)).toBe(21);
    expect(neweyWestLags(5, 4)).toBe(3); // rule: 4·0.05^(2/9) = 2.06 -> 2 < h - 1
  });

  it('weights the autocovariances 1 - k/(L+1)', () => {
    // x = [0, 1, 2, 3, 4]: deviations -2..2; gamma_0 = 10/5 = 2, gamma_1 = (2 + 0 + 0 + 2)/5 = 0.8,
    // gamma_2 = (0 - 1 + 0)/5 = -0.2. L = 2: 2 + 2·(2/3)·0.8 + 2·(1/3)·(-0.2) = 44/15.
    expect(neweyWestVariance([0, 1, 2, 3, 4], 2)).toBeCloseTo(44 / 15, 12);
    expect(neweyWestVariance([0, 1, 2, 3, 4], 0)).toBeCloseTo(2, 12);
  });
});

describe('Diebold–Mariano with Newey–West variance and the HLN correction', () => {
  // d = a - b = [0, 1, 2, 3, 4]: mean 2, autocovariances gamma_0..3 = 2, 0.8, -0.2, -0.8.
  const a = [1, 2, 3, 4, 5];
  const b = [1, 1, 1, 1, 1];

  it('one step ahead, n = 5: 2 Newey–West lags, HLN factor sqrt((n-1)/n), Student t with n-1 df', () => {
    // Long-run variance 44/15 (above); DM = 2/sqrt((44/15)/5) = 2·sqrt(75/44); times sqrt(4/5) = 2·sqrt(15/11).
    const r = dieboldMariano(a, b, 1);
    expect(r.statistic).toBeCloseTo(2 * Math.sqrt(15 / 11), 12); // 2.335497
    // t with 4 df: F(t) = 1/2 + (3/4)(x - x³/3), x = t/sqrt(t² + 4) = sqrt((60/11)/(104/11)) = sqrt(15/26).
    const x = Math.sqrt(15 / 26);
    expect(r.pValue).toBeCloseTo(2 * (1 - (0.5 + 0.75 * (x - x ** 3 / 3))), 10);
  });

  it('h = 4 steps ahead, n = 5: h - 1 = 3 lags', () => {
    // Weights 3/4, 1/2, 1/4: 2 + 2(3/4)(0.8) + 2(1/2)(-0.2) + 2(1/4)(-0.8) = 2.6; DM = 2/sqrt(2.6/5);
    // HLN: (n + 1 - 2h + h(h-1)/n)/n = (5 + 1 - 8 + 12/5)/5 = 0.08, so statistic = 2·sqrt(0.08/0.52) = 2·sqrt(2/13).
    expect(dieboldMariano(a, b, 4).statistic).toBeCloseTo(2 * Math.sqrt(2 / 13), 12); // 0.784465
  });

  it('is antisymmetric, and says nothing about identical forecasts', () => {
    const x = [0.3, 1.2, 0.8, 2.5, 0.1, 0.9];
    const y = [0.5, 1.0, 0.7, 2.0, 0.4, 1.1];
    expect(dieboldMariano(x, y, 1).statistic).toBeCloseTo(-dieboldMariano(y, x, 1).statistic, 12);
    expect(dieboldMariano(x, y, 1).pValue).toBeCloseTo(dieboldMariano(y, x, 1).pValue, 12);
    expect(dieboldMariano(x, x, 1)).toEqual({ statistic: 0, pValue: 1 });
  });

  it('rejects series of different lengths', () => {
    expect(() => dieboldMariano([1, 2, 3], [1, 2], 1)).toThrow(/same length/);
  });
});
