import { describe, it } from 'vitest';
import { adam_update, grad_norm } from '../../src/cpu/adam.js';
import { loss_backward, loss_forward } from '../../src/cpu/loss.js';
import { matmul_backward, matmul_forward } from '../../src/cpu/matmul.js';
import type { StepHyper } from '../../src/engine.js';
import { adam, NORM_PARTIALS } from '../../src/gpu/adam.js';
import { denseLoss, headOutFloats } from '../../src/gpu/denseLoss.js';
import type { LossKind } from '../../src/model.js';
import { requireGpu } from '../helpers/gpu.js';
import { buffer, expectClose, randn, read, run } from './validate.js';

// dense_loss.wgsl and adam.wgsl alone against their CPU twins: matmul_forward / matmul_backward with loss_forward /
// loss_backward, and adam_update.
describe('dense_loss.wgsl alone vs src/cpu/matmul.ts + src/cpu/loss.ts', () => {
  // The second shape has more rows than a workgroup's lanes, and more elements of dh (B·H = 21000) than the 256
  // workgroups' lanes, so lanes walk several.
  const shapes = [{ B: 3, valid: 2, H: 5, O: 2, T: 2 }, { B: 70, valid: 67, H: 300, O: 2, T: 3 }];
  for (const [loss, { B, valid, H, O, T }] of (['mse', 'qlike', 'student-t'] as LossKind[]).flatMap((l) => shapes.map((s) => [l, s] as const))) {
    it(`${loss}: B=${B} with ${valid} valid rows, H=${H}, O=${O}, T=${T}`, async () => {
      const ctx = await requireGpu();
      const wd = randn(H * O, 1, 1 / Math.sqrt(H)), bd = randn(O, 2), hseq = randn(T * B * H, 3, 0.5);
      const Y = loss === 'student-t' ? 1 : O; // targets per row
      const y = loss === 'qlike' ? randn(B * Y, 4).map((v) => 0.2 + Math.abs(v)) : randn(B * Y, 4);
      const wOffset = 3, bOffset = 3 + H * O;
      const params = buffer(ctx, [0, 0, 0, ...wd, ...bd]);
      const out = buffer(ctx, headOutFloats(B, O)), grads = buffer(ctx, bOffset + O), dh = buffer(ctx, B * H), lossLog = buffer(ctx, 4);
      const head = await denseLoss(ctx, { B, H, O, T, loss, params, wOffset, bOffset, hseq: buffer(ctx, hseq), y: buffer(ctx, y), out, grads, dh, lossLog });
      head.setStep(valid, 2, 'train');
      await run(ctx, [...head.dispatches]);

      const hLast = hseq.subarray((T - 1) * B * H);
      const wantOut = new Float64Array(B * O);
      matmul_forward(wantOut, hLast, wd, bd, B, H, O);
      const dout = new Float64Array(B * O); // padding rows: dout = 0
      loss_backward(dout, wantOut, y, valid, O, loss);
      const wantDh = new Float64Array(B * H), dW = new Float64Array(H * O), db = new Float64Array(O);
      matmul_backward(wantDh, dW, db, dout, hLast, wd, B, H, O);
      expectClose(await read(ctx, out, B * O), wantOut, 'outputs');
      expectClose(await read(ctx, out, B * O, B * O), dout, 'dout');
      expectClose(await read(ctx, lossLog, 1, 2), [loss_forward(wantOut, y, valid, O, loss)], 'loss in its slot');
      expectClose(await read(ctx, grads, H * O, wOffset), dW, 'dW_d');
      expectClose(await read(ctx, grads, O, bOffset), db, 'db_d');
      expectClose(await read(ctx, dh, B * H), wantDh, 'dh');

      // SEED (input gradients): dout = 1 at output 1 of every valid row, dh = dout·W_dᵀ, no loss and no dW_d.
      head.setStep(valid, 2, 'seed', 1);
      await run(ctx, [...head.dispatches]);
      const seeded = new Float64Array(B * O);
      for (let b = 0; b < valid; b++) seeded[b * O + 1] = 1;
      const seededDh = new Float64Array(B * H);
      matmul_backward(seededDh, null, null, seeded, hLast, wd, B, H, O);
      expectClose(await read(ctx, out, B * O, B * O), seeded, 'seeded dout');
      expectClose(await read(ctx, dh, B * H), seededDh, 'seeded dh');
      expectClose(await read(ctx, grads, H * O, wOffset), dW, 'dW_d untouched');
    });
  }
});

describe('adam.wgsl alone vs src/cpu/adam.ts', () => {
  // 5000 parameters: the norm's partial sums come from 5 workgroups.
  for (const [n, clipNorm] of [[1000, 0], [1000, 0.5], [5000, 0.5]]) {
    it(`3 steps over ${n} parameters, clipNorm ${clipNorm}, weight decay`, async () => {
      const ctx = await requireGpu();
      const want = randn(n, 5), m = new Float32Array(n), v = new Float32Array(n);
      const bufs = { params: buffer(ctx, want), grads: buffer(ctx, n), m: buffer(ctx, n), v: buffer(ctx, n), norm: buffer(ctx, 1), partials: buffer(ctx, NORM_PARTIALS) };
      const optimizer = await adam(ctx, { n, ...bufs });
      for (let t = 1; t <= 3; t++) {
        const grads = randn(n, 10 + t, 0.1);
        const hp: StepHyper = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.01, clipNorm, t };
        ctx.device.queue.writeBuffer(bufs.grads, 0, grads);
        optimizer.setHyper(hp);
        await run(ctx, optimizer.dispatches);
        expectClose(await read(ctx, bufs.norm, 1), [grad_norm(grads)], `gradient norm at step ${t}`, { atol: 0, rtol: 1e-5 });
        adam_update(want, grads, m, v, hp);
      }
      expectClose(await read(ctx, bufs.params, n), want, 'params', { atol: 1e-6, rtol: 1e-5 });
      expectClose(await read(ctx, bufs.m, n), m, 'm', { atol: 1e-7, rtol: 1e-4 });
      expectClose(await read(ctx, bufs.v, n), v, 'v', { atol: 1e-9, rtol: 1e-4 });
    });
  }
});
