import forwardTemplate from '../../shaders/lstm_forward.wgsl?raw';
import backwardTemplate from '../../shaders/lstm_backward.wgsl?raw';
import type { RecurrentActivation } from '../model.js';
import type { GpuContext } from './device.js';
import { gateConstants, GATES_WGSL } from './gates.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';
import { uniformStruct } from './uniforms.js';

// whOffset: W_h in the flat params buffer; t: the step of a per-step dispatch (the fused entry points ignore it).
const FORWARD_DIMS = uniformStruct('Dims', { T: 'u32', B: 'u32', whOffset: 'u32', t: 'u32' });
const BACKWARD_DIMS = uniformStruct('Dims', { T: 'u32', B: 'u32', whOffset: 'u32', lastStepOnly: 'u32', t: 'u32' });
const forwardCode = fillTemplate(forwardTemplate, { DIMS: FORWARD_DIMS.wgsl, GATES: GATES_WGSL });
const backwardCode = fillTemplate(backwardTemplate, { DIMS: BACKWARD_DIMS.wgsl, GATES: GATES_WGSL });

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
  gate: RecurrentActivation;
  params: GPUBuffer;
  whOffset: number;
  gates: GPUBuffer; // xproj in, activations out
  hseq: GPUBuffer;
  cseq: GPUBuffer;
  recurrentDropout?: RecurrentDropout;
}

/** Training with recurrent dropout: the mask (B,H) and h ⊙ mask (T,B,H), which W_h meets and dW_h needs. */
export interface RecurrentDropout {
  rmask: GPUBuffer;
  hrec: GPUBuffer;
}

const placeholderCache = new WeakMap<GPUDevice, RecurrentDropout>();

/** Without dropout the kernels' mask bindings still need buffers (the shader never touches them): one pair per device. */
function dropoutBindings(ctx: GpuContext, d: RecurrentDropout | undefined): { constants: { DROPOUT: number }; rmask: GPUBuffer; hrec: GPUBuffer } {
  if (d) return { constants: { DROPOUT: 1 }, ...d };
  let p = placeholderCache.get(ctx.device);
  if (!p) {
    const make = (label: string) => ctx.device.createBuffer({ label, size: 16, usage: GPUBufferUsage.STORAGE });
    p = { rmask: make('no recurrent mask'), hrec: make('no hrec') };
    placeholderCache.set(ctx.device, p);
  }
  return { constants: { DROPOUT: 0 }, ...p };
}

export function lstmForward(ctx: GpuContext, label: string, a: LstmForwardArgs, tiling: RecurrentTiling): Promise<Dispatch> {
  const dims = FORWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, whOffset: a.whOffset, t: 0 });
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const program = { name: 'lstm_forward', code: forwardCode, entryPoint: 'main', constants: { H: a.H, ROWS: tiling.rows, WG: tiling.lanes, ...d.constants, ...gateConstants(a.gate) } };
  return makeDispatch(ctx, program, { dims, params: a.params, gates: a.gates, hseq: a.hseq, cseq: a.cseq, rmask: d.rmask, hrec: d.hrec }, [Math.ceil(a.B / tiling.rows)], label);
}

export interface LstmBackwardArgs {
  T: number;
  B: number;
  H: number;
  gate: RecurrentActivation;
  params: GPUBuffer;
  whOffset: number;
  gates: GPUBuffer;
  cseq: GPUBuffer;
  dhAbove: GPUBuffer;
  lastStepOnly: boolean;
  dG: GPUBuffer;
  recurrentDropout?: RecurrentDropout; // its mask only
}

export function lstmBackward(ctx: GpuContext, label: string, a: LstmBackwardArgs, tiling: RecurrentTiling): Promise<Dispatch> {
  const dims = BACKWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, whOffset: a.whOffset, lastStepOnly: Number(a.lastStepOnly), t: 0 });
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const program = { name: 'lstm_backward', code: backwardCode, entryPoint: 'main', constants: { H: a.H, ROWS: tiling.rows, WG: tiling.lanes, ...d.constants, ...gateConstants(a.gate) } };
  return makeDispatch(ctx, program, { dims, params: a.params, gates: a.gates, cseq: a.cseq, dhAbove: a.dhAbove, dG: a.dG, rmask: d.rmask }, [Math.ceil(a.B / tiling.rows)], label);
}

/** The per-step fallback of lstmForward: T dispatches, t = 0..T-1, for H too large for the fused kernel. */
export function lstmForwardSteps(ctx: GpuContext, label: string, a: LstmForwardArgs): Promise<Dispatch>[] {
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const program = { name: 'lstm_forward', code: forwardCode, entryPoint: 'step', constants: { H: a.H, ...d.constants, ...gateConstants(a.gate) } };
  return Array.from({ length: a.T }, (_, t) =>
    makeDispatch(ctx, program, { dims: FORWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, whOffset: a.whOffset, t }), params: a.params, gates: a.gates, hseq: a.hseq, cseq: a.cseq, rmask: d.rmask, hrec: d.hrec }, [Math.ceil((a.B * a.H) / 64)], `${label}[t=${t}]`));
}

/** The per-step fallback of lstmBackward: T dispatches, t = T-1..0; dcState (B,H) carries dc between them. */
export function lstmBackwardSteps(ctx: GpuContext, label: string, a: LstmBackwardArgs & { dcState: GPUBuffer }): Promise<Dispatch>[] {
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const program = { name: 'lstm_backward', code: backwardCode, entryPoint: 'step', constants: { H: a.H, ...d.constants, ...gateConstants(a.gate) } };
  return Array.from({ length: a.T }, (_, s) => {
    const t = a.T - 1 - s;
    const dims = BACKWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, whOffset: a.whOffset, lastStepOnly: Number(a.lastStepOnly), t });
    return makeDispatch(ctx, program, { dims, params: a.params, gates: a.gates, cseq: a.cseq, dhAbove: a.dhAbove, dG: a.dG, dcState: a.dcState, rmask: d.rmask }, [Math.ceil((a.B * a.H) / 64)], `${label}[t=${t}]`);
  });
}
