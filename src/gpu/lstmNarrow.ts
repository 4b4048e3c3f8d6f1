import backwardTemplate from '../../shaders/lstm_backward_narrow.wgsl?raw';
import forwardTemplate from '../../shaders/lstm_forward_narrow.wgsl?raw';
import type { RecurrentActivation } from '../model.js';
import { subgroupsOf4, type GpuContext } from './device.js';
import { gateConstants, GATES_WGSL } from './gates.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate, templated } from './template.js';
import { uniformStruct } from './uniforms.js';
import type { UnitRowTexture } from './unitRowTexture.js';

// Offsets: the layer's weights in the flat params buffer; rows: batch rows per workgroup; layerRows: rows per
// texture layer (the gates' and dG's textures are shaped alike).
const FORWARD_DIMS = uniformStruct('Dims', { T: 'u32', B: 'u32', kernelOffset: 'u32', recurrentOffset: 'u32', biasOffset: 'u32', rows: 'u32', layerRows: 'u32' });
const BACKWARD_DIMS = uniformStruct('Dims', { T: 'u32', B: 'u32', recurrentOffset: 'u32', lastStepOnly: 'u32', rows: 'u32', layerRows: 'u32' });

/** Units each of the 4 lanes owns. */
const unitsPerLane = (H: number) => Math.ceil(H / 4);

/** The narrow kernels unroll H·U statements; past this SwiftShader's compiler slows to minutes or crashes. */
export const NARROW_MAX_HIDDEN = 64;

/** Whether the narrow kernels run here for H units over `rows` = T·B rows (their textures must fit the limits). */
export function narrowEligible(ctx: GpuContext, H: number, rows: number): boolean {
  const { limits } = ctx.device;
  return subgroupsOf4(ctx) && H <= NARROW_MAX_HIDDEN && Math.ceil(rows / limits.maxTextureDimension2D) <= limits.maxTextureArrayLayers;
}

/**
 * Batch rows per 4-lane workgroup, for 16 workgroups: each loads its weights (thousands of per-lane gathers on
 * SwiftShader) once for all its rows, and 16 still kept both cores of this project's machines busy (32 and 8 were
 * slower at the reference shape, 4 rows per workgroup ~7% faster than 2).
 */
export function narrowRows(B: number): number {
  return Math.max(1, Math.ceil(B / 16));
}

// The narrow kernels' code: the maths is in the .wgsl files, their template blocks unrolled for H, I and U.
function forwardCode({ H, I }: { H: number; I: number }): string {
  return fillTemplate(forwardTemplate, { DIMS: FORWARD_DIMS.wgsl, GATES: GATES_WGSL, H, I, U: unitsPerLane(H) });
}

function backwardCode({ H, buffer, texture }: { H: number; buffer: boolean; texture: boolean }): string {
  return fillTemplate(backwardTemplate, { DIMS: BACKWARD_DIMS.wgsl, GATES: GATES_WGSL, H, U: unitsPerLane(H), EXACT: H % 4 === 0, DG_BUFFER: buffer, DG_TEXTURE: texture });
}

const forwardProgram = templated('lstm_forward_narrow', forwardCode);
const backwardProgram = templated('lstm_backward_narrow', backwardCode);

export interface NarrowForwardArgs {
  T: number; B: number; H: number; I: number; gate: RecurrentActivation;
  params: GPUBuffer; kernelOffset: number; recurrentOffset: number; biasOffset: number;
  x: GPUBuffer; gates: UnitRowTexture; hseq: GPUBuffer; cseq: GPUBuffer;
}

/** x·W_x + b and the recurrence, fused: one dispatch of 4-lane workgroups. */
export function lstmForwardNarrow(ctx: GpuContext, label: string, a: NarrowForwardArgs): Promise<Dispatch> {
  const rows = narrowRows(a.B);
  const dims = FORWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, kernelOffset: a.kernelOffset, recurrentOffset: a.recurrentOffset, biasOffset: a.biasOffset, rows, layerRows: a.gates.layerRows });
  const program = { ...forwardProgram({ H: a.H, I: a.I }), constants: gateConstants(a.gate) };
  return makeDispatch(ctx, program, { dims, params: a.params, x: a.x, gates: a.gates.view, hseq: a.hseq, cseq: a.cseq }, [Math.ceil(a.B / rows)], label);
}

export interface NarrowBackwardArgs {
  T: number; B: number; H: number; gate: RecurrentActivation;
  params: GPUBuffer; recurrentOffset: number;
  gates: UnitRowTexture; cseq: GPUBuffer; dhAbove: GPUBuffer; lastStepOnly: boolean;
  dG: GPUBuffer | null; dGTexture: UnitRowTexture | null; // where dG goes: either or both
}

export function lstmBackwardNarrow(ctx: GpuContext, label: string, a: NarrowBackwardArgs): Promise<Dispatch> {
  const rows = narrowRows(a.B);
  const dims = BACKWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, recurrentOffset: a.recurrentOffset, lastStepOnly: Number(a.lastStepOnly), rows, layerRows: a.gates.layerRows });
  const program = { ...backwardProgram({ H: a.H, buffer: a.dG !== null, texture: a.dGTexture !== null }), constants: gateConstants(a.gate) };
  return makeDispatch(ctx, program, { dims, params: a.params, gates: a.gates.view, cseq: a.cseq, dhAbove: a.dhAbove, dG: a.dG, dGt: a.dGTexture?.view ?? null }, [Math.ceil(a.B / rows)], label);
}
