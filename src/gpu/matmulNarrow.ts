import template from '../../shaders/matmul_narrow.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, uniformBuffer, type Dispatch } from './program.js';
import { fillTemplate, unroll } from './template.js';

/** Loads of row r (into a{s}_l and b{s}_j) for the rows-per-iteration slot s; N a multiple of 64 needs no guard. */
function loads(s: number, r: string, exactN: boolean): string {
  return [
    `var mine${s} = vec4f(0.0); if (aLive) { mine${s} = a[(dims.aOffset + (${r}) * dims.M + m0) / 4u + lane]; }`,
    `let brow${s} = (dims.bOffset + (${r}) * dims.N + n0) / 4u;`,
    ...Array.from({ length: 4 }, (_, l) => `let a${s}_${l} = subgroupBroadcast(mine${s}, ${l}u);`),
    ...Array.from({ length: 4 }, (_, j) =>
      exactN ? `let b${s}_${j} = b[brow${s} + ${j}u];` : `var b${s}_${j} = vec4f(0.0); if (n0 + ${4 * j}u < dims.N) { b${s}_${j} = b[brow${s} + ${j}u]; }`),
  ].map((line) => '    ' + line).join('\n');
}

// acc[q] holds C row i = q / 4 (component i % 4 of lane i / 4's vec4 of A), columns 4·(q % 4) .. +3 of the lane.
const term = (s: number, q: number) => `a${s}_${Math.floor(q / 16)}.${'xyzw'[Math.floor(q / 4) % 4]} * b${s}_${q % 4}`;

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

/** Whether C = Aᵀ·B with these shapes and offsets fits the narrow kernel (vec4 loads, a 4-lane subgroup). */
export function narrowGemmEligible(ctx: { hasSubgroups: boolean; subgroupMinSize: number }, M: number, N: number, aOffset: number, bOffset: number): boolean {
  return ctx.hasSubgroups && ctx.subgroupMinSize >= 4 && M % 4 === 0 && N % 4 === 0 && aOffset % 4 === 0 && bOffset % 4 === 0;
}

/** C[M,N] = Aᵀ·B, A stored [R,M], B stored [R,N]; offsets in elements. One dispatch of 16x64 blocks. */
export function matmulNarrowTN(ctx: GpuContext, label: string, args: { M: number; N: number; R: number; a: GPUBuffer; aOffset?: number; b: GPUBuffer; bOffset?: number; c: GPUBuffer; cOffset: number }): Promise<Dispatch> {
  const dims = uniformBuffer(ctx, label, [args.M, args.N, args.R, args.aOffset ?? 0, args.bOffset ?? 0, args.cOffset]);
  const exactN = args.N % 64 === 0;
  const program = { name: `matmul_narrow(exactN=${exactN})`, code: code(exactN), entryPoint: 'main', constants: {} };
  return makeDispatch(ctx, program, [dims, args.a, args.b, args.c], [Math.ceil(args.N / 64), Math.ceil(args.M / 16)], label);
}
