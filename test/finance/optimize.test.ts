import { describe, expect, it } from 'vitest';
import { minimize, nelderMead } from '../../src/finance/optimize.js';

describe('Nelder–Mead', () => {
  it('finds the minimum of a quadratic bowl', () => {
    const m = nelderMead(([x, y]) => (x - 3) ** 2 + 10 * (y + 1) ** 2, [0, 0]);
    expect(m.x[0]).toBeCloseTo(3, 5);
    expect(m.x[1]).toBeCloseTo(-1, 5);
  });

  it('with restarts, reaches the bottom of the Rosenbrock valley at (1, 1)', () => {
    const rosenbrock = ([x, y]: number[]) => 100 * (y - x * x) ** 2 + (1 - x) ** 2;
    const m = minimize(rosenbrock, [[-1.2, 1], [2, 2]]);
    expect(m.x[0]).toBeCloseTo(1, 4);
    expect(m.x[1]).toBeCloseTo(1, 4);
    expect(m.value).toBeLessThan(1e-8);
  });

  it('moves away from points where the function is not finite', () => {
    const m = nelderMead(([x]) => (x < 0 ? NaN : (x - 2) ** 2), [0.1]);
    expect(m.x[0]).toBeCloseTo(2, 5);
  });

  it('searches from the starts with the lowest values when told how many', () => {
    // Two basins: a shallow one at x = -2 (value 1) and the deeper one at x = 3 (value 0).
    const f = ([x]: number[]) => Math.min((x + 2) ** 2 + 1, (x - 3) ** 2);
    const shallowFirst = [[-2.5], [10]];
    expect(minimize(f, shallowFirst, { searches: 1 }).x[0]).toBeCloseTo(-2, 4); // f(-2.5) = 1.25 < f(10) = 49
    expect(minimize(f, shallowFirst).x[0]).toBeCloseTo(3, 4);
  });
});
