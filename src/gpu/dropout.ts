import template from '../../shaders/dropout.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';
import { uniformStruct } from './uniforms.js';

// n: values in the (T,B,X) tensor; period: B·X, the mask's length; stride: values per row of the 2-D dispatch.
const DIMS = uniformStruct('Dims', { n: 'u32', period: 'u32', stride: 'u32' });
const code = fillTemplate(template, { DIMS: DIMS.wgsl });

/** dst = src ⊙ mask at every step, or dst ⊙= mask when src is null: a (B,X) dropout mask over a (T,B,X) tensor. */
export function applyMask(ctx: GpuContext, label: string, a: { n: number; period: number; mask: GPUBuffer; src: GPUBuffer | null; dst: GPUBuffer }): Promise<Dispatch> {
  const groups = Math.ceil(a.n / 64);
  const x = Math.min(groups, ctx.device.limits.maxComputeWorkgroupsPerDimension);
  const dims = DIMS.buffer(ctx, label, { n: a.n, period: a.period, stride: x * 64 });
  const entryPoint = a.src ? 'masked_copy' : 'mask_in_place';
  return makeDispatch(ctx, { name: 'dropout', code, entryPoint, constants: {} }, { dims, mask: a.mask, src: a.src, dst: a.dst }, [x, Math.ceil(groups / x)], label);
}
