import { Rng } from '../../src/rng.js';
import type { Sequences } from '../../src/train/types.js';

/**
 * Windows of a GARCH(1,1)-like return series: x holds [r_t, r_t²] for T days, y is the next day's r² —
 * a volatility-forecasting problem with a known, learnable structure.
 */
export function garchWindows(count: number, steps: number, seed = 3): Sequences & { naiveMse: number; meanMse: number } {
  const rng = new Rng(seed);
  const n = count + steps + 1;
  const r = new Float64Array(n);
  let variance = 1;
  for (let t = 0; t < n; t++) {
    r[t] = Math.sqrt(variance) * rng.normal();
    variance = 0.1 + 0.15 * r[t] * r[t] + 0.8 * variance;
  }
  const x = new Float32Array(count * steps * 2);
  const y = new Float32Array(count);
  for (let w = 0; w < count; w++) {
    for (let t = 0; t < steps; t++) {
      x[(w * steps + t) * 2] = r[w + t];
      x[(w * steps + t) * 2 + 1] = r[w + t] * r[w + t];
    }
    y[w] = r[w + steps] * r[w + steps];
  }
  // The naive forecast (tomorrow's r² = today's) and the constant-mean forecast, as baselines.
  let naive = 0, meanMse = 0;
  const mean = y.reduce((a, b) => a + b, 0) / count;
  for (let w = 0; w < count; w++) {
    naive += (y[w] - x[(w * steps + steps - 1) * 2 + 1]) ** 2;
    meanMse += (y[w] - mean) ** 2;
  }
  return { x, y, count, steps, naiveMse: naive / count, meanMse: meanMse / count };
}
