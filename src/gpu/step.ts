// The GPU twin of ../cpu/model.ts: one training step's dispatches over a session's buffers, layer by layer as
// model_forward and model_forward_backward compose the reference kernels. Forward, per layer: the input projection
// (matmul, or fused into lstm_forward_narrow) + lstm_forward. The dense head and loss sit between the passes
// (./denseLoss.ts, made once per session). Backward, per layer from the top: lstm_backward, then dW_x, dW_h, db
// and, below the top layer's input, dX = dG·W_xᵀ. For input gradients the head seeds its gradient instead of a
// loss's and the backward pass keeps only lstm_backward and dX, down to the first layer's input.
import type { KernelChoice, SessionShape } from '../engine.js';
import { layerHiddenSize, layerInputSize, paramLayout, type ModelConfig } from '../model.js';
import type { GpuContext } from './device.js';
import { narrowPair } from './kernelChoice.js';
import { lstmBackward, lstmBackwardSteps, lstmForward, lstmForwardSteps, wideTiling } from './lstm.js';
import { lstmBackwardNarrow, lstmForwardNarrow } from './lstmNarrow.js';
import { colsum, matmul } from './matmul.js';
import { matmulNarrowTN, narrowHasSpareRow } from './matmulNarrow.js';
import { matmulRows } from './matmulRows.js';
import type { Dispatch } from './program.js';
import type { UnitRowTexture } from './unitRowTexture.js';

/** The buffers a step reads and writes; all (T,B,X) tensors are time-major, as in ../cpu/model.ts. */
export interface StepBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  x: GPUBuffer;
  dG: GPUBuffer; // (T,B,4H), reused by every layer
  dGTexture: UnitRowTexture | null; // where the narrow pair is a candidate
  gatesTextures: UnitRowTexture[] | null; // per layer, where the narrow kernels are candidates
  dX: GPUBuffer | null; // the gradient reaching a lower layer's h, with 2+ layers
  dhLast: GPUBuffer; // (B,H): the head's gradient into the top layer's last h
  dcState: GPUBuffer; // (B,H): dc between the stepwise backward dispatches
  acts: { gates: GPUBuffer; hseq: GPUBuffer; cseq: GPUBuffer }[]; // per layer
}

/** model_forward's dispatches up to the head, for one kernel choice. */
export function forwardPass(ctx: GpuContext, config: ModelConfig, shape: SessionShape, b: StepBuffers, choice: KernelChoice): Promise<Dispatch[]> {
  const { batchSize: B, steps: T } = shape;
  const forward: Promise<Dispatch>[] = [];
  paramLayout(config).layers.forEach((slots, l) => {
    const input = l === 0 ? b.x : b.acts[l - 1].hseq;
    const I = layerInputSize(config, l), H = layerHiddenSize(config, l), G = 4 * H;
    const state = { T, B, H, gate: config.recurrentActivation ?? 'sigmoid', params: b.params, ...b.acts[l] };
    if (choice.recurrent === 'narrow') {
      forward.push(lstmForwardNarrow(ctx, `lstm_forward_narrow.${l}`, { ...state, gates: b.gatesTextures![l], I, x: input, kernelOffset: slots.kernel.offset, recurrentOffset: slots.recurrentKernel.offset, biasOffset: slots.bias.offset }));
    } else {
      forward.push(matmul(ctx, `xproj.${l}`, { M: T * B, N: G, K: I, a: input, b: b.params, bOffset: slots.kernel.offset, biasOffset: slots.bias.offset, c: b.acts[l].gates }));
      const args = { ...state, whOffset: slots.recurrentKernel.offset };
      if (choice.recurrent === 'wide') forward.push(lstmForward(ctx, `lstm_forward.${l}`, args, wideTiling(ctx, H)));
      else forward.push(...lstmForwardSteps(ctx, `lstm_forward_step.${l}`, args));
    }
  });
  return Promise.all(forward);
}

/** model_forward_backward's dispatches after the head (which writes dhLast), for one kernel choice. */
export function backwardPass(ctx: GpuContext, config: ModelConfig, shape: SessionShape, b: StepBuffers, choice: KernelChoice): Promise<Dispatch[]> {
  const layout = paramLayout(config);
  const { batchSize: B, steps: T } = shape;
  const backward: Promise<Dispatch>[] = [];
  const narrowGemm = choice.gradients === 'narrow'; // kernelCandidates offers it only where the adapter runs it
  const texture = narrowPair(choice) ? b.dGTexture : null;
  // dG from row `firstRow` on, times A [R, M], into grads at cOffset.
  const weightGradient = (label: string, G: number, M: number, R: number, a: GPUBuffer, firstRow: number, cOffset: number, onesOffset?: number) =>
    texture
      ? matmulNarrowTN(ctx, label, { M, N: G, R, a, b: texture, bOffset: firstRow, c: b.grads, cOffset, onesOffset })
      : narrowGemm
        ? matmulNarrowTN(ctx, label, { M, N: G, R, a, b: b.dG, bOffset: firstRow * G, c: b.grads, cOffset, onesOffset })
        : matmul(ctx, label, { M, N: G, K: R, a, transA: true, b: b.dG, bOffset: firstRow * G, c: b.grads, cOffset });
  for (let l = layout.layers.length - 1; l >= 0; l--) {
    const slots = layout.layers[l], a = b.acts[l], I = layerInputSize(config, l), H = layerHiddenSize(config, l), G = 4 * H;
    const input = l === 0 ? b.x : b.acts[l - 1].hseq;
    // db = Σ dG rides along with dW_x in the narrow GEMM where its last block row has a spare row.
    const biasInGemm = narrowGemm && narrowHasSpareRow(I);
    const dGBufferRead = !texture || !biasInGemm || l > 0; // by colsum, dX or a GEMM
    backward.push(...recurrenceBackward(ctx, config, shape, b, choice, l, dGBufferRead));
    backward.push(weightGradient(`dW_x${biasInGemm ? '+db' : ''}.${l}`, G, I, T * B, input, 0, slots.kernel.offset, biasInGemm ? slots.bias.offset : undefined));
    // W_h meets h_{t-1}: rows t >= 1 of dG pair with rows t-1 of hseq.
    if (T > 1) backward.push(weightGradient(`dW_h.${l}`, G, H, (T - 1) * B, a.hseq, B, slots.recurrentKernel.offset));
    if (!biasInGemm) backward.push(colsum(ctx, `db.${l}`, { M: T * B, N: G, a: b.dG, c: b.grads, cOffset: slots.bias.offset }));
    if (l > 0) backward.push(matmul(ctx, `dX.${l}`, { M: T * B, N: I, K: G, a: b.dG, b: b.params, bOffset: slots.kernel.offset, transB: true, c: b.dX! }));
  }
  return Promise.all(backward);
}

/**
 * model_backward's dispatches for input gradients, after the head seeded dhLast: per layer from the top,
 * lstm_backward and dX = dG·W_xᵀ (matmul_rows: one lane a row), into dX for the layer below or, at the first layer,
 * into dInput (T,B,I). No weight gradients.
 */
export function inputGradientPass(ctx: GpuContext, config: ModelConfig, shape: SessionShape, b: StepBuffers, dInput: GPUBuffer, choice: KernelChoice): Promise<Dispatch[]> {
  const layout = paramLayout(config);
  const T = shape.steps, B = shape.batchSize;
  const pass: Promise<Dispatch>[] = [];
  for (let l = layout.layers.length - 1; l >= 0; l--) {
    pass.push(...recurrenceBackward(ctx, config, shape, b, choice, l, true));
    pass.push(matmulRows(ctx, `dX.${l}`, { M: T * B, N: layerInputSize(config, l), K: 4 * layerHiddenSize(config, l), a: b.dG, b: b.params, bOffset: layout.layers[l].kernel.offset, c: l > 0 ? b.dX! : dInput }));
  }
  return Promise.all(pass);
}

/** lstm_backward of layer l in the chosen variant; the narrow one writes dG to its buffer only when dGBuffer. */
function recurrenceBackward(ctx: GpuContext, config: ModelConfig, shape: SessionShape, b: StepBuffers, choice: KernelChoice, l: number, dGBuffer: boolean): Promise<Dispatch>[] {
  const { batchSize: B, steps: T } = shape;
  const H = layerHiddenSize(config, l), slots = paramLayout(config).layers[l], a = b.acts[l];
  const isTop = l === config.layers - 1;
  const args = { T, B, H, gate: config.recurrentActivation ?? 'sigmoid', params: b.params, gates: a.gates, cseq: a.cseq, dhAbove: isTop ? b.dhLast : b.dX!, lastStepOnly: isTop, dG: b.dG };
  if (choice.recurrent === 'narrow') {
    const texture = narrowPair(choice) ? b.dGTexture : null;
    return [lstmBackwardNarrow(ctx, `lstm_backward_narrow.${l}`, { ...args, gates: b.gatesTextures![l], dG: dGBuffer ? b.dG : null, dGTexture: texture, recurrentOffset: slots.recurrentKernel.offset })];
  }
  if (choice.recurrent === 'wide') return [lstmBackward(ctx, `lstm_backward.${l}`, { ...args, whOffset: slots.recurrentKernel.offset }, wideTiling(ctx, H))];
  return lstmBackwardSteps(ctx, `lstm_backward_step.${l}`, { ...args, whOffset: slots.recurrentKernel.offset, dcState: b.dcState });
}
