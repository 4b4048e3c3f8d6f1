/**
 * Floating-point operations of one LSTM training step (forward + backward), counted from the shapes.
 *
 * A multiply-add is 2 FLOPs. For each layer l with input width I_l (I for layer 0, H above it), T steps,
 * B rows and 4H gate columns:
 *   forward   x·W_x     2·T·B·I_l·4H     h_{t-1}·W_h   2·T·B·H·4H
 *   backward  dG·W_hᵀ   2·T·B·4H·H       dW_x = xᵀ·dG  2·T·B·I_l·4H   dW_h = hᵀ·dG  2·T·B·H·4H
 *             dX = dG·W_xᵀ  2·T·B·4H·I_l, only for l > 0 (nothing needs the gradient of the data)
 *   dense head forward + its two gradients: 3 · 2·B·H·O
 * Gate nonlinearities, the cell update, bias sums, the loss and Adam are elementwise (O(T·B·H) or O(params))
 * and left out. The reference shape (1 layer, H=64, T=60, I=8, B=64) is 409 MFLOP per step.
 */
export interface FlopShape {
  inputSize: number; // I
  hiddenSize: number; // H
  layers: number;
  outputs: number; // O
  steps: number; // T
  batch: number; // B, the rows actually trained (a padded last batch counts only its real rows)
}

export function trainingFlopsPerStep(s: FlopShape): number {
  const { steps: T, batch: B, hiddenSize: H } = s;
  const G = 4 * H;
  let flops = 3 * 2 * B * H * s.outputs;
  for (let l = 0; l < s.layers; l++) {
    const I = l === 0 ? s.inputSize : H;
    flops += 2 * T * B * I * G + 2 * T * B * H * G; // forward
    flops += 2 * T * B * G * H + 2 * T * B * I * G + 2 * T * B * H * G; // dh, dW_x, dW_h
    if (l > 0) flops += 2 * T * B * G * I; // dX into the layer below
  }
  return flops;
}
