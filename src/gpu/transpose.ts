import template from '../../shaders/transpose.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';
import { uniformStruct } from './uniforms.js';

const DIMS = uniformStruct('Dims', { M: 'u32', N: 'u32', srcOffset: 'u32' });
const code = fillTemplate(template, { DIMS: DIMS.wgsl });

/** dst (N,M) = src (M,N)ᵀ, src read from element srcOffset on: one dispatch of 16x16 tiles. */
export function transpose(ctx: GpuContext, label: string, a: { M: number; N: number; src: GPUBuffer; srcOffset: number; dst: GPUBuffer }): Promise<Dispatch> {
  const dims = DIMS.buffer(ctx, label, { M: a.M, N: a.N, srcOffset: a.srcOffset });
  return makeDispatch(ctx, { name: 'transpose', code, entryPoint: 'main', constants: {} }, { dims, src: a.src, dst: a.dst }, [Math.ceil(a.N / 16), Math.ceil(a.M / 16)], label);
}
