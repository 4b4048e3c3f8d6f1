import template from '../../shaders/matmul.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';
import { uniformStruct } from './uniforms.js';

// Offsets in elements; biasOffset: bias[N] in buffer b; kChunk: K per split (the rows per split for colsum).
const DIMS = uniformStruct('Dims', { M: 'u32', N: 'u32', K: 'u32', aOffset: 'u32', bOffset: 'u32', cOffset: 'u32', biasOffset: 'u32', kChunk: 'u32' });
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
const TK = 16; // matmul.wgsl's K step
// Splitting K: enough workgroups for a GPU's cores (a few waves of ~100 compute units), none with under 256 of K.
const TARGET_WORKGROUPS = 128;
const MIN_CHUNK = 256;

/** How a reduction over K of `tiles` output tiles splits: `splits` slices of `chunk` (a multiple of TK) each. */
export function splitK(tiles: number, K: number): { splits: number; chunk: number } {
  const want = Math.max(1, Math.min(Math.floor(TARGET_WORKGROUPS / tiles), Math.ceil(K / MIN_CHUNK)));
  const chunk = Math.max(TK, Math.ceil(K / want / TK) * TK);
  return { splits: Math.max(1, Math.ceil(K / chunk)), chunk };
}

const gemmSplit = (M: number, N: number, K: number) => splitK(Math.ceil(N / TILE) * Math.ceil(M / TILE), K);
const colsumSplit = (M: number, N: number) => splitK(Math.ceil(N / 64), M);

/** The scratch floats matmul needs for this shape (0 where it does not split K). */
export function matmulScratchFloats(M: number, N: number, K: number): number {
  const { splits } = gemmSplit(M, N, K);
  return splits > 1 ? splits * M * N : 0;
}

/** The scratch floats colsum needs for M rows of N (0 where it does not split them). */
export function colsumScratchFloats(M: number, N: number): number {
  const { splits } = colsumSplit(M, N);
  return splits > 1 ? splits * N : 0;
}

/** c[cOffset..] (+)= the sum of `splits` slices of size rows·N in scratch. */
function sumSplits(ctx: GpuContext, label: string, rows: number, N: number, splits: number, scratch: GPUBuffer, c: GPUBuffer, cOffset: number, accumulate: boolean): Promise<Dispatch> {
  const dims = DIMS.buffer(ctx, label, { M: rows, N, K: splits, aOffset: 0, bOffset: 0, cOffset, biasOffset: 0, kChunk: 0 });
  const groups = Math.ceil((rows * N) / 64), x = Math.min(groups, ctx.device.limits.maxComputeWorkgroupsPerDimension);
  return makeDispatch(ctx, { name: 'matmul', code, entryPoint: 'sum_splits', constants: { ACCUMULATE: Number(accumulate) } }, { dims, a: scratch, c }, [x, Math.ceil(groups / x)], `${label}(sum of ${splits})`);
}

/**
 * C[M,N] (+)= op(A)·op(B) (+ bias): one dispatch of 64x64 output tiles. Offsets are in elements. Given `scratch`
 * (matmulScratchFloats(M, N, K) floats), a GEMM with few tiles and a long K runs split over K: one more dispatch.
 */
export function matmul(ctx: GpuContext, label: string, args: MatmulArgs, scratch?: GPUBuffer): Promise<Dispatch>[] {
  const { M, N, K } = args;
  const { splits, chunk } = scratch && args.biasOffset === undefined ? gemmSplit(M, N, K) : { splits: 1, chunk: K };
  const split = splits > 1;
  const cOffset = split ? 0 : args.cOffset ?? 0;
  const dims = DIMS.buffer(ctx, label, { M, N, K, aOffset: args.aOffset ?? 0, bOffset: args.bOffset ?? 0, cOffset, biasOffset: args.biasOffset ?? 0, kChunk: chunk });
  const program = {
    name: 'matmul',
    code,
    entryPoint: 'main',
    constants: {
      TRANS_A: Number(!!args.transA),
      TRANS_B: Number(!!args.transB),
      HAS_BIAS: Number(args.biasOffset !== undefined),
      ACCUMULATE: Number(!!args.accumulate && !split),
    },
  };
  const gemm = makeDispatch(ctx, program, { dims, a: args.a, b: args.b, c: split ? scratch! : args.c }, [Math.ceil(N / TILE), Math.ceil(M / TILE), splits], split ? `${label}(${splits} splits of K)` : label);
  return split ? [gemm, sumSplits(ctx, label, M, N, splits, scratch!, args.c, args.cOffset ?? 0, !!args.accumulate)] : [gemm];
}

/** dbias[N] = Σ_r dout[r, N] over M rows, written at cOffset of c; split over the rows through `scratch` (see matmul). */
export function colsum(ctx: GpuContext, label: string, args: { M: number; N: number; a: GPUBuffer; aOffset?: number; c: GPUBuffer; cOffset: number }, scratch?: GPUBuffer): Promise<Dispatch>[] {
  const { splits, chunk } = scratch ? colsumSplit(args.M, args.N) : { splits: 1, chunk: args.M };
  const split = splits > 1;
  // colsum reads only M, N, kChunk and the offsets of a and c.
  const dims = DIMS.buffer(ctx, label, { M: args.M, N: args.N, K: 0, aOffset: args.aOffset ?? 0, bOffset: 0, cOffset: split ? 0 : args.cOffset, biasOffset: 0, kChunk: chunk });
  const program = { name: 'matmul', code, entryPoint: 'colsum', constants: {} };
  const sums = makeDispatch(ctx, program, { dims, a: args.a, c: split ? scratch! : args.c }, [Math.ceil(args.N / 64), 1, splits], split ? `${label}(${splits} splits of rows)` : label);
  return split ? [sums, sumSplits(ctx, label, 1, args.N, splits, scratch!, args.c, args.cOffset, false)] : [sums];
}
