import template from '../../shaders/matmul_narrow.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate, templated } from './template.js';
import { uniformStruct } from './uniforms.js';
import type { UnitRowTexture } from './unitRowTexture.js';

// bOffset: the first row of B (texture) or its first element (buffer); onesRow: the row of A that is all ones (M with
// onesOffset, else NO_ONES); layerRows: rows per layer of B's texture.
const DIMS = uniformStruct('Dims', { M: 'u32', N: 'u32', R: 'u32', aOffset: 'u32', bOffset: 'u32', cOffset: 'u32', onesRow: 'u32', onesOffset: 'u32', layerRows: 'u32' });

/** Most rows of C per block: taller blocks need fewer gathers per multiply-add; 64 measured no better than 32. */
export const MAX_BLOCK_ROWS = 32;

/** Rows of C per block for `rows` rows (M, plus one for a row of ones): a multiple of 4 (one per lane), at most 32. */
function narrowBlockRows(rows: number): number {
  return Math.min(MAX_BLOCK_ROWS, 4 * Math.ceil(rows / 4));
}

/** Whether an M-row product's blocks have a spare row, which can carry a bias gradient (onesOffset). */
export function narrowHasSpareRow(M: number): boolean {
  return M % MAX_BLOCK_ROWS !== 0;
}

/**
 * How a program is specialised: block rows; whether M (with no row of ones) and N fill whole blocks; and whether B
 * is a buffer or dG's texture (lstm_backward_narrow's texel per unit and row: N = 4H, columns gH + unit).
 */
type Shape = { MB: number; exactM: boolean; exactN: boolean; bTexture: boolean };

/** ROWS rows per iteration of the main loop (8 measured ~10% faster than 4 with fma chains), then single rows. */
const ROWS = 8;

function code({ MB, exactM, exactN, bTexture }: Shape): string {
  return fillTemplate(template, { DIMS: DIMS.wgsl, ROWS, MB, EXACT_M: exactM, EXACT_N: exactN, B_TEXTURE: bTexture });
}

const matmulNarrowProgram = templated('matmul_narrow', code);

/** No row of ones: onesRow never matches a row. */
const NO_ONES = 0xffffffff;

/**
 * C[M,N] = Aᵀ·B, A stored [R,M]; B a buffer [R,N] (bOffset in elements) or dG's texture (bOffset in rows, N = 4H);
 * other offsets in elements. One dispatch of blocks of up to 32x64. With onesOffset, also the column sums of B (a
 * bias gradient) at onesOffset, as an extra row of C.
 */
export function matmulNarrowTN(ctx: GpuContext, label: string, args: { M: number; N: number; R: number; a: GPUBuffer; aOffset?: number; b: GPUBuffer | UnitRowTexture; bOffset?: number; c: GPUBuffer; cOffset: number; onesOffset?: number }): Promise<Dispatch> {
  const ones = args.onesOffset !== undefined;
  const texture = args.b instanceof GPUBuffer ? null : args.b;
  const dims = DIMS.buffer(ctx, label, {
    M: args.M, N: args.N, R: args.R, aOffset: args.aOffset ?? 0, bOffset: args.bOffset ?? 0, cOffset: args.cOffset,
    onesRow: ones ? args.M : NO_ONES, onesOffset: args.onesOffset ?? 0, layerRows: texture?.layerRows ?? 0,
  });
  const MB = narrowBlockRows(args.M + Number(ones));
  const shape = { MB, exactM: !ones && args.M % MB === 0, exactN: args.N % 64 === 0, bTexture: texture !== null };
  const program = matmulNarrowProgram(shape);
  return makeDispatch(ctx, program, { dims, a: args.a, b: texture ? texture.view : (args.b as GPUBuffer), c: args.c }, [Math.ceil(args.N / 64), Math.ceil((args.M + Number(ones)) / MB)], label);
}
