import { describe, expect, it } from 'vitest';
import { matmul_backward, matmul_forward } from '../../src/cpu/matmul.js';
import { subgroupsOf4 } from '../../src/gpu/device.js';
import { kernelCandidates } from '../../src/gpu/kernelChoice.js';
import { colsum, matmul } from '../../src/gpu/matmul.js';
import { matmulNarrowTN } from '../../src/gpu/matmulNarrow.js';
import { requireGpu } from '../helpers/gpu.js';
import { buffer, expectClose, randn, read, run } from './validate.js';

// matmul.wgsl (wide) and matmul_narrow.wgsl, each alone, against matmul_forward / matmul_backward (src/cpu/matmul.ts)
// on shapes that fill no tile: offsets into shared buffers as the engine uses them.
const shapes = [
  { M: 5, N: 70, K: 3 },
  { M: 67, N: 9, K: 33 },
];
const at = 3; // every operand starts 3 floats into its buffer
const padded = (v: Float32Array) => Float32Array.from([...new Float32Array(at), ...v]);

describe('matmul.wgsl (wide) alone vs src/cpu/matmul.ts', () => {
  for (const { M, N, K } of shapes) {
    it(`C = A·B + bias, Aᵀ·B, A·Bᵀ, C += A·B, column sums: M=${M} N=${N} K=${K}`, async () => {
      const ctx = await requireGpu();
      const A = randn(M * K, 1), B = randn(K * N, 2), bias = randn(N, 3), C0 = randn(M * N, 4);
      const a = buffer(ctx, padded(A)), c = buffer(ctx, M * N + at);
      // B and its bias in one buffer, as W_x and b sit in the flat params buffer
      const b = buffer(ctx, [...padded(B), ...bias]);
      const want = new Float64Array(M * N);
      matmul_forward(want, A, B, bias, M, K, N);
      await run(ctx, [matmul(ctx, 'plain', { M, N, K, a, aOffset: at, b, bOffset: at, biasOffset: at + K * N, c, cOffset: at })]);
      expectClose(await read(ctx, c, M * N, at), want, 'A·B + bias');

      // Aᵀ·B with A stored [K, M]: the weight-gradient shape
      const At = randn(K * M, 5), transA = new Float64Array(M * N);
      matmul_backward(null, transA, null, Float64Array.from(B), At, B, K, M, N);
      await run(ctx, [matmul(ctx, 'transA', { M, N, K, a: buffer(ctx, padded(At)), aOffset: at, transA: true, b, bOffset: at, c, cOffset: at })]);
      expectClose(await read(ctx, c, M * N, at), transA, 'Aᵀ·B');

      // A·Bᵀ with B stored [N, K]: dX = dG·W_xᵀ
      const Bt = randn(N * K, 6), transB = new Float64Array(M * N);
      matmul_backward(transB, null, null, Float64Array.from(A), A, Bt, M, N, K);
      await run(ctx, [matmul(ctx, 'transB', { M, N, K, a, aOffset: at, b: buffer(ctx, padded(Bt)), bOffset: at, transB: true, c, cOffset: at })]);
      expectClose(await read(ctx, c, M * N, at), transB, 'A·Bᵀ');

      const accumulated = buffer(ctx, padded(C0));
      await run(ctx, [matmul(ctx, 'accumulate', { M, N, K, a, aOffset: at, b, bOffset: at, c: accumulated, cOffset: at, accumulate: true })]);
      const wantAcc = new Float64Array(M * N);
      matmul_forward(wantAcc, A, B, null, M, K, N);
      expectClose(await read(ctx, accumulated, M * N, at), wantAcc.map((v, i) => v + C0[i]), 'C += A·B');

      // colsum: the bias gradient Σ_r C0[r, :]
      const sums = new Float64Array(N);
      matmul_backward(null, null, sums, Float64Array.from(C0), C0, C0, M, 1, N);
      await run(ctx, [colsum(ctx, 'colsum', { M, N, a: buffer(ctx, padded(C0)), aOffset: at, c, cOffset: at })]);
      expectClose(await read(ctx, c, N, at), sums, 'colsum');
    });
  }
});

describe('matmul_narrow.wgsl alone vs src/cpu/matmul.ts (B from a buffer; from a texture in lstm.test.ts)', () => {
  const narrowShapes = [
    { M: 5, N: 70, R: 11, ones: true }, // a partial block row, the row of ones in it; N not a multiple of 64
    { M: 33, N: 64, R: 9, ones: true }, // two block rows, the row of ones in the second
    { M: 32, N: 24, R: 17, ones: false }, // a whole block row: no select on A
  ];
  for (const { M, N, R, ones } of narrowShapes) {
    it(`C = Aᵀ·B${ones ? ' and Σ_r B' : ''}: M=${M} N=${N} R=${R}`, async () => {
      const ctx = await requireGpu();
      if (!subgroupsOf4(ctx)) {
        // Not a skip: where the narrow GEMM cannot run, asking for it must say so.
        expect(() => kernelCandidates(ctx, { inputSize: 1, hiddenSize: 4, layers: 1, outputs: 1, loss: 'mse' }, 1, { recurrent: 'wide', gradients: 'narrow' })).toThrow(/subgroups/);
        return;
      }
      const A = randn(R * M, 7), B = randn(R * N, 8);
      const c = buffer(ctx, at + M * N + N);
      const want = new Float64Array(M * N), wantSums = new Float64Array(N);
      matmul_backward(null, want, wantSums, Float64Array.from(B), A, B, R, M, N);
      await run(ctx, [matmulNarrowTN(ctx, 'narrow', { M, N, R, a: buffer(ctx, padded(A)), aOffset: at, b: buffer(ctx, padded(B)), bOffset: at, c, cOffset: at, onesOffset: ones ? at + M * N : undefined })]);
      expectClose(await read(ctx, c, M * N, at), want, 'Aᵀ·B');
      if (ones) expectClose(await read(ctx, c, N, at + M * N), wantSums, 'Σ_r B (the row of ones)');
    });
  }
});
