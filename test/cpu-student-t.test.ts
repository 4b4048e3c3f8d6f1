import jStat from 'jstat';
import { describe, expect, it } from 'vitest';
import { digamma, ln_gamma, student_t_nll } from '../src/cpu/fast.js';
import { createModel, modelFromJSON, modelToJSON } from '../src/model.js';
import { Rng } from '../src/rng.js';
import { predict, train } from '../src/train/trainer.js';

// lnΓ and ψ (used by the Student-t loss) against closed forms and jStat, the loss against jStat's t density, and
// the loss through configs, model files and a short training run.
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

describe("loss 'student-t' in configs, model files and training", () => {
  it('needs two outputs and round-trips through a model file', () => {
    expect(() => createModel({ inputSize: 2, hiddenSize: 4, layers: 1, outputs: 1, loss: 'student-t' })).toThrow(/needs outputs: 2/);
    const model = createModel({ inputSize: 2, hiddenSize: 4, layers: 1, outputs: 2, loss: 'student-t' }, 3);
    const back = modelFromJSON(modelToJSON(model)).model;
    expect(back.config.loss).toBe('student-t');
    expect(back.params).toEqual(model.params);
  });

  it('learns a fat-tailed return: the training loss falls and the log-variance follows the true scale', async () => {
    // Returns with a scale set by the one input feature, from a t with 4 degrees of freedom.
    const rng = new Rng(9), count = 256, T = 3;
    const x = new Float32Array(count * T), y = new Float32Array(count);
    for (let w = 0; w < count; w++) {
      const level = rng.uniform(-1, 1);
      for (let t = 0; t < T; t++) x[w * T + t] = level;
      const chi2 = [0, 1, 2, 3].reduce((s) => s + rng.normal() ** 2, 0);
      y[w] = Math.exp(level) * (rng.normal() / Math.sqrt(chi2 / 4));
    }
    const model = createModel({ inputSize: 1, hiddenSize: 8, layers: 1, outputs: 2, loss: 'student-t' }, 1);
    const result = await train(model, { x, y, count, steps: T }, { backend: 'cpu', epochs: 30, batchSize: 64, learningRate: 1e-2, patience: 0 });
    expect(result.history.at(-1)!.trainLoss).toBeLessThan(result.history[0].trainLoss - 0.1);
    const out = await predict(model, { x, count, steps: T }, { backend: 'cpu' });
    // s should track log-variance = 2·level (+ a constant): its correlation with the level is high.
    const s = Array.from({ length: count }, (_, w) => out[2 * w]), level = Array.from({ length: count }, (_, w) => x[w * T]);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const ms = mean(s), ml = mean(level);
    const cov = mean(s.map((v, i) => (v - ms) * (level[i] - ml)));
    const corr = cov / Math.sqrt(mean(s.map((v) => (v - ms) ** 2)) * mean(level.map((v) => (v - ml) ** 2)));
    expect(corr).toBeGreaterThan(0.8);
  });
});
