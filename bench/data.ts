import { Rng } from '../src/index.js';

/** Synthetic windows every contender trains on: the same seed gives the same numbers in Node and in the page. */
export interface BenchData {
  x: Float32Array; // [count, steps, features]
  y: Float32Array; // [count, 1]
  count: number;
  steps: number;
  features: number;
}

/**
 * x is standard normal; y depends on the last steps (a pattern an LSTM can learn) plus a little noise:
 * y = 0.5·x[T-1, 0] − 0.3·x[T-2, 1 mod I] + 0.2·mean_t x[t, 0] + 0.1·ε.
 */
export function makeData(seed: number, count: number, steps: number, features: number): BenchData {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: count * steps * features }, () => rng.normal());
  const y = new Float32Array(count);
  const at = (n: number, t: number, f: number) => x[(n * steps + Math.max(t, 0)) * features + (f % features)];
  for (let n = 0; n < count; n++) {
    let mean = 0;
    for (let t = 0; t < steps; t++) mean += at(n, t, 0) / steps;
    y[n] = 0.5 * at(n, steps - 1, 0) - 0.3 * at(n, steps - 2, 1) + 0.2 * mean + 0.1 * rng.normal();
  }
  return { x, y, count, steps, features };
}
