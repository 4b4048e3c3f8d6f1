import template from '../../shaders/lstm_persistent.wgsl?raw';
import type { KernelChoice } from '../engine.js';
import type { GpuContext } from './device.js';
import { gateConstants, GATES_WGSL } from './gates.js';
import { dropoutBindings, type LstmBackwardArgs, type LstmForwardArgs } from './lstm.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate, templated } from './template.js';
import { uniformStruct } from './uniforms.js';

// whOffset: W_h in the flat params buffer; lastStepOnly: the backward pass's dhAbove is (B,H) at t = T-1 only.
const DIMS = uniformStruct('Dims', { T: 'u32', B: 'u32', whOffset: 'u32', lastStepOnly: 'u32' });

/** Past this the slice of W_h a lane would hold no longer fits registers (4H² floats over at most 1024 lanes). */
export const PERSISTENT_MAX_HIDDEN = 128;

/** How the S lanes of a unit add up their partial sums: subgroupShuffleXor, or workgroup memory and a barrier. */
export type Reduction = 'subgroup' | 'workgroup';

/** A persistent kernel's shape: H·split lanes a workgroup, each holding `slice` rows of W_h for one unit, `rows` batch rows. */
export interface PersistentTiling {
  split: number;
  slice: number;
  lanes: number;
  rows: number;
  reduction: Reduction;
}

/** Workgroup memory the backward kernel (the larger) needs: dG_t [2][rows][H padded] vec4, and the partial sums without subgroups. */
const storageBytes = (H: number, split: number, rows: number, reduction: Reduction) =>
  16 * rows * (2 * Math.ceil(H / split) * split + (reduction === 'workgroup' ? H * split : 0));

/**
 * The tiling for H units, or null where the persistent kernels cannot run. Lanes enough that each holds at most 64
 * floats of W_h (4H²/lanes), at least 256, as far as the adapter allows; the split a power of two, within the
 * subgroup (its guaranteed size) for the subgroup reduction, and small enough for workgroup memory.
 */
export function persistentTiling(ctx: GpuContext, H: number, reduction: Reduction, rows = 1): PersistentTiling | null {
  if (H > PERSISTENT_MAX_HIDDEN) return null;
  if (reduction === 'subgroup' && !(ctx.hasSubgroups && ctx.subgroupMinSize >= 2)) return null;
  const { maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupSizeX, maxComputeWorkgroupStorageSize } = ctx.device.limits;
  const lanes = Math.min(maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupSizeX, Math.max(256, (H * H) / 16));
  const most = reduction === 'subgroup' ? ctx.subgroupMinSize : 8; // 8 gives H = 128 its 1024 lanes
  let split = 1;
  while (split * 2 <= most && H * split * 2 <= lanes) split *= 2;
  while (split > 1 && storageBytes(H, split, rows, reduction) > maxComputeWorkgroupStorageSize) split /= 2;
  if (storageBytes(H, split, rows, reduction) > maxComputeWorkgroupStorageSize || H > lanes) return null;
  return { split, slice: Math.ceil(H / split), lanes: H * split, rows, reduction };
}

/**
 * The tiling a kernel choice asks for (its rows a lane, and its reduction: subgroup operations where the adapter has
 * them if unset), or null where it cannot run.
 */
export function choiceTiling(ctx: GpuContext, H: number, choice: Pick<KernelChoice, 'reduction' | 'rowsPerLane'>): PersistentTiling | null {
  const rows = choice.rowsPerLane ?? 1;
  if (choice.reduction) return persistentTiling(ctx, H, choice.reduction, rows);
  return persistentTiling(ctx, H, 'subgroup', rows) ?? persistentTiling(ctx, H, 'workgroup', rows);
}

// The code is unrolled for H, the split and the rows (so every register index is a constant); both entry points share it.
const program = templated('lstm_persistent', ({ H, S, R, SUBGROUPS }: { H: number; S: number; R: number; SUBGROUPS: boolean }) =>
  fillTemplate(template, { DIMS: DIMS.wgsl, GATES: GATES_WGSL, H, S, KS: Math.ceil(H / S), R, SUBGROUPS }),
);

function persistentProgram(entryPoint: 'forward' | 'backward', H: number, tiling: PersistentTiling, constants: Record<string, number>) {
  return { ...program({ H, S: tiling.split, R: tiling.rows, SUBGROUPS: tiling.reduction === 'subgroup' }), entryPoint, constants };
}

/** The wide forward's arguments; W_h is always read as f32 from params (each lane loads its slice once). */
export type PersistentForwardArgs = Omit<LstmForwardArgs, 'whHalf'>;

/** lstm_forward over all T steps in one dispatch of ceil(B / rows) workgroups, W_h held in registers. */
export function lstmForwardPersistent(ctx: GpuContext, label: string, a: PersistentForwardArgs, tiling: PersistentTiling): Promise<Dispatch> {
  const dims = DIMS.buffer(ctx, label, { T: a.T, B: a.B, whOffset: a.whOffset, lastStepOnly: 0 });
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const p = persistentProgram('forward', a.H, tiling, { ...d.constants, ...gateConstants(a.gate) });
  return makeDispatch(ctx, p, { dims, params: a.params, gates: a.gates, hseq: a.hseq, cseq: a.cseq, rmask: d.rmask, hrec: d.hrec }, [Math.ceil(a.B / tiling.rows)], label);
}

/** The wide backward's arguments, with W_h read from params as it is (no W_hᵀ: each lane loads its slice once). */
export type PersistentBackwardArgs = Omit<LstmBackwardArgs, 'whT' | 'half'> & Pick<LstmForwardArgs, 'params' | 'whOffset'>;

/** lstm_backward over all T steps in one dispatch of ceil(B / rows) workgroups, W_h held in registers. */
export function lstmBackwardPersistent(ctx: GpuContext, label: string, a: PersistentBackwardArgs, tiling: PersistentTiling): Promise<Dispatch> {
  const dims = DIMS.buffer(ctx, label, { T: a.T, B: a.B, whOffset: a.whOffset, lastStepOnly: Number(a.lastStepOnly) });
  const d = dropoutBindings(ctx, a.recurrentDropout);
  const p = persistentProgram('backward', a.H, tiling, { ...d.constants, ...gateConstants(a.gate) });
  return makeDispatch(ctx, p, { dims, params: a.params, gates: a.gates, cseq: a.cseq, dhAbove: a.dhAbove, dG: a.dG, rmask: d.rmask }, [Math.ceil(a.B / tiling.rows)], label);
}
