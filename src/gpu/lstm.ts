import forwardCode from '../../shaders/lstm_forward.wgsl?raw';
import backwardCode from '../../shaders/lstm_backward.wgsl?raw';
import { UserError } from '../errors.js';
import type { GpuContext } from './device.js';
import { makeDispatch, uniformBuffer, type Dispatch } from './program.js';

/** How a recurrent kernel splits the batch: ROWS batch rows per workgroup of WG lanes. */
export interface RecurrentTiling {
  rows: number;
  lanes: number;
}

/** The "wide" tiling for GPUs: about 64+ lanes per workgroup, one lane per (row, unit) pair where possible. */
export function wideTiling(ctx: GpuContext, H: number): RecurrentTiling {
  const rows = Math.max(1, Math.ceil(64 / H));
  const lanes = Math.min(ctx.device.limits.maxComputeInvocationsPerWorkgroup, 256, Math.ceil((rows * H) / 32) * 32);
  // lstm_backward is the larger of the two: dgs [2][ROWS][4H] + dhNext + dcNext [ROWS][H], f32.
  const bytes = 10 * rows * H * 4;
  const limit = ctx.device.limits.maxComputeWorkgroupStorageSize;
  if (bytes > limit) {
    throw new UserError(`hidden size ${H} needs ${bytes} bytes of workgroup memory in the fused recurrent kernels; this adapter allows ${limit} (at most ${Math.floor(limit / 40)} units). Use a smaller hidden size or the CPU backend`);
  }
  return { rows, lanes };
}

export interface LstmForwardArgs {
  T: number;
  B: number;
  H: number;
  params: GPUBuffer;
  whOffset: number;
  gates: GPUBuffer; // xproj in, activations out
  hseq: GPUBuffer;
  cseq: GPUBuffer;
}

export function lstmForward(ctx: GpuContext, label: string, a: LstmForwardArgs, tiling: RecurrentTiling): Promise<Dispatch> {
  const dims = uniformBuffer(ctx, label, [a.T, a.B, a.whOffset]);
  const program = { name: 'lstm_forward', code: forwardCode, entryPoint: 'main', constants: { H: a.H, ROWS: tiling.rows, WG: tiling.lanes } };
  return makeDispatch(ctx, program, [dims, a.params, a.gates, a.hseq, a.cseq], [Math.ceil(a.B / tiling.rows)], label);
}

export interface LstmBackwardArgs {
  T: number;
  B: number;
  H: number;
  params: GPUBuffer;
  whOffset: number;
  gates: GPUBuffer;
  cseq: GPUBuffer;
  dhAbove: GPUBuffer;
  lastStepOnly: boolean;
  dG: GPUBuffer;
}

export function lstmBackward(ctx: GpuContext, label: string, a: LstmBackwardArgs, tiling: RecurrentTiling): Promise<Dispatch> {
  const dims = uniformBuffer(ctx, label, [a.T, a.B, a.whOffset, Number(a.lastStepOnly)]);
  const program = { name: 'lstm_backward', code: backwardCode, entryPoint: 'main', constants: { H: a.H, ROWS: tiling.rows, WG: tiling.lanes } };
  return makeDispatch(ctx, program, [dims, a.params, a.gates, a.cseq, a.dhAbove, a.dG], [Math.ceil(a.B / tiling.rows)], label);
}
