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

/** What a dispatch of the head does: the shader's TRAIN, FORWARD and SEED (input gradients) modes. */
export const HEAD_MODE = { train: 0, forward: 1, seed: 2 } as const;
export type HeadMode = keyof typeof HEAD_MODE;

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
  out: GPUBuffer; // [2][B][O]
  grads: GPUBuffer;
  dh: GPUBuffer; // (B,H)
  lossLog: GPUBuffer;
}

/** The dense head + loss kernel; `setStep` rewrites the per-call fields (valid rows, loss slot, mode, seeded output). */
export async function denseLoss(ctx: GpuContext, a: DenseLossArgs) {
  const values = (validRows: number, logSlot: number, mode: HeadMode, seedOutput: number) =>
    ({ B: a.B, H: a.H, O: a.O, hOffset: (a.T - 1) * a.B * a.H, wOffset: a.wOffset, bOffset: a.bOffset, validRows, logSlot, mode: HEAD_MODE[mode], seedOutput });
  const dims = DIMS.buffer(ctx, 'dense_loss', values(a.B, 0, 'train', 0));
  const program = { name: 'dense_loss', code, entryPoint: 'main', constants: { LOSS: LOSS_CODE[a.loss] } };
  const dispatch: Dispatch = await makeDispatch(ctx, program, { dims, params: a.params, hseq: a.hseq, y: a.y, out: a.out, grads: a.grads, dh: a.dh, lossLog: a.lossLog }, [1]);
  const setStep = (validRows: number, logSlot: number, mode: HeadMode, seedOutput = 0) => DIMS.write(ctx, dims, values(validRows, logSlot, mode, seedOutput));
  return { dispatch, setStep };
}
