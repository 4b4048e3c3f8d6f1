import { lstm_backward, lstm_forward } from '../../src/cpu/lstm.js';
import { matmul_forward } from '../../src/cpu/matmul.js';
import type { RecurrentActivation } from '../../src/model.js';
import { randn, toHalf } from './validate.js';

export interface LayerShape {
  H: number;
  B: number;
  T: number;
  I: number;
  gate: RecurrentActivation;
}

/**
 * A layer's weights in one flat buffer as the engine lays them out (W_x, W_h, b, one float in, so no operand starts
 * the buffer) and the CPU's forward pass; with `half`, the CPU's W_h (returned as wh) is the buffer's rounded to
 * binary16, as the packed-f16 kernels read it.
 */
export function referenceLayer({ H, B, T, I, gate }: LayerShape, seed: number, half = false) {
  const G = 4 * H;
  const wx = randn(I * G, seed, 0.5), whF32 = randn(H * G, seed + 1, 0.5), bias = randn(G, seed + 2, 0.5);
  const wh = half ? toHalf(whF32) : whF32;
  const x = randn(T * B * I, seed + 3);
  const offsets = { kernel: 1, recurrent: 1 + I * G, bias: 1 + I * G + H * G };
  const params = Float32Array.from([0, ...wx, ...whF32, ...bias]);
  const xproj = new Float64Array(T * B * G);
  matmul_forward(xproj, x, wx, bias, T * B, I, G);
  const gates = new Float64Array(T * B * G), hseq = new Float64Array(T * B * H), cseq = new Float64Array(T * B * H);
  lstm_forward(hseq, cseq, gates, xproj, wh, T, B, H, gate);
  return { wh, x, offsets, params, xproj, gates, hseq, cseq };
}

/**
 * The backward pass's two cases (dh from above at the last step only, or at every step) with the CPU's dG for each:
 * the layer's gradient from above (random, seeded) and the gate gradients lstm_backward makes of it.
 */
export function referenceBackwardCases(shape: LayerShape, L: ReturnType<typeof referenceLayer>, seed: number) {
  const { H, B, T, gate } = shape;
  return [true, false].map((lastStepOnly) => {
    const above = randn(lastStepOnly ? B * H : T * B * H, seed);
    const dG = new Float64Array(T * B * 4 * H);
    lstm_backward(dG, Float64Array.from(above), lastStepOnly, L.gates, L.cseq, L.wh, T, B, H, gate);
    return { lastStepOnly, above, dG };
  });
}
