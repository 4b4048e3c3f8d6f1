import jStat from 'jstat';
import { describe, expect, it } from 'vitest';
import { digamma, ln_gamma, student_t_nll } from '../src/cpu/fast.js';

// lnΓ and ψ (used by the Student-t loss) against closed forms and jStat, and the loss against jStat's t density.
const EULER_GAMMA = 0.5772156649015329;

describe('ln_gamma and digamma (Float64)', () => {
  it('match closed forms to 1e-13', () => {
    let factorial = 1, harmonic = 0;
    for (let n = 1; n <= 30; n++) {
      expect(Math.abs(ln_gamma(n) - Math.log(factorial))).toBeLessThan(1e-13 * Math.max(1, Math.log(factorial)));
      expect(Math.abs(digamma(n) - (harmonic - EULER_GAMMA))).toBeLessThan(1e-13);
      factorial *= n;
      harmonic += 1 / n;
    }
    expect(Math.abs(ln_gamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-14);
    expect(Math.abs(ln_gamma(1.5) - Math.log(Math.sqrt(Math.PI) / 2))).toBeLessThan(1e-14);
    expect(Math.abs(digamma(0.5) - (-EULER_GAMMA - 2 * Math.log(2)))).toBeLessThan(1e-13);
    expect(Math.abs(digamma(1.5) - (2 - EULER_GAMMA - 2 * Math.log(2)))).toBeLessThan(1e-13);
  });

  it('agree with jStat.gammaln and with the derivative of ln_gamma over (0.05, 500)', () => {
    for (let x = 0.05; x < 500; x *= 1.37) {
      expect(Math.abs(ln_gamma(x) - jStat.gammaln(x))).toBeLessThan(1e-9 * Math.max(1, Math.abs(ln_gamma(x))));
      const h = 1e-5 * x;
      const numeric = (ln_gamma(x + h) - ln_gamma(x - h)) / (2 * h);
      expect(Math.abs(digamma(x) - numeric)).toBeLessThan(1e-7 * Math.max(1, Math.abs(digamma(x))));
    }
  });
});

describe('student_t_nll', () => {
  it('is −log of the unit-variance t density scaled by e^{s/2} (jStat.studentt)', () => {
    for (const [s, u, r] of [[0, 0, 0.3], [-1.2, 2, -1.5], [0.7, -1.5, 2.4], [2, 6, -0.1]]) {
      const nu = 2 + Math.log1p(Math.exp(u));
      const scale = Math.sqrt((Math.exp(s) * (nu - 2)) / nu); // the t's scale parameter for variance e^s
      const expected = -Math.log(jStat.studentt.pdf(r / scale, nu) / scale);
      expect(Math.abs(student_t_nll(s, u, r, null, 0, 0) - expected)).toBeLessThan(2e-7); // jStat's density is good to ~1e-7
    }
  });

  it('has the gradient of its finite differences (≤ 1e-8)', () => {
    const d = new Float64Array(2);
    for (const [s, u, r] of [[0, 0, 0.3], [-1.2, 2, -1.5], [0.7, -1.5, 2.4], [2, 6, -0.1], [0.1, -6, 3]]) {
      student_t_nll(s, u, r, d, 0, 1);
      const h = 1e-6;
      const ds = (student_t_nll(s + h, u, r, null, 0, 0) - student_t_nll(s - h, u, r, null, 0, 0)) / (2 * h);
      const du = (student_t_nll(s, u + h, r, null, 0, 0) - student_t_nll(s, u - h, r, null, 0, 0)) / (2 * h);
      expect(Math.abs(d[0] - ds)).toBeLessThan(1e-8);
      expect(Math.abs(d[1] - du)).toBeLessThan(1e-8);
    }
  });
});
