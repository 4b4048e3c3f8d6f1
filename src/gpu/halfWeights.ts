import template from '../../shaders/half_weights.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';
import { uniformStruct } from './uniforms.js';

const DIMS = uniformStruct('Dims', { H: 'u32', whOffset: 'u32' });
const code = fillTemplate(template, { DIMS: DIMS.wgsl });

/** The floats (u32s) of one packed half-precision copy of W_h: (H,H) pairs of u32. */
export const halfWeightsFloats = (H: number) => 2 * H * H;

/**
 * W_h (H,4H) at whOffset in params, packed two f16 a u32 into dst for lstm_forward.wgsl ('forward') or
 * lstm_backward.wgsl ('backward'): the layouts are described in half_weights.wgsl. One dispatch, a lane per element.
 */
export function packHalfWeights(ctx: GpuContext, label: string, pass: 'forward' | 'backward', a: { H: number; params: GPUBuffer; whOffset: number; dst: GPUBuffer }): Promise<Dispatch> {
  const dims = DIMS.buffer(ctx, label, { H: a.H, whOffset: a.whOffset });
  const groups = Math.ceil((a.H * a.H) / 64);
  const x = Math.min(groups, ctx.device.limits.maxComputeWorkgroupsPerDimension);
  return makeDispatch(ctx, { name: 'half_weights', code, entryPoint: `${pass}_pack`, constants: {} }, { dims, params: a.params, packed: a.dst }, [x, Math.ceil(groups / x)], label);
}
