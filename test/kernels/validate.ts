// Helpers for driving one kernel alone: buffers from host arrays, read-back, and an element-by-element comparison.
import { expect } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.js';
import { encodeDispatches, type Dispatch } from '../../src/gpu/program.js';
import { Rng } from '../../src/rng.js';

/** Values from a seeded normal distribution, scaled. */
export function randn(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** A storage buffer holding `data` (or `floats` zeros), readable back. */
export function buffer(ctx: GpuContext, data: ArrayLike<number> | number): GPUBuffer {
  const values = typeof data === 'number' ? new Float32Array(data) : Float32Array.from(data);
  const b = ctx.device.createBuffer({ size: Math.max(16, Math.ceil((values.length * 4) / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  ctx.device.queue.writeBuffer(b, 0, values);
  return b;
}

/** Runs the dispatches in one pass and waits. */
export async function run(ctx: GpuContext, dispatches: (Dispatch | Promise<Dispatch>)[]): Promise<void> {
  const ready = await Promise.all(dispatches);
  const encoder = ctx.device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  encodeDispatches(pass, ready);
  pass.end();
  ctx.device.queue.submit([encoder.finish()]);
  await ctx.device.queue.onSubmittedWorkDone();
}

/** `floats` values of a buffer from element `offset` on. */
export async function read(ctx: GpuContext, src: GPUBuffer, floats: number, offset = 0): Promise<Float32Array> {
  const staging = ctx.device.createBuffer({ size: Math.max(16, floats * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = ctx.device.createCommandEncoder();
  encoder.copyBufferToBuffer(src, offset * 4, staging, 0, floats * 4);
  ctx.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0, floats * 4));
  staging.destroy();
  return out;
}

/**
 * Every element within atol + rtol·|want| of the CPU twin's, as llm.c's validate_result checks a kernel; on failure
 * the message lists the first mismatches (index, got, want) and how many there were.
 */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, { atol = 1e-5, rtol = 1e-4 } = {}): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i])) continue; // false for NaN too
    if (++count <= 5) bad.push(`  [${i}] got ${got[i]}, want ${want[i]}`);
  }
  if (count > 0) expect.fail(`${what}: ${count} of ${want.length} elements off by more than ${atol} + ${rtol}·|want|; first:\n${bad.join('\n')}`);
}

/** Each value rounded to the nearest IEEE binary16 (ties to even), as pack2x16float stores it; inputs within its range. */
export function toHalf(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values, (x) => {
    const a = Math.abs(x);
    if (a === 0) return x;
    let e = Math.floor(Math.log2(a));
    if (2 ** e > a) e--; // log2 rounded up just below a power of two
    const ulp = 2 ** (Math.max(e, -14) - 10); // 10 fraction bits; subnormals below 2^-14
    const q = a / ulp, low = Math.floor(q);
    const n = q - low > 0.5 || (q - low === 0.5 && low % 2 === 1) ? low + 1 : low;
    return Math.sign(x) * n * ulp;
  });
}
