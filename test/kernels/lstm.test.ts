import { describe, expect, it } from 'vitest';
import { matmul_backward } from '../../src/cpu/matmul.js';
import { kernelCandidates } from '../../src/gpu/kernelChoice.js';
import { halfWeightsFloats, packHalfWeights } from '../../src/gpu/halfWeights.js';
import { lstmBackward, lstmBackwardSteps, lstmForward, lstmForwardSteps, wideTiling } from '../../src/gpu/lstm.js';
import { lstmBackwardNarrow, lstmForwardNarrow, narrowEligible } from '../../src/gpu/lstmNarrow.js';
import { matmulNarrowTN } from '../../src/gpu/matmulNarrow.js';
import { transpose } from '../../src/gpu/transpose.js';
import { unitRowTexture } from '../../src/gpu/unitRowTexture.js';
import { requireGpu } from '../helpers/gpu.js';
import { referenceBackwardCases, referenceLayer, type LayerShape } from './lstmReference.js';
import { buffer, expectClose, read, run } from './validate.js';

// Each recurrent kernel variant alone (lstm_forward*.wgsl, lstm_backward*.wgsl) against lstm_forward / lstm_backward
// of src/cpu/lstm.ts, on shapes where H is odd (lanes own padding units) or a multiple of 4, B and T small and uneven.
// The gates' activation is a pipeline constant of every variant: TF.js's hard sigmoid too (saturated and not).
const shapes: LayerShape[] = [
  { H: 5, B: 3, T: 4, I: 3, gate: 'sigmoid' },
  { H: 8, B: 5, T: 3, I: 2, gate: 'sigmoid' },
  { H: 5, B: 3, T: 4, I: 3, gate: 'hard_sigmoid' },
];

describe('recurrent kernels alone vs src/cpu/lstm.ts', () => {
  it('the wide tiling gives every unit of a slice its own lane as far as the adapter allows', async () => {
    const ctx = await requireGpu();
    const { maxComputeInvocationsPerWorkgroup: most } = ctx.device.limits;
    for (const H of [5, 64, 300, 1000]) {
      const { rows, lanes, rowsPerLane } = wideTiling(ctx, H, 2);
      expect(lanes, `H=${H}`).toBeLessThanOrEqual(most);
      expect(lanes, `H=${H}`).toBeGreaterThanOrEqual(Math.min(most, (rows / rowsPerLane) * H));
    }
  });

  it('the autotuner offers W_h f16-packed on GPUs beside 4 rows a lane (not on a fallback adapter), never with the narrow kernels', async () => {
    const ctx = await requireGpu();
    const config = { inputSize: 2, hiddenSize: 8, layers: 1, outputs: 1, loss: 'mse' as const };
    const onGpu = kernelCandidates({ ...ctx, isFallback: false }, config, 15);
    expect(onGpu).toContainEqual({ recurrent: 'wide', gradients: 'wide', rowsPerLane: 4, recurrentWeights: 'f16-packed' });
    expect(onGpu).toContainEqual({ recurrent: 'wide', gradients: 'wide', rowsPerLane: 4 });
    expect(kernelCandidates({ ...ctx, isFallback: true }, config, 15).some((c) => c.recurrentWeights)).toBe(false);
    expect(() => kernelCandidates(ctx, config, 15, { recurrent: 'narrow', gradients: 'narrow', recurrentWeights: 'f16-packed' })).toThrow(/f16-packed.*wide or stepwise/);
  });

  for (const shape of shapes) {
    const { H, B, T, I, gate } = shape;
    const G = 4 * H;
    const name = `H=${H} B=${B} T=${T} I=${I} ${gate}`;

    // rowsPerLane 3: B = 5 leaves a slice with a row past the batch. half: W_h read from its packed f16 copies, against
    // the CPU on W_h rounded to binary16 (the conversion may round either way: the tolerances cover one step).
    for (const [variant, R, half] of [['wide', 1, false], ['stepwise', 1, false], ['wide', 3, false], ['stepwise', 3, false], ['wide', 1, true], ['stepwise', 3, true]] as const) {
      it(`lstm_forward, lstm_backward [${variant}, ${R} rows a lane${half ? ', W_h f16-packed' : ''}]: ${name}`, async () => {
        const ctx = await requireGpu();
        const L = referenceLayer(shape, 10, half);
        const params = buffer(ctx, L.params);
        const gates = buffer(ctx, L.xproj), hseq = buffer(ctx, T * B * H), cseq = buffer(ctx, T * B * H);
        const whHalf = half ? buffer(ctx, halfWeightsFloats(H)) : undefined;
        const fwd = { T, B, H, gate, params, whOffset: L.offsets.recurrent, whHalf, gates, hseq, cseq };
        await run(ctx, [
          ...(whHalf ? [packHalfWeights(ctx, 'W_h f16', 'forward', { H, params, whOffset: L.offsets.recurrent, dst: whHalf })] : []),
          ...(variant === 'wide' ? [lstmForward(ctx, 'forward', fwd, wideTiling(ctx, H, R))] : lstmForwardSteps(ctx, 'forward', fwd, R)),
        ]);
        expectClose(await read(ctx, gates, T * B * G), L.gates, 'gate activations');
        expectClose(await read(ctx, hseq, T * B * H), L.hseq, 'hseq');
        expectClose(await read(ctx, cseq, T * B * H), L.cseq, 'cseq');

        for (const { lastStepOnly, above, dG: want } of referenceBackwardCases(shape, L, 20)) {
          const dG = buffer(ctx, T * B * G);
          // The backward kernels read the CPU's activations: this checks them alone, with W_hᵀ made as the engine makes it.
          const whT = buffer(ctx, G * H);
          const bwd = { T, B, H, gate, whT, half, gates: buffer(ctx, L.gates), cseq: buffer(ctx, L.cseq), dhAbove: buffer(ctx, above), lastStepOnly, dG };
          await run(ctx, [
            half
              ? packHalfWeights(ctx, 'W_hᵀ f16', 'backward', { H, params, whOffset: L.offsets.recurrent, dst: whT })
              : transpose(ctx, 'W_hᵀ', { M: H, N: G, src: params, srcOffset: L.offsets.recurrent, dst: whT }),
            ...(variant === 'wide' ? [lstmBackward(ctx, 'backward', bwd, wideTiling(ctx, H, R))] : lstmBackwardSteps(ctx, 'backward', { ...bwd, dcState: buffer(ctx, B * H) }, R)),
          ]);
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
      const L = referenceLayer(shape, 30);
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

      for (const { lastStepOnly, above, dG: want } of referenceBackwardCases(shape, L, 40)) {
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
