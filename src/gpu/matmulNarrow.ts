import template from '../../shaders/matmul_narrow.wgsl?raw';
import type { GpuContext } from './device.js';
import { makeDispatch, uniformBuffer, type Dispatch } from './program.js';
import { fillTemplate, unroll } from './template.js';

/** The kernel for N a multiple of 64 needs no column guard in its hot loop; others guard each B load. */
function code(exactN: boolean): string {
  return fillTemplate(template, {
    LOADS: [
      unroll(4, (l) => `let a${l} = subgroupBroadcast(mine, ${l}u);`, '    '),
      unroll(4, (j) => (exactN ? `let b${j} = b[brow + ${j}u];` : `var b${j} = vec4f(0.0); if (n0 + ${4 * j}u < dims.N) { b${j} = b[brow + ${j}u]; }`), '    '),
    ].join('\n'),
    // Row i of the block is component i % 4 of lane i / 4's vec4.
    FMAS: unroll(64, (q) => `acc[${q}] += a${Math.floor(q / 16)}.${'xyzw'[Math.floor(q / 4) % 4]} * b${q % 4};`, '    '),
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
