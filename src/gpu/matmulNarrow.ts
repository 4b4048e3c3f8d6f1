import template from '../../shaders/matmul_narrow.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate, templated, unroll } from './template.js';
import { uniformStruct } from './uniforms.js';
import { texelAt, type UnitRowTexture } from './unitRowTexture.js';

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

/** The parts of the template that depend on where B lives. */
function bSource(bTexture: boolean) {
  return bTexture
    ? {
        B_BINDING: '@group(0) @binding(2) var b: texture_2d_array<f32>;',
        COLUMNS: '  let H = dims.N / 4u;\n  let j0 = wg.x * 16u + lane; // the lane\'s column group q: unit j0 + 4q, its gate columns gH + j0 + 4q',
        STORE: '      let j = j0 + 4u * q;\n      if (j < H) { for (var g = 0u; g < 4u; g++) { c[row + g * H + j] = acc[i * 4u + q][g]; } }',
      }
    : {
        B_BINDING: '@group(0) @binding(2) var<storage, read> b: array<f32>;',
        COLUMNS: '  let n0 = wg.x * 64u + lane; // the lane\'s column group q: columns n0 + 16q + 4k, k = 0..3',
        STORE: '      for (var k = 0u; k < 4u; k++) { let n = n0 + 16u * q + 4u * k; if (n < dims.N) { c[row + n] = acc[i * 4u + q][k]; } }',
      };
}

/**
 * Loads of row r into slot s: the lane's MB/4 A values (am{s}_p, rows 4p + lane) and its 4 column groups of B.
 * Edges use select, not branches: branches in this unrolled code made SwiftShader's compiler run out of memory.
 * A texel past the last unit holds anything; its column group is never stored.
 */
function loads(s: number, r: string, { MB, exactM, exactN, bTexture }: Shape): string {
  const bAt = (n: string) => `b[brow${s} + ${n}]`;
  const bLoad = (q: number, k: number) => (exactN ? bAt(`${16 * q + 4 * k}u`) : `select(0.0, ${bAt(`${16 * q + 4 * k}u`)}, n0 + ${16 * q + 4 * k}u < dims.N)`);
  const aLoad = (p: number) => {
    const m = `m0 + ${4 * p}u + lane`;
    return exactM ? `a[arow${s} + ${4 * p}u]` : `select(select(0.0, 1.0, ${m} == dims.onesRow), a[arow${s} + ${4 * p}u], ${m} < dims.M)`;
  };
  const bLoads = bTexture
    ? [`let brow${s} = dims.bOffset + ${r};`, ...Array.from({ length: 4 }, (_, q) => `let b${s}_${q} = textureLoad(b, ${texelAt(`j0 + ${4 * q}u`, `brow${s}`)}, 0);`)]
    : [`let brow${s} = dims.bOffset + (${r}) * dims.N + n0;`, ...Array.from({ length: 4 }, (_, q) => `let b${s}_${q} = vec4f(${[0, 1, 2, 3].map((k) => bLoad(q, k)).join(', ')});`)];
  return [
    `let arow${s} = dims.aOffset + (${r}) * dims.M + m0 + lane;`,
    ...Array.from({ length: MB / 4 }, (_, p) => `let am${s}_${p} = ${aLoad(p)};`),
    ...bLoads,
    ...Array.from({ length: MB }, (_, i) => `let a${s}_${i} = subgroupBroadcast(am${s}_${i >> 2}, ${i & 3}u);`),
  ].map((line) => '    ' + line).join('\n');
}

// acc[k] (C row i = k/4, the lane's column group q = k%4) += a{s}_i · b{s}_q for each slot s, as a chain of fma:
// measured on SwiftShader here, a quarter faster than multiply then add.
const update = (k: number, slots: number[]) => `acc[${k}] = ${slots.reduce((sum, s) => `fma(vec4f(a${s}_${k >> 2}), b${s}_${k & 3}, ${sum})`, `acc[${k}]`)};`;

/** ROWS rows per iteration of the main loop (8 measured ~10% faster than 4 with fma chains), then single rows. */
const ROWS = 8;

function code(shape: Shape): string {
  const slots = Array.from({ length: ROWS }, (_, s) => s);
  return fillTemplate(template, {
    DIMS: DIMS.wgsl, ROWS, MB: shape.MB, ...bSource(shape.bTexture),
    BLOCK: [...slots.map((s) => loads(s, `r + ${s}u`, shape)), unroll(4 * shape.MB, (k) => update(k, slots), '    ')].join('\n'),
    SINGLE: [loads(0, 'r', shape), unroll(4 * shape.MB, (k) => update(k, [0]), '    ')].join('\n'),
  });
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
