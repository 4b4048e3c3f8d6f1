import backwardTemplate from '../../shaders/lstm_backward_narrow.wgsl?raw';
import forwardTemplate from '../../shaders/lstm_forward_narrow.wgsl?raw';
import { subgroupsOf4, type GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate, templated, unroll } from './template.js';
import { uniformStruct } from './uniforms.js';
import { texelAt, type UnitRowTexture } from './unitRowTexture.js';

// Offsets: the layer's weights in the flat params buffer; rows: batch rows per workgroup; layerRows: rows per
// texture layer (the gates' and dG's textures are shaped alike).
const FORWARD_DIMS = uniformStruct('Dims', { T: 'u32', B: 'u32', kernelOffset: 'u32', recurrentOffset: 'u32', biasOffset: 'u32', rows: 'u32', layerRows: 'u32' });
const BACKWARD_DIMS = uniformStruct('Dims', { T: 'u32', B: 'u32', recurrentOffset: 'u32', lastStepOnly: 'u32', rows: 'u32', layerRows: 'u32' });

/** Units each of the 4 lanes owns. */
const unitsPerLane = (H: number) => Math.ceil(H / 4);

/** The narrow kernels unroll H·U statements; past this SwiftShader's compiler slows to minutes or crashes. */
export const NARROW_MAX_HIDDEN = 64;

/** Whether the narrow kernels run here for H units over `rows` = T·B rows (their textures must fit the limits). */
export function narrowEligible(ctx: GpuContext, H: number, rows: number): boolean {
  const { limits } = ctx.device;
  return subgroupsOf4(ctx) && H <= NARROW_MAX_HIDDEN && Math.ceil(rows / limits.maxTextureDimension2D) <= limits.maxTextureArrayLayers;
}

/**
 * Batch rows per 4-lane workgroup, for 16 workgroups: each loads its weights (thousands of per-lane gathers on
 * SwiftShader) once for all its rows, and 16 still kept both cores of this project's machines busy (32 and 8 were
 * slower at the reference shape, 4 rows per workgroup ~7% faster than 2).
 */
export function narrowRows(B: number): number {
  return Math.max(1, Math.ceil(B / 16));
}


function forwardCode({ H, I }: { H: number; I: number }): string {
  const U = unitsPerLane(H);
  // s += v_k · w_k as fma: measured on SwiftShader here, faster than multiply then add (as in matmul_narrow).
  const sum = (n: number, v: (k: number) => string, w: (k: number) => string) => Array.from({ length: n }, (_, k) => `s = fma(vec4f(${v(k)}), ${w(k)}, s);`).join(' ');
  return fillTemplate(forwardTemplate, {
    DIMS: FORWARD_DIMS.wgsl, H, I, U,
    INPUTS: [
      unroll(I, (k) => `xb[${k}] = x[xrow + ${k}u];`),
      unroll(H, (k) => `hb[${k}] = subgroupBroadcast(h[${k % U}], ${Math.floor(k / U)}u);`),
    ].join('\n'),
    // One unit at a time, its four gate sums in registers; then the cell update of every unit.
    SUMS: unroll(U, (u) => `{ var s = bias[${u}]; ${sum(I, (k) => `xb[${k}]`, (k) => `wx[${k * U + u}]`)} ${sum(H, (k) => `hb[${k}]`, (k) => `wh[${k * U + u}]`)} z[${u}] = s; }`),
    CELL: unroll(U, (u) =>
      `{ let a = vec4f(sigmoid(z[${u}].x), sigmoid(z[${u}].y), tanh(z[${u}].z), sigmoid(z[${u}].w)); ` +
      `c[${u}] = a.y * c[${u}] + a.x * a.z; h[${u}] = a.w * tanh(c[${u}]); ` +
      `let col = u0 + ${u}u; if (col < H) { textureStore(gates, ${texelAt('col', 'row')}, a); ` +
      `cseq[row * H + col] = c[${u}]; hseq[row * H + col] = h[${u}]; } }`),
  });
}

function backwardCode({ H, ...out }: { H: number; buffer: boolean; texture: boolean }): string {
  const U = unitsPerLane(H);
  const perUnit = (f: (u: number) => string) => Array.from({ length: U }, (_, u) => f(u)).join(' ');
  // Where 4 divides H no lane owns a padding unit (col >= H): loads need no select and stores no branch. Elsewhere
  // a padding unit's load reads a neighbour (WebGPU keeps every access in bounds) and select zeroes it.
  const exact = H % 4 === 0;
  const ofUnit = (value: string, zero = '0.0') => (exact ? value : `select(${zero}, ${value}, col < H)`);
  const load = (buffer: string, at: string) => ofUnit(`${buffer}[${at}]`);
  return fillTemplate(backwardTemplate, {
    DIMS: BACKWARD_DIMS.wgsl, H, U,
    DG_BINDINGS: [
      out.buffer ? '@group(0) @binding(5) var<storage, read_write> dG: array<f32>;' : '',
      out.texture ? '@group(0) @binding(6) var dGt: texture_storage_2d_array<rgba32float, write>;' : '',
    ].join('\n'),
    C_LAST: unroll(U, (u) => `{ let col = u0 + ${u}u; cNow[${u}] = ${load('cseq', `((dims.T - 1u) * dims.B + b) * H + col`)}; }`, '    '),
    ABOVE: unroll(U, (u) => `{ let col = u0 + ${u}u; dhNext[${u}] += ${load('dhAbove', 'above + col')}; }`, '        '),
    GATE_GRADS: unroll(U, (u) => {
      const store = [
        out.buffer ? `let g0 = row * 4u * H + col; dG[g0] = d[${u}].x; dG[g0 + H] = d[${u}].y; dG[g0 + 2u * H] = d[${u}].z; dG[g0 + 3u * H] = d[${u}].w;` : '',
        out.texture ? `textureStore(dGt, ${texelAt('col', 'row')}, d[${u}]);` : '',
      ].join(' ');
      return `{ let col = u0 + ${u}u; let dh = dhNext[${u}]; let cc = cNow[${u}]; ` +
        `let a = ${ofUnit(`textureLoad(gates, ${texelAt('col', 'row')}, 0)`, 'vec4f(0.0)')}; ` +
        `let cp = select(0.0, ${load('cseq', 'prev * H + col')}, t > 0u); ` +
        `let tc = tanh(cc); let dc = dcNext[${u}] + dh * a.w * (1.0 - tc * tc); ` +
        `d[${u}] = vec4f(dc * a.z * a.x * (1.0 - a.x), dc * cp * a.y * (1.0 - a.y), dc * a.x * (1.0 - a.z * a.z), dh * tc * a.w * (1.0 - a.w)); ` +
        `dcNext[${u}] = dc * a.y; cNow[${u}] = cp; ${exact ? store : `if (col < H) { ${store} }`} }`;
    }),
    // acc_k += v · w as a chain of fma (see forwardCode).
    RECURRENT_DOTS: [
      '      var acc = array<f32, U>();',
      unroll(H, (j) => `{ let v = subgroupBroadcast(d[${j % U}], ${Math.floor(j / U)}u); ${perUnit((k) => `{ let w = wh[${k * H + j}]; acc[${k}] = fma(v.w, w.w, fma(v.z, w.z, fma(v.y, w.y, fma(v.x, w.x, acc[${k}])))); }`)} }`),
      unroll(U, (k) => `dhNext[${k}] = acc[${k}];`),
    ].join('\n'),
  });
}

const forwardProgram = templated('lstm_forward_narrow', forwardCode);
const backwardProgram = templated('lstm_backward_narrow', backwardCode);

export interface NarrowForwardArgs {
  T: number; B: number; H: number; I: number;
  params: GPUBuffer; kernelOffset: number; recurrentOffset: number; biasOffset: number;
  x: GPUBuffer; gates: UnitRowTexture; hseq: GPUBuffer; cseq: GPUBuffer;
}

/** x·W_x + b and the recurrence, fused: one dispatch of 4-lane workgroups. */
export function lstmForwardNarrow(ctx: GpuContext, label: string, a: NarrowForwardArgs): Promise<Dispatch> {
  const rows = narrowRows(a.B);
  const dims = FORWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, kernelOffset: a.kernelOffset, recurrentOffset: a.recurrentOffset, biasOffset: a.biasOffset, rows, layerRows: a.gates.layerRows });
  const program = forwardProgram({ H: a.H, I: a.I });
  return makeDispatch(ctx, program, { dims, params: a.params, x: a.x, gates: a.gates.view, hseq: a.hseq, cseq: a.cseq }, [Math.ceil(a.B / rows)], label);
}

export interface NarrowBackwardArgs {
  T: number; B: number; H: number;
  params: GPUBuffer; recurrentOffset: number;
  gates: UnitRowTexture; cseq: GPUBuffer; dhAbove: GPUBuffer; lastStepOnly: boolean;
  dG: GPUBuffer | null; dGTexture: UnitRowTexture | null; // where dG goes: either or both
}

export function lstmBackwardNarrow(ctx: GpuContext, label: string, a: NarrowBackwardArgs): Promise<Dispatch> {
  const rows = narrowRows(a.B);
  const dims = BACKWARD_DIMS.buffer(ctx, label, { T: a.T, B: a.B, recurrentOffset: a.recurrentOffset, lastStepOnly: Number(a.lastStepOnly), rows, layerRows: a.gates.layerRows });
  const program = backwardProgram({ H: a.H, buffer: a.dG !== null, texture: a.dGTexture !== null });
  return makeDispatch(ctx, program, { dims, params: a.params, gates: a.gates.view, cseq: a.cseq, dhAbove: a.dhAbove, dG: a.dG, dGt: a.dGTexture?.view ?? null }, [Math.ceil(a.B / rows)], label);
}
