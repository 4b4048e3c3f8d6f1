import { describe, expect, it } from 'vitest';
import { lstm_backward, lstm_forward } from '../../src/cpu/lstm.js';
import type { RecurrentActivation } from '../../src/model.js';
import { matmul_backward, matmul_forward } from '../../src/cpu/matmul.js';
import { kernelCandidates } from '../../src/gpu/kernelChoice.js';
import { lstmBackward, lstmBackwardSteps, lstmForward, lstmForwardSteps, wideTiling } from '../../src/gpu/lstm.js';
import { lstmBackwardNarrow, lstmForwardNarrow, narrowEligible } from '../../src/gpu/lstmNarrow.js';
import { matmulNarrowTN } from '../../src/gpu/matmulNarrow.js';
import { unitRowTexture } from '../../src/gpu/unitRowTexture.js';
import { requireGpu } from '../helpers/gpu.js';
import { buffer, expectClose, randn, read, run } from './validate.js';

// Each recurrent kernel variant alone (lstm_forward*.wgsl, lstm_backward*.wgsl) against lstm_forward / lstm_backward
// of src/cpu/lstm.ts, on shapes where H is odd (lanes own padding units) or a multiple of 4, B and T small and uneven.
// The gates' activation is a pipeline constant of every variant: TF.js's hard sigmoid too (saturated and not).
const shapes: { H: number; B: number; T: number; I: number; gate: RecurrentActivation }[] = [
  { H: 5, B: 3, T: 4, I: 3, gate: 'sigmoid' },
  { H: 8, B: 5, T: 3, I: 2, gate: 'sigmoid' },
  { H: 5, B: 3, T: 4, I: 3, gate: 'hard_sigmoid' },
];

/** A layer's weights in one flat buffer as the engine lays them out (W_x, W_h, b) and the CPU's forward pass. */
function layer({ H, B, T, I, gate }: (typeof shapes)[number], seed: number) {
  const G = 4 * H;
  const wx = randn(I * G, seed, 0.5), wh = randn(H * G, seed + 1, 0.5), bias = randn(G, seed + 2, 0.5);
  const x = randn(T * B * I, seed + 3);
  const offsets = { kernel: 1, recurrent: 1 + I * G, bias: 1 + I * G + H * G };
  const params = Float32Array.from([0, ...wx, ...wh, ...bias]);
  const xproj = new Float64Array(T * B * G);
  matmul_forward(xproj, x, wx, bias, T * B, I, G);
  const gates = new Float64Array(T * B * G), hseq = new Float64Array(T * B * H), cseq = new Float64Array(T * B * H);
  lstm_forward(hseq, cseq, gates, xproj, wh, T, B, H, gate);
  return { wh, x, offsets, params, xproj, gates, hseq, cseq };
}

describe('recurrent kernels alone vs src/cpu/lstm.ts', () => {
  for (const shape of shapes) {
    const { H, B, T, I, gate } = shape;
    const G = 4 * H;
    const name = `H=${H} B=${B} T=${T} I=${I} ${gate}`;

    for (const variant of ['wide', 'stepwise'] as const) {
      it(`lstm_forward, lstm_backward [${variant}]: ${name}`, async () => {
        const ctx = await requireGpu();
        const L = layer(shape, 10);
        const params = buffer(ctx, L.params);
        const gates = buffer(ctx, L.xproj), hseq = buffer(ctx, T * B * H), cseq = buffer(ctx, T * B * H);
        const fwd = { T, B, H, gate, params, whOffset: L.offsets.recurrent, gates, hseq, cseq };
        await run(ctx, variant === 'wide' ? [lstmForward(ctx, 'forward', fwd, wideTiling(ctx, H))] : lstmForwardSteps(ctx, 'forward', fwd));
        expectClose(await read(ctx, gates, T * B * G), L.gates, 'gate activations');
        expectClose(await read(ctx, hseq, T * B * H), L.hseq, 'hseq');
        expectClose(await read(ctx, cseq, T * B * H), L.cseq, 'cseq');

        for (const lastStepOnly of [true, false]) {
          const above = randn(lastStepOnly ? B * H : T * B * H, 20);
          const want = new Float64Array(T * B * G);
          lstm_backward(want, Float64Array.from(above), lastStepOnly, L.gates, L.cseq, L.wh, T, B, H, gate);
          const dG = buffer(ctx, T * B * G);
          // The backward kernels read the CPU's activations: this checks them alone.
          const bwd = { T, B, H, gate, params, whOffset: L.offsets.recurrent, gates: buffer(ctx, L.gates), cseq: buffer(ctx, L.cseq), dhAbove: buffer(ctx, above), lastStepOnly, dG };
          await run(ctx, variant === 'wide' ? [lstmBackward(ctx, 'backward', bwd, wideTiling(ctx, H))] : lstmBackwardSteps(ctx, 'backward', { ...bwd, dcState: buffer(ctx, B * H) }));
          expectClose(await read(ctx, dG, T * B * G), want, `dG (lastStepOnly ${lastStepOnly})`, { atol: 1e-5, rtol: 1e-3 });
        }
      });
    }

    it(`lstm_forward_narrow, lstm_backward_narrow, and matmul_narrow from dG's texture: ${name}`, async () => {
      const ctx = await requireGpu();
      if (!narrowEligible(ctx, H, T * B)) {
        // Not a skip: where the narrow kernels cannot run, asking for them must say so.
        const config = { inputSize: I, hiddenSize: H, layers: 1, outputs: 1, loss: 'mse' as const };
        expect(() => kernelCandidates(ctx, config, T * B, { recurrent: 'narrow', gradients: 'narrow' })).toThrow(/narrow recurrent kernels need/);
        return;
      }
      const L = layer(shape, 30);
      const params = buffer(ctx, L.params);
      const gatesTexture = unitRowTexture(ctx, 'gates', T * B, H), dGTexture = unitRowTexture(ctx, 'dG', T * B, H);
      const hseq = buffer(ctx, T * B * H), cseq = buffer(ctx, T * B * H);
      await run(ctx, [
        lstmForwardNarrow(ctx, 'forward', {
          T, B, H, I, gate, params, kernelOffset: L.offsets.kernel, recurrentOffset: L.offsets.recurrent, biasOffset: L.offsets.bias,
          x: buffer(ctx, L.x), gates: gatesTexture, hseq, cseq,
        }),
      ]);
      expectClose(await read(ctx, hseq, T * B * H), L.hseq, 'hseq');
      expectClose(await read(ctx, cseq, T * B * H), L.cseq, 'cseq');

      for (const lastStepOnly of [true, false]) {
        const above = randn(lastStepOnly ? B * H : T * B * H, 40);
        const want = new Float64Array(T * B * G);
        lstm_backward(want, Float64Array.from(above), lastStepOnly, L.gates, L.cseq, L.wh, T, B, H, gate);
        const dG = buffer(ctx, T * B * G);
        // The gate activations come from the narrow forward's texture (a texture cannot be written from the host).
        await run(ctx, [
          lstmBackwardNarrow(ctx, 'backward', { T, B, H, gate, params, recurrentOffset: L.offsets.recurrent, gates: gatesTexture, cseq: buffer(ctx, L.cseq), dhAbove: buffer(ctx, above), lastStepOnly, dG, dGTexture }),
        ]);
        expectClose(await read(ctx, dG, T * B * G), want, `dG (lastStepOnly ${lastStepOnly})`, { atol: 1e-5, rtol: 1e-3 });

        // dW_h = h_{t-1}ᵀ · dG_t with dG from the texture, rows t >= 1 (from row B on), as the engine runs it.
        const dWh = new Float64Array(H * G);
        matmul_backward(null, dWh, null, want.subarray(B * G), L.hseq, L.wh, (T - 1) * B, H, G);
        const c = buffer(ctx, H * G);
        await run(ctx, [matmulNarrowTN(ctx, 'dW_h', { M: H, N: G, R: (T - 1) * B, a: buffer(ctx, L.hseq), b: dGTexture, bOffset: B, c, cOffset: 0 })]);
        expectClose(await read(ctx, c, H * G), dWh, `dW_h from dG's texture (lastStepOnly ${lastStepOnly})`, { atol: 1e-5, rtol: 1e-3 });
      }
    });
  }
});
