// CPU reference of shaders/lstm_forward.wgsl and shaders/lstm_backward.wgsl, in Float64.
// Time-major layout: row (t, b) of a [T,B,X] tensor starts at (t*B + b)*X. Gate blocks are i, f, g, o.
import type { RecurrentActivation } from '../model.js';

type Arr = Float64Array | Float32Array;

/** The gates' activation: the logistic sigmoid, or TF.js's hard sigmoid clip(0.2·z + 0.5, 0, 1). */
export function gate_activation(z: number, kind: RecurrentActivation): number {
  return kind === 'sigmoid' ? 1 / (1 + Math.exp(-z)) : Math.min(1, Math.max(0, 0.2 * z + 0.5));
}

/** Its derivative, from the activation's value a: a(1 − a), or 0.2 inside the clip and 0 where it saturates. */
export function gate_derivative(a: number, kind: RecurrentActivation): number {
  return kind === 'sigmoid' ? a * (1 - a) : a > 0 && a < 1 ? 0.2 : 0;
}

/**
 * The recurrence of one layer, given xproj = x·W_x + b for every step.
 * hseq, cseq are (T,B,H); gates is (T,B,4H) and holds the activations i, f, g, o that the backward pass needs.
 * The initial state h_{-1} = c_{-1} = 0. recurrentMask (B,H), when given, multiplies h_{t-1} where it meets W_h
 * (recurrent dropout; one mask for all four gates and every step).
 */
export function lstm_forward(
  hseq: Float64Array,
  cseq: Float64Array,
  gates: Float64Array,
  xproj: Float64Array,
  recurrentKernel: Arr,
  T: number,
  B: number,
  H: number,
  activation: RecurrentActivation,
  recurrentMask: Arr | null = null,
): void {
  const G = 4 * H;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * G;
      const prev = ((t - 1) * B + b) * H; // only read when t > 0
      for (let j = 0; j < G; j++) {
        let z = xproj[row + j];
        if (t > 0) for (let k = 0; k < H; k++) z += hseq[prev + k] * (recurrentMask ? recurrentMask[b * H + k] : 1) * recurrentKernel[k * G + j];
        gates[row + j] = j >= 2 * H && j < 3 * H ? Math.tanh(z) : gate_activation(z, activation);
      }
      for (let u = 0; u < H; u++) {
        const i = gates[row + u], f = gates[row + H + u], g = gates[row + 2 * H + u], o = gates[row + 3 * H + u];
        const cPrev = t > 0 ? cseq[prev + u] : 0;
        const c = f * cPrev + i * g;
        cseq[(t * B + b) * H + u] = c;
        hseq[(t * B + b) * H + u] = o * Math.tanh(c);
      }
    }
  }
}

/**
 * Backpropagation through time for one layer, walking t = T-1..0.
 * dhAbove is the gradient reaching h from outside the recurrence: (T,B,H) from the layer above, or, when
 * lastStepOnly, (B,H) from the dense head at t = T-1. Writes dG (T,B,4H), the gradient of the
 * pre-activations, which is also d(xproj); the weight gradients follow from it by matmul_backward.
 * recurrentMask as in lstm_forward: dh_{t-1} = (dG_t · W_hᵀ) ⊙ mask.
 */
export function lstm_backward(
  dG: Float64Array,
  dhAbove: Float64Array,
  lastStepOnly: boolean,
  gates: Float64Array,
  cseq: Float64Array,
  recurrentKernel: Arr,
  T: number,
  B: number,
  H: number,
  activation: RecurrentActivation,
  recurrentMask: Arr | null = null,
): void {
  const G = 4 * H;
  const dhNext = new Float64Array(B * H); // dG_{t+1} · W_hᵀ
  const dcNext = new Float64Array(B * H); // dc_{t+1} ⊙ f_{t+1}
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const row = (t * B + b) * G;
      for (let u = 0; u < H; u++) {
        const s = b * H + u;
        let dh = dhNext[s];
        if (!lastStepOnly) dh += dhAbove[(t * B + b) * H + u];
        else if (t === T - 1) dh += dhAbove[s];
        const i = gates[row + u], f = gates[row + H + u], g = gates[row + 2 * H + u], o = gates[row + 3 * H + u];
        const c = cseq[(t * B + b) * H + u];
        const cPrev = t > 0 ? cseq[((t - 1) * B + b) * H + u] : 0;
        const tc = Math.tanh(c);
        const dc = dcNext[s] + dh * o * (1 - tc * tc);
        dG[row + u] = dc * g * gate_derivative(i, activation);
        dG[row + H + u] = dc * cPrev * gate_derivative(f, activation);
        dG[row + 2 * H + u] = dc * i * (1 - g * g);
        dG[row + 3 * H + u] = dh * tc * gate_derivative(o, activation);
        dcNext[s] = dc * f;
      }
      for (let k = 0; k < H; k++) {
        let acc = 0;
        for (let j = 0; j < G; j++) acc += dG[row + j] * recurrentKernel[k * G + j];
        dhNext[b * H + k] = recurrentMask ? acc * recurrentMask[b * H + k] : acc;
      }
    }
  }
}
