// CPU reference of the loss half of shaders/dense_loss.wgsl, in Float64. A window's loss (window_loss, with
// lnΓ and ψ for Student-t) lives in ./fast.ts because the fast path's workers need it too; it computes in doubles.
import type { LossKind } from '../model.js';
import { window_loss } from './fast.js';

/**
 * Mean loss over B windows of O outputs: MSE and QLIKE average over all B·O outputs (QLIKE reads the output as
 * log-variance: L = y·e^{-out} + out - log y - 1); Student-t averages the likelihood of each window's return.
 */
export function loss_forward(out: Float64Array, y: ArrayLike<number>, B: number, O: number, kind: LossKind): number {
  let sum = 0;
  for (let b = 0; b < B; b++) sum += window_loss(out, y, b, O, kind, null, 0);
  return sum / B;
}

/** dout[i] = ∂(mean loss)/∂out[i]. */
export function loss_backward(dout: Float64Array, out: Float64Array, y: ArrayLike<number>, B: number, O: number, kind: LossKind): void {
  for (let b = 0; b < B; b++) window_loss(out, y, b, O, kind, dout, 1 / B);
}
