import template from '../../shaders/matmul_narrow.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, uniformBuffer, type Dispatch } from './program.js';
import { fillTemplate, unroll } from './template.js';

/** Loads of row r into slot s: the lane's 4 A values (am{s}_p, rows 4p + lane) and its 16 B values as 4 vec4s. */
function loads(s: number, r: string, exactN: boolean): string {
  const bAt = (j: number) => `b[brow${s} + ${4 * j}u]`;
  const bLoad = (j: number) => (exactN ? bAt(j) : `select(0.0, ${bAt(j)}, n0 + ${4 * j}u < dims.N)`);
  return [
    `let arow${s} = dims.aOffset + (${r}) * dims.M + m0 + lane;`,
    ...Array.from({ length: 4 }, (_, p) =>
      `var am${s}_${p} = 0.0; if (m0 + ${4 * p}u + lane < dims.M) { am${s}_${p} = a[arow${s} + ${4 * p}u]; } else if (m0 + ${4 * p}u + lane == dims.onesRow) { am${s}_${p} = 1.0; }`),
    `let brow${s} = dims.bOffset + (${r}) * dims.N + n0;`,
    ...Array.from({ length: 4 }, (_, q) => `let b${s}_${q} = vec4f(${[0, 1, 2, 3].map((k) => bLoad(4 * q + k)).join(', ')});`),
    ...Array.from({ length: 16 }, (_, i) => `let a${s}_${i} = subgroupBroadcast(am${s}_${i >> 2}, ${i & 3}u);`),
  ].map((line) => '    ' + line).join('\n');
}

// acc[i*4 + q] += A row i (a{s}_i) times the lane's columns 4q .. 4q+3 (b{s}_q).
const term = (s: number, k: number) => `a${s}_${k >> 2} * b${s}_${k & 3}`;

/** ROWS rows per iteration of the main loop, then a loop of single rows for the rest. */
const ROWS = 4;

function code(exactN: boolean): string {
  const slots = Array.from({ length: ROWS }, (_, s) => s);
  return fillTemplate(template, {
    ROWS,
    BLOCK: [...slots.map((s) => loads(s, `r + ${s}u`, exactN)), unroll(64, (q) => `acc[${q}] += ${slots.map((s) => term(s, q)).join(' + ')};`, '    ')].join('\n'),
    SINGLE: [loads(0, 'r', exactN), unroll(64, (q) => `acc[${q}] += ${term(0, q)};`, '    ')].join('\n'),
  });
}

/** No row of ones: onesRow never matches a row. */
const NO_ONES = 0xffffffff;

/**
 * C[M,N] = Aᵀ·B, A stored [R,M], B stored [R,N]; offsets in elements. One dispatch of 16x64 blocks. With
 * onesOffset, also the column sums of B (a bias gradient) at onesOffset, as an extra row of C.
 */
export function matmulNarrowTN(ctx: GpuContext, label: string, args: { M: number; N: number; R: number; a: GPUBuffer; aOffset?: number; b: GPUBuffer; bOffset?: number; c: GPUBuffer; cOffset: number; onesOffset?: number }): Promise<Dispatch> {
  const ones = args.onesOffset !== undefined;
  const dims = uniformBuffer(ctx, label, [args.M, args.N, args.R, args.aOffset ?? 0, args.bOffset ?? 0, args.cOffset, ones ? args.M : NO_ONES, args.onesOffset ?? 0]);
  const exactN = args.N % 64 === 0;
  const program = { name: `matmul_narrow(exactN=${exactN})`, code: code(exactN), entryPoint: 'main', constants: {} };
  return makeDispatch(ctx, program, [dims, args.a, args.b, args.c], [Math.ceil(args.N / 64), Math.ceil((args.M + Number(ones)) / 16)], label);
}
