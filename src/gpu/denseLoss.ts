import template from '../../shaders/dense_loss.wgsl?raw';
import special from '../../shaders/special.wgsl?raw';
import type { LossKind } from '../model.js';
import type { GpuContext } from './device.js';
import { makeDispatch, packFields, uniformBuffer, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';

const code = fillTemplate(template, { SPECIAL: special });
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
  const fields = (validRows: number, logSlot: number, mode: HeadMode, seedOutput: number) =>
    [a.B, a.H, a.O, (a.T - 1) * a.B * a.H, a.wOffset, a.bOffset, validRows, logSlot, HEAD_MODE[mode], seedOutput];
  const dims = uniformBuffer(ctx, 'dense_loss', fields(a.B, 0, 'train', 0));
  const program = { name: 'dense_loss', code, entryPoint: 'main', constants: { LOSS: LOSS_CODE[a.loss] } };
  const dispatch: Dispatch = await makeDispatch(ctx, program, [dims, a.params, a.hseq, a.y, a.out, a.grads, a.dh, a.lossLog], [1]);
  const setStep = (validRows: number, logSlot: number, mode: HeadMode, seedOutput = 0) =>
    ctx.device.queue.writeBuffer(dims, 0, packFields(fields(validRows, logSlot, mode, seedOutput)));
  return { dispatch, setStep };
}
