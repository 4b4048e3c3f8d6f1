import template from '../../shaders/matmul_rows.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';
import { uniformStruct } from './uniforms.js';

// Offsets in elements; K and the offsets of a and b are multiples of 4.
const DIMS = uniformStruct('Dims', { M: 'u32', N: 'u32', K: 'u32', aOffset: 'u32', bOffset: 'u32', cOffset: 'u32' });
const code = fillTemplate(template, { DIMS: DIMS.wgsl });
const WG = 64;
const MAX_GROUPS = 65535; // per dimension, the WebGPU default limit

export interface MatmulRowsArgs {
  M: number;
  N: number;
  K: number;
  a: GPUBuffer; // [M, K]
  aOffset?: number;
  b: GPUBuffer; // [N, K]
  bOffset?: number;
  c: GPUBuffer; // [M, N]
  cOffset?: number;
}

/** C[M,N] = A·Bᵀ, one lane per row of C: for a C of few columns (the input's gradient). */
export function matmulRows(ctx: GpuContext, label: string, args: MatmulRowsArgs): Promise<Dispatch> {
  const { aOffset = 0, bOffset = 0, cOffset = 0 } = args;
  if (args.K % 4 !== 0 || aOffset % 4 !== 0 || bOffset % 4 !== 0) throw new Error(`internal: matmul_rows needs K and the offsets of A and B in multiples of 4 (K ${args.K}, ${aOffset}, ${bOffset})`);
  const dims = DIMS.buffer(ctx, label, { M: args.M, N: args.N, K: args.K, aOffset, bOffset, cOffset });
  const groups = Math.ceil(args.M / WG);
  const x = Math.min(groups, MAX_GROUPS);
  return makeDispatch(ctx, { name: 'matmul_rows', code, entryPoint: 'main', constants: {} }, { dims, a: args.a, b: args.b, c: args.c }, [x, Math.ceil(groups / x)], label);
}
