import forwardTemplate from '../../shaders/lstm_forward.wgsl?raw';
import backwardTemplate from '../../shaders/lstm_backward.wgsl?raw';
import type { RecurrentActivation } from '../model.js';
import type { GpuContext } from './device.js';
import { gateConstants, GATES_WGSL } from './gates.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate, templated } from './template.js';
import { uniformStruct } from './uniforms.js';

// whOffset: W_h in the flat params buffer; t: the step of a per-step dispatch (the fused entry points ignore it).
const FORWARD_DIMS = uniformStruct('Dims', { T: 'u32', B: 'u32', whOffset: 'u32', t: 'u32' });
const BACKWARD_DIMS = uniformStruct('Dims', { T: 'u32', B: 'u32', lastStepOnly: 'u32', t: 'u32' });
// R: batch rows each lane carries, so that each weight it loads serves R rows (the code unrolls over them).
// HALF: W_h read from its packed half-precision copy (./halfWeights.ts) instead of f32.
type Variant = { R: number; HALF: boolean };
const forwardProgram = templated('lstm_forward', ({ R, HALF }: Variant) => fillTemplate(forwardTemplate, { DIMS: FORWARD_DIMS.wgsl, GATES: GATES_WGSL, R, HALF }));
const backwardProgram = templated('lstm_backward', ({ R, HALF }: Variant) => fillTemplate(backwardTemplate, { DIMS: BACKWARD_DIMS.wgsl, GATES: GATES_WGSL, R, HALF }));

/** How a recurrent kernel splits the batch: ROWS batch rows per workgroup of WG lanes, each lane carrying rowsPerLane. */
export interface RecurrentTiling {
  rows: number;
  lanes: number;
  rowsPerLane: number;
}

/**
 * The "wide" tiling for GPUs: 64 lanes or more per workgroup, one lane per unit in rowsPerLane rows, and as many such
 * slices of rows as make 64 lanes where H is small.
 */
export function wideTiling(ctx: GpuContext, H: number, rowsPerLane = 1): RecurrentTiling {
  const slices = Math.max(1, Math.ceil(64 / H));
  // Up to a lane per unit and slice, as far as the adapter allows: device.ts requests the adapter's own maximum
  // (WebGPU's default is 256); past it a lane walks several units.
  const { maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupSizeX } = ctx.device.limits;
  const lanes = Math.min(maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupSizeX, Math.ceil((slices * H) / 32) * 32);
  return { rows: slices * rowsPerLane, lanes, rowsPerLane };
}

/** Whether the fused kernels' state fits workgroup memory; lstm_backward needs the most: [2][ROWS][4H] + 2·[ROWS][H] f32. */
export function fusedFits(ctx: GpuContext, H: number, rowsPerLane = 1): boolean {
  return 10 * wideTiling(ctx, H, rowsPerLane).rows * H * 4 <= ctx.device.limits.maxComputeWorkgroupStorageSize;
}

export interface LstmForwardArgs {
  T: number;
  B: number;
  H: number;
  gate: RecurrentActivation;
  params: GPUBuffer;
  whOffset: number;
  whHalf?: GPUBuffer; // W_h packed by packHalfWeights(…, 'forward'): the kernels read it instead of params
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
export function dropoutBindings(ctx: GpuContext, d: RecurrentDropout | undefined): { constants: { DROPOUT: number }; rmask: GPUBuffer; hrec: GPUBuffer } {
  if (d) return { constants: { DROPOUT: 1 }, ...d };
  let p = placeholderCache.get(ctx.device);
  if (!p) {
    const make = (label: string) => ctx.device.createBuffer({ label, size: 16, usage: GPUBufferUsage.STORAGE });
    p = { rmask: make('no recurrent mask'), hrec: make('no hrec') };
    placeholderCache.set(ctx.device, p);
  }
  return { constants: { DROPOUT: 0 }, ...p };
}

/** The forward kernels' W_h binding: the f32 params buffer, or the packed f16 copy. */
const weightsOf = (a: LstmForwardArgs) => ({ params: a.whHalf ? null : a.params, whHalf: a.whHalf ?? null });

export function lstmForward(ctx: GpuContext, label: string, a: LstmForwardArgs, tiling: RecurrentTiling): Promise<Dispatch> {
  const dims = FORWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, whOffset: a.whOffset, t: 0 });
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const program = { ...forwardProgram({ R: tiling.rowsPerLane, HALF: !!a.whHalf }), constants: { H: a.H, ROWS: tiling.rows, WG: tiling.lanes, ...d.constants, ...gateConstants(a.gate) } };
  return makeDispatch(ctx, program, { dims, ...weightsOf(a), gates: a.gates, hseq: a.hseq, cseq: a.cseq, rmask: d.rmask, hrec: d.hrec }, [Math.ceil(a.B / tiling.rows)], label);
}

export interface LstmBackwardArgs {
  T: number;
  B: number;
  H: number;
  gate: RecurrentActivation;
  whT: GPUBuffer; // W_hᵀ (4H,H), made by transpose() from the params buffer, or its f16 pairs from packHalfWeights
  half?: boolean; // whT holds f16 pairs
  gates: GPUBuffer;
  cseq: GPUBuffer;
  dhAbove: GPUBuffer;
  lastStepOnly: boolean;
  dG: GPUBuffer;
  recurrentDropout?: RecurrentDropout; // its mask only
}

export function lstmBackward(ctx: GpuContext, label: string, a: LstmBackwardArgs, tiling: RecurrentTiling): Promise<Dispatch> {
  const dims = BACKWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, lastStepOnly: Number(a.lastStepOnly), t: 0 });
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const program = { ...backwardProgram({ R: tiling.rowsPerLane, HALF: !!a.half }), constants: { H: a.H, ROWS: tiling.rows, WG: tiling.lanes, ...d.constants, ...gateConstants(a.gate) } };
  return makeDispatch(ctx, program, { dims, whT: a.whT, gates: a.gates, cseq: a.cseq, dhAbove: a.dhAbove, dG: a.dG, rmask: d.rmask }, [Math.ceil(a.B / tiling.rows)], label);
}

/** Workgroups of 64 lanes for the per-step kernels: one lane per unit in rowsPerLane rows. */
const stepGroups = (B: number, H: number, rowsPerLane: number): [number] => [Math.ceil((Math.ceil(B / rowsPerLane) * H) / 64)];

/** The per-step fallback of lstmForward: T dispatches, t = 0..T-1, for H too large for the fused kernel. */
export function lstmForwardSteps(ctx: GpuContext, label: string, a: LstmForwardArgs, rowsPerLane = 1): Promise<Dispatch>[] {
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const program = { ...forwardProgram({ R: rowsPerLane, HALF: !!a.whHalf }), entryPoint: 'step', constants: { H: a.H, ...d.constants, ...gateConstants(a.gate) } };
  return Array.from({ length: a.T }, (_, t) =>
    makeDispatch(ctx, program, { dims: FORWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, whOffset: a.whOffset, t }), ...weightsOf(a), gates: a.gates, hseq: a.hseq, cseq: a.cseq, rmask: d.rmask, hrec: d.hrec }, stepGroups(a.B, a.H, rowsPerLane), `${label}[t=${t}]`));
}

/** The per-step fallback of lstmBackward: T dispatches, t = T-1..0; dcState (B,H) carries dc between them. */
export function lstmBackwardSteps(ctx: GpuContext, label: string, a: LstmBackwardArgs & { dcState: GPUBuffer }, rowsPerLane = 1): Promise<Dispatch>[] {
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const program = { ...backwardProgram({ R: rowsPerLane, HALF: !!a.half }), entryPoint: 'step', constants: { H: a.H, ...d.constants, ...gateConstants(a.gate) } };
  return Array.from({ length: a.T }, (_, s) => {
    const t = a.T - 1 - s;
    const dims = BACKWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, lastStepOnly: Number(a.lastStepOnly), t });
    return makeDispatch(ctx, program, { dims, whT: a.whT, gates: a.gates, cseq: a.cseq, dhAbove: a.dhAbove, dG: a.dG, dcState: a.dcState, rmask: d.rmask }, stepGroups(a.B, a.H, rowsPerLane), `${label}[t=${t}]`);
  });
}
