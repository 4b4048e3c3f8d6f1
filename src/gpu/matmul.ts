import code from '../../shaders/matmul.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, uniformBuffer, type Dispatch } from './program.js';

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
  const dims = uniformBuffer(ctx, label, [args.M, args.N, args.K, args.aOffset ?? 0, args.bOffset ?? 0, args.cOffset ?? 0, args.biasOffset ?? 0]);
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
  return makeDispatch(ctx, program, [dims, args.a, args.b, args.c], [Math.ceil(args.N / TILE), Math.ceil(args.M / TILE)], label);
}

/** dbias[N] = Σ_r dout[r, N] over M rows, written at cOffset of c. */
export function colsum(ctx: GpuContext, label: string, args: { M: number; N: number; a: GPUBuffer; aOffset?: number; c: GPUBuffer; cOffset: number }): Promise<Dispatch> {
  const dims = uniformBuffer(ctx, label, [args.M, args.N, 0, args.aOffset ?? 0, 0, args.cOffset, 0]);
  const program = { name: 'matmul', code, entryPoint: 'colsum', constants: { ACCUMULATE: 0 } };
  return makeDispatch(ctx, program, [dims, args.a, null, args.c], [Math.ceil(args.N / 64)], label);
}
