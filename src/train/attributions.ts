// Which inputs drive a forecast: input gradients (one forward and one backward pass per batch, the head's gradient
// seeded to 1 instead of a loss's) and integrated gradients (Sundararajan, Taly & Yan 2017) built on them.
import { openSession } from '../backend.js';
import type { BackendChoice, Session } from '../engine.js';
import { check } from '../errors.js';
import type { Model } from '../model.js';
import { validateWindows } from './trainer.js';

/** Windows without targets: x is [count, steps, inputSize] row-major. */
export interface Windows {
  x: Float32Array;
  count: number;
  steps: number;
}

export interface InputGradientOptions {
  backend?: BackendChoice; // default 'webgpu'
  output?: number; // which head output to differentiate; default 0
  batchSize?: number; // windows (or interpolation points) per pass; default 64, the trainer's: its kernels are ready
}

export interface IntegratedGradientOptions extends InputGradientOptions {
  /** The reference input: one window [steps, inputSize] or one value per feature [inputSize]; default zeros (the training mean after the scaler). */
  baseline?: Float32Array;
  steps?: number; // interpolation points on the path from the baseline; default 32
  quadrature?: Quadrature; // default 'gauss-legendre'
}

/**
 * How the path integral is summed over its interpolation points. Both cost one gradient pass per point; on a smooth
 * path Gauss-Legendre's error falls far faster with the number of points (exact for polynomials of degree 2m − 1)
 * than the midpoint rule's (as 1/m²).
 */
export type Quadrature = 'gauss-legendre' | 'midpoint';
export const QUADRATURES: readonly Quadrature[] = ['gauss-legendre', 'midpoint'];

/** Σ attributions against f(x) − f(baseline): the integral's own check (they are equal for the exact integral). */
export interface Completeness {
  sum: number;
  delta: number;
  relativeError: number; // |sum − delta| / |delta|
}

export interface IntegratedGradients {
  attributions: Float32Array; // [count, steps, inputSize]
  completeness: Completeness[];
  forecast: Float32Array; // f(x) of each window, the differentiated output
  baselineForecast: number; // f(baseline)
}

// The trainer's default batch: a session of that shape reuses the kernels training compiled and chose, where a new
// shape costs a compile and a kernel timing (about 90 s for 512 rows on SwiftShader; 24 s then did all of IG at 64).
const DEFAULT_BATCH = 64;

function checkOutput(model: Model, output: number): void {
  const O = model.config.outputs;
  check(Number.isInteger(output) && output >= 0 && output < O, `output must be an integer from 0 to ${O - 1} (the model has ${O} outputs; got ${output})`);
}

async function withSession<T>(model: Model, rows: number, steps: number, options: InputGradientOptions, work: (s: Session, batch: number) => Promise<T>): Promise<T> {
  const batch = Math.min(options.batchSize ?? DEFAULT_BATCH, rows);
  check(Number.isInteger(batch) && batch > 0, `batchSize must be a positive integer (got ${options.batchSize})`);
  const session = await openSession(options.backend ?? 'webgpu', model.config, { batchSize: batch, steps });
  try {
    session.setParams(model.params);
    return await work(session, batch);
  } finally {
    session.destroy();
  }
}

/**
 * ∂out[w, output]/∂x[w] for every window w: a Float32Array [count, steps, inputSize]. One forward and one backward
 * pass per batch, as in training but with the head's gradient seeded to 1 and no loss.
 */
export async function inputGradients(model: Model, windows: Windows, options: InputGradientOptions = {}): Promise<Float32Array> {
  validateWindows(model, windows, 'windows');
  const output = options.output ?? 0;
  checkOutput(model, output);
  const stride = windows.steps * model.config.inputSize;
  return withSession(model, windows.count, windows.steps, options, async (session, batch) => {
    const dx = new Float32Array(windows.count * stride);
    for (let from = 0; from < windows.count; from += batch) {
      const to = Math.min(from + batch, windows.count);
      dx.set(await session.inputGradients(windows.x.subarray(from * stride, to * stride), to - from, output), from * stride);
    }
    return dx;
  });
}

/** The baseline as one full window [steps, inputSize]. */
function baselineWindow(baseline: Float32Array | undefined, T: number, I: number): Float32Array {
  if (!baseline) return new Float32Array(T * I);
  check(baseline.length === T * I || baseline.length === I, `baseline has ${baseline.length} values; give one window (${T}x${I} = ${T * I}) or one value per feature (${I})`);
  check(baseline.every(Number.isFinite), 'baseline holds a non-finite value');
  if (baseline.length === T * I) return baseline;
  const full = new Float32Array(T * I);
  for (let t = 0; t < T; t++) full.set(baseline, t * I);
  return full;
}

/**
 * The m points in (0, 1) of a quadrature rule on [0, 1] and their weights (which sum to 1). Gauss-Legendre: the
 * roots of the Legendre polynomial P_m by Newton's method from the usual cosine guesses, mapped from [−1, 1].
 */
export function quadratureRule(m: number, rule: Quadrature): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(m), weights = new Float64Array(m);
  if (rule === 'midpoint') {
    for (let k = 0; k < m; k++) [nodes[k], weights[k]] = [(k + 0.5) / m, 1 / m];
    return { nodes, weights };
  }
  for (let i = 0; i < Math.ceil(m / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (m + 0.5)), dp = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p = 1, previous = 0; // P_j(z) and P_{j−1}(z) by the three-term recurrence
      for (let j = 1; j <= m; j++) [p, previous] = [((2 * j - 1) * z * p - (j - 1) * previous) / j, p];
      dp = (m * (z * p - previous)) / (z * z - 1);
      const step = p / dp;
      z -= step;
      if (Math.abs(step) <= 1e-15) break;
    }
    // z > 0 is the i-th largest root; −z its mirror. On [0, 1] a weight is half of 2 / ((1 − z²) P_m'(z)²).
    const w = 1 / ((1 - z * z) * dp * dp);
    [nodes[i], weights[i]] = [(1 - z) / 2, w];
    [nodes[m - 1 - i], weights[m - 1 - i]] = [(1 + z) / 2, w];
  }
  return { nodes, weights };
}

/**
 * Integrated gradients of one head output: attribution = (x − x₀) ⊙ ∫₀¹ ∇f(x₀ + α(x − x₀)) dα along the straight
 * path from the baseline x₀, the integral by `quadrature` over `steps` points (default: Gauss-Legendre). The
 * interpolation points of many windows share each batch, so the m passes per window cost about m/batch dispatch rounds.
 */
export async function integratedGradients(model: Model, windows: Windows, options: IntegratedGradientOptions = {}): Promise<IntegratedGradients> {
  validateWindows(model, windows, 'windows');
  const output = options.output ?? 0;
  checkOutput(model, output);
  const m = options.steps ?? 32;
  check(Number.isInteger(m) && m > 0 && m <= 4096, `steps must be an integer from 1 to 4096 (got ${options.steps})`);
  const quadrature = options.quadrature ?? 'gauss-legendre';
  check(QUADRATURES.includes(quadrature), `quadrature must be one of ${QUADRATURES.join(', ')} (got '${quadrature}')`);
  const { nodes, weights } = quadratureRule(m, quadrature);
  const { count, steps: T } = windows, I = model.config.inputSize, O = model.config.outputs, stride = T * I;
  const x0 = baselineWindow(options.baseline, T, I);
  return withSession(model, count * m, T, options, async (session, batch) => {
    const integral = new Float64Array(count * stride); // ∫ ∇f dα per window, by the quadrature
    const points = new Float32Array(batch * stride);
    for (let from = 0; from < count * m; from += batch) {
      const to = Math.min(from + batch, count * m);
      for (let r = from; r < to; r++) {
        const w = Math.floor(r / m), alpha = nodes[r % m], at = (r - from) * stride;
        for (let j = 0; j < stride; j++) points[at + j] = x0[j] + alpha * (windows.x[w * stride + j] - x0[j]);
      }
      const dx = await session.inputGradients(points.subarray(0, (to - from) * stride), to - from, output);
      for (let r = from; r < to; r++) {
        const g = Math.floor(r / m) * stride, at = (r - from) * stride, weight = weights[r % m];
        for (let j = 0; j < stride; j++) integral[g + j] += weight * dx[at + j];
      }
    }
    const forecast = new Float32Array(count);
    for (let from = 0; from < count; from += batch) {
      const to = Math.min(from + batch, count);
      const out = await session.forward(windows.x.subarray(from * stride, to * stride), to - from);
      for (let w = from; w < to; w++) forecast[w] = out[(w - from) * O + output];
    }
    const baselineForecast = (await session.forward(x0, 1))[output];
    const attributions = new Float32Array(count * stride);
    const completeness: Completeness[] = [];
    for (let w = 0; w < count; w++) {
      let sum = 0;
      for (let j = 0; j < stride; j++) {
        const a = (windows.x[w * stride + j] - x0[j]) * integral[w * stride + j];
        attributions[w * stride + j] = a;
        sum += a;
      }
      const delta = forecast[w] - baselineForecast;
      completeness.push({ sum, delta, relativeError: Math.abs(sum - delta) / Math.abs(delta) });
    }
    return { attributions, completeness, forecast, baselineForecast };
  });
}
