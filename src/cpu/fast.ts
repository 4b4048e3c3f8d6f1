// The fast CPU path: the same network as ./model.ts (the Float64 reference, which stays the oracle), in
// Float32 storage with preallocated buffers and cache-friendly loops. Products are summed in JS doubles and
// rounded once per store, so it agrees with the reference to ~1e-6. Time-major layout as in ./lstm.ts:
// row (t, b) of a [T,B,X] tensor starts at (t*B + b)*X; gate blocks are i, f, g, o.
//
// This module imports nothing at run time (types only) and its functions call only each other and Math:
// ./workers.ts ships the source text of all its exports to Web Workers / worker_threads, so every function
// the kernels use must be exported from here.

import type { DropoutMasks } from '../engine.js';
import type { LossKind, ModelConfig, ParamLayout } from '../model.js';

type F32 = Float32Array;

/** Where one layer's tensors live in the flat parameter buffer (a plain-data copy of model.ts' ParamLayout). */
export interface FastLayerSlots {
  kernel: number; // [I, 4H]
  recurrentKernel: number; // [H, 4H]
  bias: number; // [4H]
}

export interface FastSpec {
  inputSize: number;
  hidden: number[]; // H of each layer
  outputs: number;
  loss: LossKind;
  hardSigmoid: boolean; // the gates' activation: TF.js's hard sigmoid instead of the logistic one
  dropout: boolean; // training may pass dropout masks (the WebAssembly SIMD model declines them: FastModel runs)
  layers: FastLayerSlots[];
  denseKernel: number; // [H of the last layer, O]
  denseBias: number; // [O]
  size: number; // parameters in all
}

/** The FastSpec of a model, from its config and paramLayout(config). */
export function fastSpecOf(config: ModelConfig, layout: ParamLayout): FastSpec {
  return {
    inputSize: config.inputSize,
    hidden: layout.layers.map((l) => l.recurrentKernel.shape[0]),
    outputs: config.outputs,
    loss: config.loss,
    hardSigmoid: config.recurrentActivation === 'hard_sigmoid',
    dropout: [config.dropout, config.recurrentDropout].some((r) => (Array.isArray(r) ? r.some((p) => p > 0) : (r ?? 0) > 0)),
    layers: layout.layers.map((l) => ({ kernel: l.kernel.offset, recurrentKernel: l.recurrentKernel.offset, bias: l.bias.offset })),
    denseKernel: layout.denseKernel.offset,
    denseBias: layout.denseBias.offset,
    size: layout.size,
  };
}

/**
 * x (b,T,I) batch-major, as callers hold windows -> out (T,B,I) time-major, as every kernel walks them (this
 * path, the reference and the GPU upload alike); rows b..B-1 of each step, padding up to a batch size B, are zeroed.
 */
export function toTimeMajor(out: Float32Array | Float64Array, x: ArrayLike<number>, b: number, T: number, I: number, B = b): void {
  for (let t = 0; t < T; t++) {
    for (let r = 0; r < B; r++) {
      const o = (t * B + r) * I;
      if (r < b) for (let i = 0; i < I; i++) out[o + i] = x[(r * T + t) * I + i];
      else out.fill(0, o, o + I);
    }
  }
}

/** The inverse of toTimeMajor: rows r < b of x (T,B,I) time-major into out (b,T,I) batch-major. */
export function fromTimeMajor(out: Float32Array | Float64Array, x: ArrayLike<number>, b: number, T: number, I: number, B = b): void {
  for (let r = 0; r < b; r++) {
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < I; i++) out[(r * T + t) * I + i] = x[(t * B + r) * I + i];
    }
  }
}

/**
 * C[M,N] (=, or += when accumulate) A[M,K] · Bt[N,K]ᵀ, with A, Bt, C starting at a0, b0, c0.
 * Both operands are read along K, contiguously; a 4×2 block of C lives in 8 registers so each loaded value
 * feeds two or four multiply-adds (this was the fastest blocking measured in V8).
 */
export function gemm_nt(C: F32, c0: number, A: F32, a0: number, Bt: F32, b0: number, M: number, N: number, K: number, accumulate: boolean): void {
  const N2 = N - (N % 2);
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const r0 = a0 + m * K, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K;
    const o0 = c0 + m * N, o1 = o0 + N, o2 = o1 + N, o3 = o2 + N;
    for (let n = 0; n < N2; n += 2) {
      const q0 = b0 + n * K, q1 = q0 + K;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = 0; k < K; k++) {
        const y0 = Bt[q0 + k], y1 = Bt[q1 + k];
        let x = A[r0 + k];
        s00 += x * y0;
        s01 += x * y1;
        x = A[r1 + k];
        s10 += x * y0;
        s11 += x * y1;
        x = A[r2 + k];
        s20 += x * y0;
        s21 += x * y1;
        x = A[r3 + k];
        s30 += x * y0;
        s31 += x * y1;
      }
      if (accumulate) {
        s00 += C[o0 + n]; s01 += C[o0 + n + 1]; s10 += C[o1 + n]; s11 += C[o1 + n + 1];
        s20 += C[o2 + n]; s21 += C[o2 + n + 1]; s30 += C[o3 + n]; s31 += C[o3 + n + 1];
      }
      C[o0 + n] = s00; C[o0 + n + 1] = s01; C[o1 + n] = s10; C[o1 + n + 1] = s11;
      C[o2 + n] = s20; C[o2 + n + 1] = s21; C[o3 + n] = s30; C[o3 + n + 1] = s31;
    }
    if (N2 < N) {
      const q = b0 + N2 * K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const y = Bt[q + k];
        s0 += A[r0 + k] * y;
        s1 += A[r1 + k] * y;
        s2 += A[r2 + k] * y;
        s3 += A[r3 + k] * y;
      }
      if (accumulate) {
        s0 += C[o0 + N2]; s1 += C[o1 + N2]; s2 += C[o2 + N2]; s3 += C[o3 + N2];
      }
      C[o0 + N2] = s0; C[o1 + N2] = s1; C[o2 + N2] = s2; C[o3 + N2] = s3;
    }
  }
  for (; m < M; m++) {
    const r = a0 + m * K, o = c0 + m * N;
    for (let n = 0; n < N; n++) {
      const q = b0 + n * K;
      let s = accumulate ? C[o + n] : 0;
      for (let k = 0; k < K; k++) s += A[r + k] * Bt[q + k];
      C[o + n] = s;
    }
  }
}

/**
 * C[M,N] += A[K,M]ᵀ · B[K,N]: the weight-gradient shape (Σ over rows of inputᵀ · dout) without transposing.
 * A 4×4 tile of A (four K rows, four C rows) sits in registers while the loop runs along N, so each C element
 * is loaded and stored once per four K rows (30% faster than 2×4 tiles in V8 on the benchmark's reference shape).
 */
export function gemm_tn(C: F32, c0: number, A: F32, a0: number, B: F32, b0: number, M: number, N: number, K: number): void {
  const M4 = M - (M % 4);
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const p0 = a0 + k * M, p1 = p0 + M, p2 = p1 + M, p3 = p2 + M;
    const q0 = b0 + k * N, q1 = q0 + N, q2 = q1 + N, q3 = q2 + N;
    for (let m = 0; m < M4; m += 4) {
      // aIJ = A[k+I, m+J]
      const a00 = A[p0 + m], a01 = A[p0 + m + 1], a02 = A[p0 + m + 2], a03 = A[p0 + m + 3];
      const a10 = A[p1 + m], a11 = A[p1 + m + 1], a12 = A[p1 + m + 2], a13 = A[p1 + m + 3];
      const a20 = A[p2 + m], a21 = A[p2 + m + 1], a22 = A[p2 + m + 2], a23 = A[p2 + m + 3];
      const a30 = A[p3 + m], a31 = A[p3 + m + 1], a32 = A[p3 + m + 2], a33 = A[p3 + m + 3];
      const o0 = c0 + m * N, o1 = o0 + N, o2 = o1 + N, o3 = o2 + N;
      for (let n = 0; n < N; n++) {
        const x0 = B[q0 + n], x1 = B[q1 + n], x2 = B[q2 + n], x3 = B[q3 + n];
        C[o0 + n] += a00 * x0 + a10 * x1 + a20 * x2 + a30 * x3;
        C[o1 + n] += a01 * x0 + a11 * x1 + a21 * x2 + a31 * x3;
        C[o2 + n] += a02 * x0 + a12 * x1 + a22 * x2 + a32 * x3;
        C[o3 + n] += a03 * x0 + a13 * x1 + a23 * x2 + a33 * x3;
      }
    }
    for (let m = M4; m < M; m++) {
      const u0 = A[p0 + m], u1 = A[p1 + m], u2 = A[p2 + m], u3 = A[p3 + m], o = c0 + m * N;
      for (let n = 0; n < N; n++) C[o + n] += u0 * B[q0 + n] + u1 * B[q1 + n] + u2 * B[q2 + n] + u3 * B[q3 + n];
    }
  }
  for (; k < K; k++) {
    const p = a0 + k * M, q = b0 + k * N;
    for (let m = 0; m < M; m++) {
      const u = A[p + m], o = c0 + m * N;
      for (let n = 0; n < N; n++) C[o + n] += u * B[q + n];
    }
  }
}

/** out[R,C] = in[C,R]ᵀ: a weight [K,N] as [N,K], so gemm_nt can read it along K. */
export function transpose(out: F32, src: F32, s0: number, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) out[c * R + r] = src[s0 + r * C + c];
  }
}

/** Σ_r dout[r, :] added into d[d0..d0+N): the bias gradient. */
export function colsum_add(d: F32, d0: number, dout: F32, R: number, N: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * N;
    for (let n = 0; n < N; n++) d[d0 + n] += dout[o + n];
  }
}

/** out[R,N] = inp[R,K] · weight[K,N] + bias[N], with the weight given transposed (N,K) and the bias at bias0. */
export function matmul_forward_f32(out: F32, inp: F32, weightT: F32, params: F32, bias0: number, R: number, K: number, N: number): void {
  gemm_nt(out, 0, inp, 0, weightT, 0, R, N, K, false);
  for (let r = 0; r < R; r++) {
    const o = r * N;
    for (let n = 0; n < N; n++) out[o + n] += params[bias0 + n];
  }
}

/** tanh through exp, which V8 computes ~1.5× faster than Math.tanh; within 1e-15 of it, far below Float32's 6e-8. */
export function tanh_exp(z: number): number {
  return 1 - 2 / (1 + Math.exp(2 * z));
}

/** gate_activation of ./lstm.ts: the logistic sigmoid, or clip(0.2·z + 0.5, 0, 1) when hard. */
export function gate_f32(z: number, hard: boolean): number {
  return hard ? Math.min(1, Math.max(0, 0.2 * z + 0.5)) : 1 / (1 + Math.exp(-z));
}

/** gate_derivative of ./lstm.ts, from the activation's value. */
export function gate_slope_f32(a: number, hard: boolean): number {
  return hard ? (a > 0 && a < 1 ? 0.2 : 0) : a * (1 - a);
}

/**
 * lstm_forward of ./lstm.ts: gates (T,B,4H) holds xproj on entry and the activations i, f, g, o on return.
 * recurrentKernelT is W_h transposed, (4H,H). Also keeps tanh(c) (T,B,H) for the backward pass. With a recurrent
 * dropout mask (B,H), hrec (T,B,H) receives h ⊙ mask, which is what W_h meets (and dW_h needs) instead of h.
 */
export function lstm_forward_f32(hseq: F32, cseq: F32, tanhC: F32, gates: F32, recurrentKernelT: F32, T: number, B: number, H: number, hard: boolean, recurrentMask: F32 | null = null, hrec: F32 = hseq): void {
  const G = 4 * H;
  const hin = recurrentMask ? hrec : hseq;
  for (let t = 0; t < T; t++) {
    if (t > 0) gemm_nt(gates, t * B * G, hin, (t - 1) * B * H, recurrentKernelT, 0, B, G, H, true); // z_t += h_{t-1} · W_h
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * G, s = (t * B + b) * H, prev = s - B * H;
      for (let u = 0; u < H; u++) {
        const i = gate_f32(gates[row + u], hard);
        const f = gate_f32(gates[row + H + u], hard);
        const g = tanh_exp(gates[row + 2 * H + u]);
        const o = gate_f32(gates[row + 3 * H + u], hard);
        gates[row + u] = i;
        gates[row + H + u] = f;
        gates[row + 2 * H + u] = g;
        gates[row + 3 * H + u] = o;
        const c = t > 0 ? f * cseq[prev + u] + i * g : i * g;
        const tc = tanh_exp(c);
        cseq[s + u] = c;
        tanhC[s + u] = tc;
        hseq[s + u] = o * tc;
        if (recurrentMask) hrec[s + u] = o * tc * recurrentMask[b * H + u];
      }
    }
  }
}

/**
 * lstm_backward of ./lstm.ts: writes dG (T,B,4H). dhNext and dcNext are (B,H) scratch. recurrentKernel is
 * W_h as stored, (H,4H), which is exactly the Bt that dh_{t-1} = dG_t · W_hᵀ needs; with a recurrent dropout
 * mask (B,H), dh_{t-1} = (dG_t · W_hᵀ) ⊙ mask.
 */
export function lstm_backward_f32(
  dG: F32,
  dhNext: F32,
  dcNext: F32,
  dhAbove: F32,
  lastStepOnly: boolean,
  gates: F32,
  cseq: F32,
  tanhC: F32,
  params: F32,
  recurrentKernel0: number,
  T: number,
  B: number,
  H: number,
  hard: boolean,
  recurrentMask: F32 | null = null,
): void {
  const G = 4 * H;
  dhNext.fill(0, 0, B * H);
  dcNext.fill(0, 0, B * H);
  for (let t = T - 1; t >= 0; t--) {
    const above = lastStepOnly ? (t === T - 1 ? 0 : -1) : t * B * H; // where dhAbove's row for (t, 0) starts, -1 = none
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * G, s = (t * B + b) * H, prev = s - B * H;
      for (let u = 0; u < H; u++) {
        const n = b * H + u;
        const dh = above >= 0 ? dhNext[n] + dhAbove[above + n] : dhNext[n];
        const i = gates[row + u], f = gates[row + H + u], g = gates[row + 2 * H + u], o = gates[row + 3 * H + u];
        const tc = tanhC[s + u];
        const dc = dcNext[n] + dh * o * (1 - tc * tc);
        dG[row + u] = dc * g * gate_slope_f32(i, hard);
        dG[row + H + u] = t > 0 ? dc * cseq[prev + u] * gate_slope_f32(f, hard) : 0;
        dG[row + 2 * H + u] = dc * i * (1 - g * g);
        dG[row + 3 * H + u] = dh * tc * gate_slope_f32(o, hard);
        dcNext[n] = dc * f;
      }
    }
    if (t > 0) gemm_nt(dhNext, 0, dG, t * B * G, params, recurrentKernel0, B, H, G, false);
    if (t > 0 && recurrentMask) mask_rows(dhNext, 0, recurrentMask, 1, B * H);
  }
}

/** x[x0 + r·N + n] *= mask[(r·N + n) mod M], for R·N values: a (B,X) dropout mask over the rows of a (T,B,X) tensor (M = B·X). */
export function mask_rows(x: F32, x0: number, mask: F32, R: number, M: number): void {
  const n = R * M;
  for (let i = 0; i < n; i++) x[x0 + i] *= mask[i % M];
}

/**
 * ln Γ(x) for x > 0: the recurrence lnΓ(x) = lnΓ(x+1) − ln x lifts x to ≥ 10, where Stirling's series to the
 * x⁻⁹ term is within 2e-14 (the first omitted term is 691/(360360·x¹¹)).
 */
export function ln_gamma(x: number): number {
  let shift = 1;
  for (; x < 10; x++) shift *= x;
  const z = 1 / (x * x);
  const series = (1 / 12 - z * (1 / 360 - z * (1 / 1260 - z * (1 / 1680 - z / 1188)))) / x;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - Math.log(shift);
}

/** ψ(x) = d lnΓ(x)/dx for x > 0: ψ(x) = ψ(x+1) − 1/x up to x ≥ 10, then the asymptotic series to x⁻¹⁰ (within 3e-14). */
export function digamma(x: number): number {
  let shift = 0;
  for (; x < 10; x++) shift += 1 / x;
  const z = 1 / (x * x);
  return Math.log(x) - 0.5 / x - z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z / 132)))) - shift;
}

/**
 * The Student-t negative log-likelihood of the return r given s = log-variance and u (ν = 2 + softplus(u)):
 * L = −lnΓ((ν+1)/2) + lnΓ(ν/2) + ½ln(π(ν−2)) + ½s + (ν+1)/2 · ln(1 + r²/((ν−2)e^s)).
 * With d, writes scale·∂L/∂s and scale·∂L/∂u into d[at] and d[at + 1].
 */
export function student_t_nll(s: number, u: number, r: number, d: F32 | Float64Array | null, at: number, scale: number): number {
  const nu2 = Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u))); // ν − 2 = softplus(u), without overflow
  const nu = 2 + nu2;
  const z = (r * r) / (nu2 * Math.exp(s));
  const lz = Math.log1p(z);
  if (d) {
    const w = z / (1 + z);
    d[at] = scale * (0.5 - 0.5 * (nu + 1) * w);
    const dnu = 0.5 * (digamma(nu / 2) - digamma((nu + 1) / 2) + 1 / nu2 + lz - ((nu + 1) * w) / nu2);
    d[at + 1] = (scale * dnu) / (1 + Math.exp(-u)); // dν/du = sigmoid(u)
  }
  return -ln_gamma((nu + 1) / 2) + ln_gamma(nu / 2) + 0.5 * Math.log(Math.PI * nu2) + 0.5 * s + 0.5 * (nu + 1) * lz;
}

/** The loss of one window's O outputs: their mean for MSE and QLIKE, the likelihood of its one target for Student-t. */
export function window_loss(out: F32 | Float64Array, y: ArrayLike<number>, b: number, O: number, kind: LossKind, d: F32 | Float64Array | null, scale: number): number {
  if (kind === 'student-t') return student_t_nll(out[2 * b], out[2 * b + 1], y[b], d, 2 * b, scale);
  let sum = 0;
  for (let i = b * O; i < (b + 1) * O; i++) {
    const v = out[i], t = y[i];
    sum += kind === 'mse' ? (v - t) ** 2 : t * Math.exp(-v) + v - Math.log(t) - 1;
    if (d) d[i] = (scale * (kind === 'mse' ? 2 * (v - t) : 1 - t * Math.exp(-v))) / O;
  }
  return sum / O;
}

/** Σ over B windows of their loss / meanOverBatch; with dout, writes its gradient w.r.t. out (B,O). */
export function loss_f32(out: F32, y: F32, B: number, O: number, meanOverBatch: number, kind: LossKind, dout: F32 | null): number {
  let sum = 0;
  for (let b = 0; b < B; b++) sum += window_loss(out, y, b, O, kind, dout, 1 / meanOverBatch);
  return sum / meanOverBatch;
}

/**
 * Forward and backward of the whole network (model_forward_backward of ./model.ts) for batches of up to
 * `capacity` windows; every buffer is allocated once and grows only when a larger batch arrives.
 */
export class FastModel {
  private capacity = 0;
  private x!: F32; // (T,B,I) time-major input
  private hseq: F32[] = []; // per layer (T,B,H)
  private cseq: F32[] = []; // per layer (T,B,H)
  private tanhC: F32[] = []; // per layer (T,B,H)
  private gates: F32[] = []; // per layer (T,B,4H)
  private dropped: F32[] = []; // with dropout, per layer > 0: its input (T,B,I) after the input mask
  private hrec: F32[] = []; // with dropout, per layer: h ⊙ the recurrent mask (T,B,H), as W_h meets it
  private inputs: F32[] = []; // per layer: what the last forward fed its input projection
  private masks: DropoutMasks | null = null; // the last forward's dropout masks, which its backward applies again
  private dG!: F32; // (T,B,4H), reused by every layer
  private dh: F32[] = []; // the gradient reaching a layer's h: (B,H) for one layer, else two (T,B,H) ping-ponged down the stack
  private dx0!: F32; // (T,B,I): the gradient w.r.t. the input, for input gradients
  private dhNext!: F32; // (B,H)
  private dcNext!: F32; // (B,H)
  private out!: F32; // (B,O)
  private dout!: F32; // (B,O)
  private readonly wT: F32[] = []; // per layer: W_x transposed (4H,I) then W_h transposed (4H,H)

  constructor(
    readonly spec: FastSpec,
    readonly steps: number,
    capacity: number,
  ) {
    spec.hidden.forEach((H, l) => {
      const I = l === 0 ? spec.inputSize : spec.hidden[l - 1];
      this.wT.push(new Float32Array(4 * H * I), new Float32Array(4 * H * H));
    });
    this.ensure(capacity);
  }

  private ensure(B: number): void {
    if (B <= this.capacity) return;
    const { hidden, inputSize: I, outputs: O } = this.spec, T = this.steps, L = hidden.length, H = Math.max(...hidden);
    const f = (n: number) => new Float32Array(n);
    this.x = f(T * B * I);
    this.hseq = hidden.map((h) => f(T * B * h));
    this.cseq = hidden.map((h) => f(T * B * h));
    this.tanhC = hidden.map((h) => f(T * B * h));
    this.gates = hidden.map((h) => f(T * B * 4 * h));
    if (this.spec.dropout) {
      this.dropped = hidden.map((_, l) => f(l === 0 ? 0 : T * B * hidden[l - 1]));
      this.hrec = hidden.map((h) => f(T * B * h));
    }
    // scratch shared by the layers, sized for the largest
    this.dG = f(T * B * 4 * H);
    this.dh = L > 1 ? [f(T * B * H), f(T * B * H)] : [f(B * H)];
    this.dx0 = f(T * B * I);
    this.dhNext = f(B * H);
    this.dcNext = f(B * H);
    this.out = f(B * O);
    this.dout = f(B * O);
    this.capacity = B;
  }

  /**
   * Dense-head outputs (B,O) for x (B,T,I) batch-major; the returned view is overwritten by the next call.
   * Dropout masks are given in training only (the model's spec must say dropout).
   */
  forward(params: F32, x: F32, B: number, masks: DropoutMasks | null = null): F32 {
    if (masks && !this.spec.dropout) throw new Error('internal: dropout masks for a model without dropout');
    this.ensure(B);
    this.masks = masks;
    const { hidden, inputSize: I0, outputs: O } = this.spec, T = this.steps;
    toTimeMajor(this.x, x, B, T, I0);
    let input = this.x;
    for (let l = 0; l < this.spec.layers.length; l++) {
      const slots = this.spec.layers[l], I = l === 0 ? I0 : hidden[l - 1], H = hidden[l], G = 4 * H;
      const wxT = this.wT[2 * l], whT = this.wT[2 * l + 1];
      const inputMask = masks?.input[l] ?? null, recurrentMask = masks?.recurrent[l] ?? null;
      if (inputMask) {
        if (l > 0) {
          const copy = this.dropped[l].subarray(0, T * B * I); // layer l-1's backward still needs its h unmasked
          copy.set(input.subarray(0, T * B * I));
          input = copy;
        }
        mask_rows(input, 0, inputMask, T, B * I);
      }
      this.inputs[l] = input;
      transpose(wxT, params, slots.kernel, I, G);
      transpose(whT, params, slots.recurrentKernel, H, G);
      matmul_forward_f32(this.gates[l], input, wxT, params, slots.bias, T * B, I, G); // xproj, in place of the gates
      lstm_forward_f32(this.hseq[l], this.cseq[l], this.tanhC[l], this.gates[l], whT, T, B, H, this.spec.hardSigmoid, recurrentMask, this.hrec[l]);
      input = this.hseq[l];
    }
    // The head reads W_d (H,O) as stored: out[b,o] = bd[o] + Σ_k h[b,k] W_d[k,o].
    const H = hidden[hidden.length - 1], hLast = (T - 1) * B * H, { denseKernel: wd, denseBias: bd } = this.spec;
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < O; o++) {
        let s = params[bd + o];
        for (let k = 0; k < H; k++) s += input[hLast + b * H + k] * params[wd + k * O + o];
        this.out[b * O + o] = s;
      }
    }
    return this.out.subarray(0, B * O);
  }

  /**
   * Writes into grads (zeroed first) the gradient of Σ window loss / meanOverBatch and returns that partial mean,
   * so halves of one batch computed apart add up to the batch's mean loss and gradient.
   */
  forwardBackward(params: F32, x: F32, y: F32, B: number, grads: F32, meanOverBatch = B, masks: DropoutMasks | null = null): number {
    this.forward(params, x, B, masks);
    const lossValue = loss_f32(this.out, y, B, this.spec.outputs, meanOverBatch, this.spec.loss, this.dout);
    this.backward(params, B, grads);
    return lossValue;
  }

  /**
   * ∂out[b, output]/∂x[b] for every window, (B,T,I) batch-major into dx: one forward and one backward from a
   * head gradient of 1, without weight gradients.
   */
  inputGradients(params: F32, x: F32, B: number, output: number, dx: F32): void {
    this.forward(params, x, B);
    const O = this.spec.outputs, I = this.spec.inputSize, T = this.steps;
    this.dout.fill(0, 0, B * O);
    for (let b = 0; b < B; b++) this.dout[b * O + output] = 1;
    this.backward(params, B, null);
    fromTimeMajor(dx, this.dx0, B, T, I);
  }

  /** Backpropagates this.dout: the weight gradients into grads (zeroed first), or with grads null the input's into dx0. */
  private backward(params: F32, B: number, grads: F32 | null): void {
    const { hidden, outputs: O, layers, denseKernel: wd, denseBias: bd } = this.spec, T = this.steps;
    const L = layers.length, dout = this.dout, masks = this.masks;
    grads?.fill(0);

    // Dense head: dW_d += h_lastᵀ · dout, db_d += Σ dout, dh_last = dout · W_dᵀ (B,H).
    const top = this.hseq[L - 1], Htop = hidden[L - 1], hLast = (T - 1) * B * Htop;
    let dh = this.dh[0];
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < Htop; k++) {
        let s = 0;
        for (let o = 0; o < O; o++) {
          const d = dout[b * O + o];
          s += d * params[wd + k * O + o];
          if (grads) grads[wd + k * O + o] += top[hLast + b * Htop + k] * d;
        }
        dh[b * Htop + k] = s;
      }
      if (grads) for (let o = 0; o < O; o++) grads[bd + o] += dout[b * O + o];
    }

    let lastStepOnly = true;
    for (let l = L - 1; l >= 0; l--) {
      const slots = layers[l], I = l === 0 ? this.spec.inputSize : hidden[l - 1], H = hidden[l], G = 4 * H, dG = this.dG;
      const inputMask = masks?.input[l] ?? null, recurrentMask = masks?.recurrent[l] ?? null;
      lstm_backward_f32(dG, this.dhNext, this.dcNext, dh, lastStepOnly, this.gates[l], this.cseq[l], this.tanhC[l], params, slots.recurrentKernel, T, B, H, this.spec.hardSigmoid, recurrentMask);
      if (grads) {
        gemm_tn(grads, slots.kernel, this.inputs[l], 0, dG, 0, I, G, T * B); // dW_x += inputᵀ · dG
        gemm_tn(grads, slots.recurrentKernel, recurrentMask ? this.hrec[l] : this.hseq[l], 0, dG, B * G, H, G, (T - 1) * B); // dW_h += h_{t-1}ᵀ · dG_t
        colsum_add(grads, slots.bias, dG, T * B, G);
      }
      if (l > 0 || !grads) {
        dh = l > 0 ? this.dh[(L - l) % 2] : this.dx0;
        gemm_nt(dh, 0, dG, 0, params, slots.kernel, T * B, I, G, false); // d(input) = dG · W_xᵀ, for the layer below
        if (inputMask) mask_rows(dh, 0, inputMask, T, B * I);
      }
      lastStepOnly = false;
    }
  }
}
