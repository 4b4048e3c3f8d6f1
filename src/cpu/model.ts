// The whole network on the CPU in Float64, composed from the reference kernels exactly as the GPU encodes them:
// per layer matmul_forward (input projection) + lstm_forward; the dense head on h at the last step; the loss;
// then back: loss_backward, matmul_backward (head), per layer lstm_backward + matmul_backward for W_x, W_h, b.
// Dropout masks (training only) multiply each layer's input before its projection and h_{t-1} in the recurrence.
import type { DropoutMasks } from '../engine.js';
import { layerHiddenSize, layerInputSize, paramLayout, topHiddenSize, type ModelConfig } from '../model.js';
import { fromTimeMajor, toTimeMajor } from './fast.js';
import { lstm_backward, lstm_forward } from './lstm.js';
import { loss_backward, loss_forward } from './loss.js';
import { matmul_backward, matmul_forward } from './matmul.js';

type Arr = Float32Array | Float64Array;

/** x (T,B,X) ⊙ mask (B,X) at every step, as a new array; x itself when there is no mask. */
function masked(x: Float64Array<ArrayBuffer>, mask: ArrayLike<number> | null, T: number, B: number, X: number): Float64Array<ArrayBuffer> {
  if (!mask) return x;
  const out = new Float64Array(T * B * X);
  for (let i = 0; i < out.length; i++) out[i] = x[i] * mask[i % (B * X)];
  return out;
}

interface LayerActivations {
  input: Float64Array; // (T,B,in), after the input mask
  hprev: Float64Array; // (T,B,H): hseq after the recurrent mask, as W_h meets it
  hseq: Float64Array; // (T,B,H)
  cseq: Float64Array; // (T,B,H)
  gates: Float64Array; // (T,B,4H)
}

export interface ForwardResult {
  out: Float64Array; // (B,O)
  acts: LayerActivations[];
  masks?: DropoutMasks; // the masks the pass used, which its backward applies again
}

export function model_forward(config: ModelConfig, params: Arr, x: ArrayLike<number>, B: number, T: number, masks?: DropoutMasks): ForwardResult {
  const layout = paramLayout(config);
  const O = config.outputs;
  const w = (s: { offset: number; size: number }) => params.subarray(s.offset, s.offset + s.size);
  let input = new Float64Array(T * B * config.inputSize);
  toTimeMajor(input, x, B, T, config.inputSize);
  const acts: LayerActivations[] = [];
  layout.layers.forEach((slots, l) => {
    const I = layerInputSize(config, l), H = layerHiddenSize(config, l), G = 4 * H;
    const recurrentMask = masks?.recurrent[l] ?? null;
    input = masked(input, masks?.input[l] ?? null, T, B, I);
    const gates = new Float64Array(T * B * G);
    matmul_forward(gates, input, w(slots.kernel), w(slots.bias), T * B, I, G); // gates holds xproj until lstm_forward overwrites it
    const hseq = new Float64Array(T * B * H), cseq = new Float64Array(T * B * H);
    lstm_forward(hseq, cseq, gates, gates, w(slots.recurrentKernel), T, B, H, config.recurrentActivation ?? 'sigmoid', recurrentMask);
    acts.push({ input, hprev: masked(hseq, recurrentMask, T, B, H), hseq, cseq, gates });
    input = hseq;
  });
  const H = topHiddenSize(config);
  const hLast = input.subarray((T - 1) * B * H, T * B * H);
  const out = new Float64Array(B * O);
  matmul_forward(out, hLast, w(layout.denseKernel), w(layout.denseBias), B, H, O);
  return { out, acts, masks };
}

/**
 * Backpropagates dout (B,O), the gradient reaching the head's outputs, through the network of a forward pass:
 * the gradient of every parameter in the flat layout of `params`, and dx (B,T,I), the gradient w.r.t. the input.
 */
export function model_backward(config: ModelConfig, params: Arr, fwd: ForwardResult, dout: Float64Array, B: number, T: number) {
  const layout = paramLayout(config);
  const O = config.outputs;
  const w = (s: { offset: number; size: number }) => params.subarray(s.offset, s.offset + s.size);
  const grads = new Float64Array(layout.size);
  const g = (s: { offset: number; size: number }) => grads.subarray(s.offset, s.offset + s.size);
  const { acts, masks } = fwd, top = acts[acts.length - 1];
  const Htop = topHiddenSize(config);
  let dh = new Float64Array(B * Htop); // gradient reaching the layer's h: (B,H) at the last step for the top layer
  matmul_backward(dh, g(layout.denseKernel), g(layout.denseBias), dout, top.hseq.subarray((T - 1) * B * Htop), w(layout.denseKernel), B, Htop, O);
  let lastStepOnly = true;
  for (let l = layout.layers.length - 1; l >= 0; l--) {
    const slots = layout.layers[l], a = acts[l], I = layerInputSize(config, l), H = layerHiddenSize(config, l), G = 4 * H;
    const dG = new Float64Array(T * B * G);
    lstm_backward(dG, dh, lastStepOnly, a.gates, a.cseq, w(slots.recurrentKernel), T, B, H, config.recurrentActivation ?? 'sigmoid', masks?.recurrent[l] ?? null);
    const dInput = new Float64Array(T * B * I);
    matmul_backward(dInput, g(slots.kernel), g(slots.bias), dG, a.input, w(slots.kernel), T * B, I, G);
    // W_h meets h_{t-1}: rows t >= 1 of dG pair with rows t-1 of hseq (h_{-1} = 0 adds nothing).
    matmul_backward(null, g(slots.recurrentKernel), null, dG.subarray(B * G), a.hprev, w(slots.recurrentKernel), (T - 1) * B, H, G);
    dh = masked(dInput, masks?.input[l] ?? null, T, B, I);
    lastStepOnly = false;
  }
  const dx = new Float64Array(B * T * config.inputSize);
  fromTimeMajor(dx, dh, B, T, config.inputSize);
  return { grads, dx };
}

/** Mean loss over the batch and the gradient of every parameter, in the flat layout of `params`. */
export function model_forward_backward(config: ModelConfig, params: Arr, x: ArrayLike<number>, y: ArrayLike<number>, B: number, T: number, masks?: DropoutMasks) {
  const O = config.outputs;
  const fwd = model_forward(config, params, x, B, T, masks);
  const loss = loss_forward(fwd.out, y, B, O, config.loss);
  const dout = new Float64Array(B * O);
  loss_backward(dout, fwd.out, y, B, O, config.loss);
  const { grads, dx } = model_backward(config, params, fwd, dout, B, T);
  return { loss, grads, out: fwd.out, dx }; // dx: the gradient of the loss w.r.t. the input (B,T,I)
}

/** ∂out[b, output]/∂x[b] for every window b: (B,T,I), one backward pass with the head's gradient seeded to 1. */
export function model_input_gradients(config: ModelConfig, params: Arr, x: ArrayLike<number>, B: number, T: number, output: number): Float64Array {
  const fwd = model_forward(config, params, x, B, T);
  const dout = new Float64Array(B * config.outputs);
  for (let b = 0; b < B; b++) dout[b * config.outputs + output] = 1;
  return model_backward(config, params, fwd, dout, B, T).dx;
}
