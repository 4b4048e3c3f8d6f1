// The GPU twin of ../cpu/model.ts: one training step's dispatches over a session's buffers, layer by layer as
// model_forward and model_forward_backward compose the reference kernels. Forward, per layer: the input projection
// (matmul, or fused into lstm_forward_narrow) + lstm_forward. The dense head and loss sit between the passes
// (./denseLoss.ts, made once per session). Backward, per layer from the top: lstm_backward, then dW_x, dW_h, db
// and, below the top layer's input, dX = dG·W_xᵀ. For input gradients the head seeds its gradient instead of a
// loss's and the backward pass keeps only lstm_backward and dX, down to the first layer's input. Training with
// dropout masks a layer's input before its projection (and the gradient reaching it, after dX) and h_{t-1} inside
// the recurrence (wide and stepwise kernels only).
import type { KernelChoice, SessionShape } from '../engine.js';
import { layerHiddenSize, layerInputSize, paramLayout, type ModelConfig } from '../model.js';
import type { GpuContext } from './device.js';
import { narrowPair } from './kernelChoice.js';
import { applyMask } from './dropout.js';
import { lstmBackward, lstmBackwardSteps, lstmForward, lstmForwardSteps, wideTiling, type RecurrentDropout } from './lstm.js';
import { lstmBackwardNarrow, lstmForwardNarrow } from './lstmNarrow.js';
import { choiceTiling, lstmBackwardPersistent, lstmForwardPersistent, type PersistentTiling } from './lstmPersistent.js';
import { colsum, colsumScratchFloats, matmul, matmulScratchFloats } from './matmul.js';
import { matmulNarrowTN, narrowHasSpareRow } from './matmulNarrow.js';
import { matmulRows } from './matmulRows.js';
import type { Dispatch } from './program.js';
import { packHalfWeights } from './halfWeights.js';
import { transpose } from './transpose.js';
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
  whT: GPUBuffer; // (4H,H): the layer's W_hᵀ for the wide and stepwise backward kernels, or W_h's packed f16 copy for either pass, remade per layer
  splitK: GPUBuffer; // gradientScratchFloats: the slices of the wide weight-gradient GEMMs and colsum split over rows
  acts: { gates: GPUBuffer; hseq: GPUBuffer; cseq: GPUBuffer }[]; // per layer
  dropout: DropoutBuffers | null; // for a model with dropout
}

/** The scratch the wide weight gradients need (StepBuffers.splitK): the most any one of their split dispatches takes. */
export function gradientScratchFloats(config: ModelConfig, shape: SessionShape): number {
  const { batchSize: B, steps: T } = shape;
  const perLayer = paramLayout(config).layers.map((_, l) => {
    const H = layerHiddenSize(config, l), G = 4 * H;
    return Math.max(matmulScratchFloats(layerInputSize(config, l), G, T * B), T > 1 ? matmulScratchFloats(H, G, (T - 1) * B) : 0, colsumScratchFloats(T * B, G));
  });
  return Math.max(1, ...perLayer);
}

/** Per layer: the input mask (B,I) and its layer's masked input (T,B,I; layers > 0), the recurrent mask and h ⊙ it. */
export interface DropoutBuffers {
  inputMasks: (GPUBuffer | null)[];
  dropped: (GPUBuffer | null)[];
  recurrent: (RecurrentDropout | null)[];
}

/** model_forward's dispatches up to the head, for one kernel choice; with the dropout masks when training. */
export function forwardPass(ctx: GpuContext, config: ModelConfig, shape: SessionShape, b: StepBuffers, choice: KernelChoice, training: boolean): Promise<Dispatch[]> {
  const { batchSize: B, steps: T } = shape;
  const forward: Promise<Dispatch>[] = [];
  const dropout = training ? b.dropout : null;
  paramLayout(config).layers.forEach((slots, l) => {
    let input = l === 0 ? b.x : b.acts[l - 1].hseq;
    const I = layerInputSize(config, l), H = layerHiddenSize(config, l), G = 4 * H;
    const inputMask = dropout?.inputMasks[l];
    if (inputMask) {
      // x is uploaded every step, so layer 0 masks it in place; a lower layer's h stays as its backward needs it
      const dst = l === 0 ? b.x : dropout!.dropped[l]!;
      forward.push(applyMask(ctx, `input dropout.${l}`, { n: T * B * I, period: B * I, mask: inputMask, src: l === 0 ? null : input, dst }));
      input = dst;
    }
    const recurrentDropout = dropout?.recurrent[l] ?? undefined;
    const state = { T, B, H, gate: config.recurrentActivation ?? 'sigmoid', params: b.params, ...b.acts[l], recurrentDropout };
    if (choice.recurrent === 'narrow') {
      if (dropout) throw new Error('internal: the narrow recurrent kernels take no dropout masks (kernelCandidates declines them)');
      forward.push(lstmForwardNarrow(ctx, `lstm_forward_narrow.${l}`, { ...state, gates: b.gatesTextures![l], I, x: input, kernelOffset: slots.kernel.offset, recurrentOffset: slots.recurrentKernel.offset, biasOffset: slots.bias.offset }));
    } else {
      forward.push(...matmul(ctx, `xproj.${l}`, { M: T * B, N: G, K: I, a: input, b: b.params, bOffset: slots.kernel.offset, biasOffset: slots.bias.offset, c: b.acts[l].gates }));
      const half = choice.recurrentWeights === 'f16-packed';
      if (half) forward.push(packHalfWeights(ctx, `W_h f16.${l}`, 'forward', { H, params: b.params, whOffset: slots.recurrentKernel.offset, dst: b.whT }));
      const args = { ...state, whOffset: slots.recurrentKernel.offset, whHalf: half ? b.whT : undefined };
      if (choice.recurrent === 'wide') forward.push(lstmForward(ctx, `lstm_forward.${l}`, args, wideTiling(ctx, H, choice.rowsPerLane)));
      else if (choice.recurrent === 'persistent') forward.push(lstmForwardPersistent(ctx, `lstm_persistent forward.${l}`, args, persistentOf(ctx, H, choice)));
      else forward.push(...lstmForwardSteps(ctx, `lstm_forward_step.${l}`, args, choice.rowsPerLane));
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
      ? [matmulNarrowTN(ctx, label, { M, N: G, R, a, b: texture, bOffset: firstRow, c: b.grads, cOffset, onesOffset })]
      : narrowGemm
        ? [matmulNarrowTN(ctx, label, { M, N: G, R, a, b: b.dG, bOffset: firstRow * G, c: b.grads, cOffset, onesOffset })]
        : matmul(ctx, label, { M, N: G, K: R, a, transA: true, b: b.dG, bOffset: firstRow * G, c: b.grads, cOffset }, b.splitK);
  for (let l = layout.layers.length - 1; l >= 0; l--) {
    const slots = layout.layers[l], a = b.acts[l], I = layerInputSize(config, l), H = layerHiddenSize(config, l), G = 4 * H;
    const inputMask = b.dropout?.inputMasks[l] ?? null, recurrentDropout = b.dropout?.recurrent[l] ?? undefined;
    const input = l === 0 ? b.x : inputMask ? b.dropout!.dropped[l]! : b.acts[l - 1].hseq; // as the forward pass fed it
    // db = Σ dG rides along with dW_x in the narrow GEMM where its last block row has a spare row.
    const biasInGemm = narrowGemm && narrowHasSpareRow(I);
    const dGBufferRead = !texture || !biasInGemm || l > 0; // by colsum, dX or a GEMM
    backward.push(...recurrenceBackward(ctx, config, shape, b, choice, l, dGBufferRead, recurrentDropout));
    backward.push(...weightGradient(`dW_x${biasInGemm ? '+db' : ''}.${l}`, G, I, T * B, input, 0, slots.kernel.offset, biasInGemm ? slots.bias.offset : undefined));
    // W_h meets h_{t-1}: rows t >= 1 of dG pair with rows t-1 of hseq.
    if (T > 1) backward.push(...weightGradient(`dW_h.${l}`, G, H, (T - 1) * B, recurrentDropout?.hrec ?? a.hseq, B, slots.recurrentKernel.offset));
    if (!biasInGemm) backward.push(...colsum(ctx, `db.${l}`, { M: T * B, N: G, a: b.dG, c: b.grads, cOffset: slots.bias.offset }, b.splitK));
    if (l > 0) backward.push(...matmul(ctx, `dX.${l}`, { M: T * B, N: I, K: G, a: b.dG, b: b.params, bOffset: slots.kernel.offset, transB: true, c: b.dX! }));
    if (l > 0 && inputMask) backward.push(applyMask(ctx, `dX dropout.${l}`, { n: T * B * I, period: B * I, mask: inputMask, src: null, dst: b.dX! }));
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

/**
 * lstm_backward of layer l in the chosen variant; the narrow one writes dG to its buffer only when dGBuffer.
 * With recurrentDropout (training), the forward pass's recurrent mask (the narrow kernels are never chosen then).
 */
function recurrenceBackward(ctx: GpuContext, config: ModelConfig, shape: SessionShape, b: StepBuffers, choice: KernelChoice, l: number, dGBuffer: boolean, recurrentDropout?: RecurrentDropout): Promise<Dispatch>[] {
  const { batchSize: B, steps: T } = shape;
  const H = layerHiddenSize(config, l), slots = paramLayout(config).layers[l], a = b.acts[l];
  const isTop = l === config.layers - 1;
  const args = { T, B, H, gate: config.recurrentActivation ?? 'sigmoid', params: b.params, gates: a.gates, cseq: a.cseq, dhAbove: isTop ? b.dhLast : b.dX!, lastStepOnly: isTop, dG: b.dG, recurrentDropout };
  if (choice.recurrent === 'narrow') {
    if (recurrentDropout) throw new Error('internal: the narrow recurrent kernels take no dropout masks (kernelCandidates declines them)');
    const texture = narrowPair(choice) ? b.dGTexture : null;
    return [lstmBackwardNarrow(ctx, `lstm_backward_narrow.${l}`, { ...args, gates: b.gatesTextures![l], dG: dGBuffer ? b.dG : null, dGTexture: texture, recurrentOffset: slots.recurrentKernel.offset })];
  }
  if (choice.recurrent === 'persistent') {
    return [lstmBackwardPersistent(ctx, `lstm_persistent backward.${l}`, { ...args, whOffset: slots.recurrentKernel.offset }, persistentOf(ctx, H, choice))];
  }
  const half = choice.recurrentWeights === 'f16-packed';
  const whT = half
    ? packHalfWeights(ctx, `W_hᵀ f16.${l}`, 'backward', { H, params: b.params, whOffset: slots.recurrentKernel.offset, dst: b.whT })
    : transpose(ctx, `W_hᵀ.${l}`, { M: H, N: 4 * H, src: b.params, srcOffset: slots.recurrentKernel.offset, dst: b.whT });
  if (choice.recurrent === 'wide') return [whT, lstmBackward(ctx, `lstm_backward.${l}`, { ...args, whT: b.whT, half }, wideTiling(ctx, H, choice.rowsPerLane))];
  return [whT, ...lstmBackwardSteps(ctx, `lstm_backward_step.${l}`, { ...args, whT: b.whT, half, dcState: b.dcState }, choice.rowsPerLane)];
}

/** The persistent kernels' tiling for a choice (kernelCandidates offers or accepts it only where there is one). */
function persistentOf(ctx: GpuContext, H: number, choice: KernelChoice): PersistentTiling {
  const tiling = choiceTiling(ctx, H, choice);
  if (!tiling) throw new Error(`internal: no persistent tiling for H=${H} (kernelCandidates declines it)`);
  return tiling;
}
