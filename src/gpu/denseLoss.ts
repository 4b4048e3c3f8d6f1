import code from '../../shaders/dense_loss.wgsl?raw';
import type { LossKind } from '../model.js';
import type { GpuContext } from './device.js';
import { makeDispatch, packFields, uniformBuffer, type Dispatch } from './program.js';

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

/** The dense head + loss kernel; `setStep` rewrites the per-call fields (valid rows, loss slot, forward only). */
export async function denseLoss(ctx: GpuContext, a: DenseLossArgs) {
  const fields = (validRows: number, logSlot: number, forwardOnly: boolean) =>
    [a.B, a.H, a.O, (a.T - 1) * a.B * a.H, a.wOffset, a.bOffset, validRows, logSlot, Number(forwardOnly)];
  const dims = uniformBuffer(ctx, 'dense_loss', fields(a.B, 0, false));
  const program = { name: 'dense_loss', code, entryPoint: 'main', constants: { LOSS: a.loss === 'mse' ? 0 : 1 } };
  const dispatch: Dispatch = await makeDispatch(ctx, program, [dims, a.params, a.hseq, a.y, a.out, a.grads, a.dh, a.lossLog], [1]);
  const setStep = (validRows: number, logSlot: number, forwardOnly: boolean) =>
    ctx.device.queue.writeBuffer(dims, 0, packFields(fields(validRows, logSlot, forwardOnly)));
  return { dispatch, setStep };
}
