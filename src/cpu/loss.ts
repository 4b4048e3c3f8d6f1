// CPU reference of the loss half of shaders/dense_loss.wgsl, in Float64.
import type { LossKind } from '../model.js';

/** Mean loss over the n = B·O outputs. QLIKE reads the output as log-variance: L = y·e^{-out} + out - log y - 1. */
export function loss_forward(out: Float64Array, y: ArrayLike<number>, n: number, kind: LossKind): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (kind === 'mse') sum += (out[i] - y[i]) ** 2;
    else sum += y[i] * Math.exp(-out[i]) + out[i] - Math.log(y[i]) - 1;
  }
  return sum / n;
}

/** dout[i] = ∂(mean loss)/∂out[i]. */
export function loss_backward(dout: Float64Array, out: Float64Array, y: ArrayLike<number>, n: number, kind: LossKind): void {
  for (let i = 0; i < n; i++) {
    dout[i] = kind === 'mse' ? (2 * (out[i] - y[i])) / n : (1 - y[i] * Math.exp(-out[i])) / n;
  }
}
