import template from '../../shaders/matmul.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';
import { uniformStruct } from './uniforms.js';

// Offsets in elements; biasOffset: bias[N] in buffer b.
const DIMS = uniformStruct('Dims', { M: 'u32', N: 'u32', K: 'u32', aOffset: 'u32', bOffset: 'u32', cOffset: 'u32', biasOffset: 'u32' });
const code = fillTemplate(template, { DIMS: DIMS.wgsl });

export interface MatmulArgs {
  M: number;
  N: number;
  K: number;
  a: GPUBuffer;
  aOffset?: number;
  transA?: boolean; // a stored [K, M]
  b: GPUBuffer;
  bOffset?: number;
  transB?: boolean; // b stored [N, K]
  biasOffset?: number; // bias[N] read from buffer b at this offset
  c: GPUBuffer;
  cOffset?: number;
  accumulate?: boolean;
}

const TILE = 64;

/** C[M,N] (+)= op(A)·op(B) (+ bias): one dispatch of 64x64 output tiles. Offsets are in elements. */
export function matmul(ctx: GpuContext, label: string, args: MatmulArgs): Promise<Dispatch> {
  const dims = DIMS.buffer(ctx, label, { M: args.M, N: args.N, K: args.K, aOffset: args.aOffset ?? 0, bOffset: args.bOffset ?? 0, cOffset: args.cOffset ?? 0, biasOffset: args.biasOffset ?? 0 });
  const program = {
    name: 'matmul',
    code,
    entryPoint: 'main',
    constants: {
      TRANS_A: Number(!!args.transA),
      TRANS_B: Number(!!args.transB),
      HAS_BIAS: Number(args.biasOffset !== undefined),
      ACCUMULATE: Number(!!args.accumulate),
    },
  };
  return makeDispatch(ctx, program, { dims, a: args.a, b: args.b, c: args.c }, [Math.ceil(args.N / TILE), Math.ceil(args.M / TILE)], label);
}

/** dbias[N] = Σ_r dout[r, N] over M rows, written at cOffset of c. */
export function colsum(ctx: GpuContext, label: string, args: { M: number; N: number; a: GPUBuffer; aOffset?: number; c: GPUBuffer; cOffset: number }): Promise<Dispatch> {
  // colsum reads only M, N and the offsets of a and c.
  const dims = DIMS.buffer(ctx, label, { M: args.M, N: args.N, K: 0, aOffset: args.aOffset ?? 0, bOffset: 0, cOffset: args.cOffset, biasOffset: 0 });
  const program = { name: 'matmul', code, entryPoint: 'colsum', constants: { ACCUMULATE: 0 } };
  return makeDispatch(ctx, program, { dims, a: args.a, c: args.c }, [Math.ceil(args.N / 64)], label);
}
