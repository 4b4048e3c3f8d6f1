import forwardCode from '../../shaders/lstm_forward.wgsl?raw';
import backwardCode from '../../shaders/lstm_backward.wgsl?raw';
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
  return { rows, lanes };
}

/** Whether the fused kernels' state fits workgroup memory; lstm_backward needs the most: [2][ROWS][4H] + 2·[ROWS][H] f32. */
export function fusedFits(ctx: GpuContext, H: number): boolean {
  return 10 * wideTiling(ctx, H).rows * H * 4 <= ctx.device.limits.maxComputeWorkgroupStorageSize;
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
  const dims = uniformBuffer(ctx, label, [a.T, a.B, a.whOffset, 0]);
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
  const dims = uniformBuffer(ctx, label, [a.T, a.B, a.whOffset, Number(a.lastStepOnly), 0]);
  const program = { name: 'lstm_backward', code: backwardCode, entryPoint: 'main', constants: { H: a.H, ROWS: tiling.rows, WG: tiling.lanes } };
  return makeDispatch(ctx, program, [dims, a.params, a.gates, a.cseq, a.dhAbove, a.dG], [Math.ceil(a.B / tiling.rows)], label);
}

/** The per-step fallback of lstmForward: T dispatches, t = 0..T-1, for H too large for the fused kernel. */
export function lstmForwardSteps(ctx: GpuContext, label: string, a: LstmForwardArgs): Promise<Dispatch>[] {
  const program = { name: 'lstm_forward', code: forwardCode, entryPoint: 'step', constants: { H: a.H } };
  return Array.from({ length: a.T }, (_, t) =>
    makeDispatch(ctx, program, [uniformBuffer(ctx, label, [a.T, a.B, a.whOffset, t]), a.params, a.gates, a.hseq, a.cseq], [Math.ceil((a.B * a.H) / 64)], `${label}[t=${t}]`));
}

/** The per-step fallback of lstmBackward: T dispatches, t = T-1..0; dcState (B,H) carries dc between them. */
export function lstmBackwardSteps(ctx: GpuContext, label: string, a: LstmBackwardArgs & { dcState: GPUBuffer }): Promise<Dispatch>[] {
  const program = { name: 'lstm_backward', code: backwardCode, entryPoint: 'step', constants: { H: a.H } };
  return Array.from({ length: a.T }, (_, s) => {
    const t = a.T - 1 - s;
    const dims = uniformBuffer(ctx, label, [a.T, a.B, a.whOffset, Number(a.lastStepOnly), t]);
    return makeDispatch(ctx, program, [dims, a.params, a.gates, a.cseq, a.dhAbove, a.dG, a.dcState], [Math.ceil((a.B * a.H) / 64)], `${label}[t=${t}]`);
  });
}
