import { describe, it } from 'vitest';
import { transpose } from '../../src/gpu/transpose.js';
import { requireGpu } from '../helpers/gpu.js';
import { buffer, expectClose, randn, read, run } from './validate.js';

// transpose.wgsl against a plain transpose, on shapes with partial 16x16 tiles and an offset into the source.
describe('transpose alone', () => {
  for (const { M, N, offset } of [{ M: 5, N: 20, offset: 3 }, { M: 33, N: 132, offset: 0 }]) {
    it(`(${M},${N}) from element ${offset}`, async () => {
      const ctx = await requireGpu();
      const src = randn(offset + M * N, 1);
      const want = new Float64Array(N * M);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) want[n * M + m] = src[offset + m * N + n];
      const dst = buffer(ctx, N * M);
      await run(ctx, [transpose(ctx, 'transpose', { M, N, src: buffer(ctx, src), srcOffset: offset, dst })]);
      expectClose(await read(ctx, dst, N * M), want, 'transposed', { atol: 0, rtol: 0 });
    });
  }
});
