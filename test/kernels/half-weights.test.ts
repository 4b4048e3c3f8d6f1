import { describe, expect, it } from 'vitest';
import { halfWeightsFloats, packHalfWeights } from '../../src/gpu/halfWeights.js';
import { requireGpu } from '../helpers/gpu.js';
import { buffer, randn, read, run } from './validate.js';

/** binary16 bits to their value. */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  return sign * (e === 0 ? f * 2 ** -24 : (1 + f / 1024) * 2 ** (e - 15));
}

/** The spacing of binary16 values around x (2^-24 among the subnormals, below 2^-14). */
const halfUlp = (x: number) => 2 ** (Math.max(Math.floor(Math.log2(Math.abs(x))), -14) - 10);

// half_weights.wgsl against the layouts it documents, built here from W_h (H,4H). WGSL lets an f32 → f16 conversion
// round to either neighbour, so each packed value must lie within one binary16 step of its f32 weight.
describe('half_weights.wgsl alone', () => {
  for (const H of [3, 10]) {
    it(`forward and backward packs of W_h, H=${H}, W_h at an offset, values from 1e-4 to 30`, async () => {
      const ctx = await requireGpu();
      const G = 4 * H, whOffset = 5;
      const wh = randn(H * G, 7, 3).map((v, i) => (i % 7 === 0 ? v * 1e-4 : i % 5 === 0 ? v * 10 : v));
      const params = buffer(ctx, [0, 0, 0, 0, 0, ...wh]);
      // The four values each packed element holds, as [k][u] of the forward layout and [q][k] of the backward one.
      const layouts = {
        forward: (k: number, u: number) => [0, 1, 2, 3].map((g) => wh[k * G + u + g * H]),
        backward: (q: number, k: number) => [0, 1, 2, 3].map((j) => wh[k * G + 4 * q + j]),
      };
      for (const [pass, want] of Object.entries(layouts) as ['forward' | 'backward', (a: number, b: number) => number[]][]) {
        const dst = buffer(ctx, halfWeightsFloats(H));
        await run(ctx, [packHalfWeights(ctx, pass, pass, { H, params, whOffset, dst })]);
        const bits = new Uint32Array((await read(ctx, dst, halfWeightsFloats(H))).buffer);
        for (let a = 0; a < H; a++) {
          for (let b = 0; b < H; b++) {
            const i = a * H + b;
            const got = [bits[2 * i] & 0xffff, bits[2 * i] >>> 16, bits[2 * i + 1] & 0xffff, bits[2 * i + 1] >>> 16].map(halfValue);
            want(a, b).forEach((w, j) => expect(Math.abs(got[j] - w), `${pass} [${a}][${b}] value ${j}: ${got[j]} for ${w}`).toBeLessThan(halfUlp(w)));
          }
        }
      }
    });
  }
});
