// The layout the narrow kernels pass per-unit values in (the recurrence's gate activations, dG to the narrow GEMM).
import type { GpuContext } from './device.js';

/**
 * A texture of one rgba32float texel per unit and row: the four gates of a unit (their activations, or dG), the T·B
 * rows wrapped into layers of at most maxTextureDimension2D. On SwiftShader every buffer access whose index depends
 * on the lane is a per-lane gather of one float; a texel access moves four. dG passed this way took the reference
 * step from 52 to 46 ms of device time (Node, SwiftShader); the gates, a little more. In WGSL, unit `col` of `row` is
 * the texel at `vec2u(col, row % dims.layerRows)` in layer `row / dims.layerRows` (lstm_forward_narrow,
 * lstm_backward_narrow, matmul_narrow).
 */
export interface UnitRowTexture { texture: GPUTexture; view: GPUTextureView; layerRows: number }

export function unitRowTexture(ctx: GpuContext, label: string, rows: number, H: number): UnitRowTexture {
  const layerRows = Math.min(rows, ctx.device.limits.maxTextureDimension2D);
  const texture = ctx.device.createTexture({
    label,
    size: [H, layerRows, Math.ceil(rows / layerRows)],
    format: 'rgba32float',
    usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING,
  });
  return { texture, view: texture.createView({ dimension: '2d-array' }), layerRows };
}
