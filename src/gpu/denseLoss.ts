import template from '../../shaders/dense_loss.wgsl?raw';
import special from '../../shaders/special.wgsl?raw';
import type { LossKind } from '../model.js';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';
import { uniformStruct } from './uniforms.js';

// hOffset: where h at the last step starts in hseq; wOffset, bOffset: W_d and b_d in the flat params buffer (and in
// grads); logSlot: where this step's loss goes in lossLog; mode: HEAD_MODE; seedOutput: the output SEED sets to 1.
const DIMS = uniformStruct('Dims', { B: 'u32', H: 'u32', O: 'u32', hOffset: 'u32', wOffset: 'u32', bOffset: 'u32', validRows: 'u32', logSlot: 'u32', mode: 'u32', seedOutput: 'u32' });
const code = fillTemplate(template, { DIMS: DIMS.wgsl, SPECIAL: special });
const LOSS_CODE: Record<LossKind, number> = { mse: 0, qlike: 1, 'student-t': 2 };
const LANES = 64; // WG in dense_loss.wgsl

/** The gradients dispatch's workgroups: a lane per element of dh (or of dW_d, if more), up to 256 workgroups. */
const gradientGroups = (B: number, H: number, O: number) => Math.min(256, Math.ceil(Math.max(B * H, H * O) / LANES));

/** What a dispatch of the head does: the shader's TRAIN, FORWARD and SEED (input gradients) modes. */
export const HEAD_MODE = { train: 0, forward: 1, seed: 2 } as const;
export type HeadMode = keyof typeof HEAD_MODE;

/** The floats the head's `out` buffer holds: outputs and dout (B,O) each, then a loss per row. */
export const headOutFloats = (B: number, O: number) => 2 * B * O + B;

export interface DenseLossArgs {
  B: number;
  H: number;
  O: number;
  T: number;
  loss: LossKind;
  params: GPUBuffer;
  wOffset: number;
  bOffset: number;
  hseq: GPUBuffer; // the top layer's
  y: GPUBuffer;
  out: GPUBuffer; // headOutFloats(B, O)
  grads: GPUBuffer;
  dh: GPUBuffer; // (B,H)
  lossLog: GPUBuffer;
}

/**
 * The dense head + loss kernel: two dispatches over many workgroups (a lane a batch row, then lanes over the gradient
 * elements and the loss); `setStep` rewrites the per-call fields (valid rows, loss slot, mode, seeded output).
 */
export async function denseLoss(ctx: GpuContext, a: DenseLossArgs) {
  const values = (validRows: number, logSlot: number, mode: HeadMode, seedOutput: number) =>
    ({ B: a.B, H: a.H, O: a.O, hOffset: (a.T - 1) * a.B * a.H, wOffset: a.wOffset, bOffset: a.bOffset, validRows, logSlot, mode: HEAD_MODE[mode], seedOutput });
  const dims = DIMS.buffer(ctx, 'dense_loss', values(a.B, 0, 'train', 0));
  const program = (entryPoint: string) => ({ name: 'dense_loss', code, entryPoint, constants: { LOSS: LOSS_CODE[a.loss] } });
  const dispatches: Dispatch[] = await Promise.all([
    makeDispatch(ctx, program('rows'), { dims, params: a.params, hseq: a.hseq, y: a.y, out: a.out }, [Math.ceil(a.B / LANES)], 'dense_loss rows'),
    makeDispatch(ctx, program('gradients'), { dims, params: a.params, hseq: a.hseq, out: a.out, grads: a.grads, dh: a.dh, lossLog: a.lossLog }, [gradientGroups(a.B, a.H, a.O)], 'dense_loss gradients'),
  ]);
  const setStep = (validRows: number, logSlot: number, mode: HeadMode, seedOutput = 0) => DIMS.write(ctx, dims, values(validRows, logSlot, mode, seedOutput));
  return { dispatches, setStep };
}
