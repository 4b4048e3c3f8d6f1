import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.js';
import { kernelCandidates } from '../../src/gpu/kernelChoice.js';
import { narrowEligible } from '../../src/gpu/lstmNarrow.js';
import { lstmBackwardPersistent, lstmForwardPersistent, PERSISTENT_MAX_HIDDEN, persistentTiling, type Reduction } from '../../src/gpu/lstmPersistent.js';
import { requireGpu } from '../helpers/gpu.js';
import { referenceBackwardCases, referenceLayer, type LayerShape } from './lstmReference.js';
import { buffer, expectClose, read, run } from './validate.js';

// lstm_persistent.wgsl (W_h held in registers, the sums split over S lanes of a unit) in both reductions against
// lstm_forward / lstm_backward of src/cpu/lstm.ts. H odd (a lane's slice runs past H) or a multiple of the split,
// B and T small and uneven; 3 rows a workgroup with B = 5 leaves a row past the batch.
const shapes: (LayerShape & { rows: number })[] = [
  { H: 5, B: 3, T: 4, I: 3, gate: 'sigmoid', rows: 1 },
  { H: 8, B: 5, T: 3, I: 2, gate: 'sigmoid', rows: 3 },
  { H: 5, B: 3, T: 4, I: 3, gate: 'hard_sigmoid', rows: 1 },
  { H: 33, B: 2, T: 3, I: 2, gate: 'sigmoid', rows: 1 },
  { H: 64, B: 2, T: 3, I: 2, gate: 'sigmoid', rows: 1 },
];

/** The tiling a test needs, with a failure rather than a skip where the adapter refuses it. */
function tilingFor(ctx: GpuContext, H: number, reduction: Reduction, rows: number) {
  const tiling = persistentTiling(ctx, H, reduction, rows);
  if (!tiling) expect.fail(`no persistent ${reduction} tiling for H=${H} on ${ctx.adapterName}`);
  return tiling;
}

describe('lstm_persistent alone vs src/cpu/lstm.ts', () => {
  it('splits W_h over at most the adapter\'s lanes, a power of two within the subgroup, only for H <= 128', async () => {
    const ctx = await requireGpu();
    const { maxComputeInvocationsPerWorkgroup: most } = ctx.device.limits;
    for (const reduction of ['subgroup', 'workgroup'] as const) {
      for (const H of [1, 5, 64, 100, PERSISTENT_MAX_HIDDEN]) {
        const t = persistentTiling(ctx, H, reduction);
        if (reduction === 'subgroup' && !ctx.hasSubgroups) {
          expect(t).toBeNull();
          continue;
        }
        if (!t) expect.fail(`no ${reduction} tiling for H=${H}`);
        expect(t.lanes).toBe(H * t.split);
        expect(t.lanes).toBeLessThanOrEqual(most);
        expect(t.split & (t.split - 1), `split ${t.split} a power of two`).toBe(0);
        expect(t.slice * t.split).toBeGreaterThanOrEqual(H);
        if (reduction === 'subgroup') expect(t.split).toBeLessThanOrEqual(ctx.subgroupMinSize);
      }
      expect(persistentTiling(ctx, PERSISTENT_MAX_HIDDEN + 1, reduction)).toBeNull();
    }
  });

  it('is offered for H <= 128 (on a fallback adapter only where the narrow kernels cannot run), refused when forced past it', async () => {
    const ctx = await requireGpu();
    const offered = (H: number) => kernelCandidates(ctx, { inputSize: 2, hiddenSize: H, layers: 1, outputs: 1, loss: 'mse' }, 64).some((c) => c.recurrent === 'persistent');
    expect(offered(100)).toBe(true);
    expect(offered(200)).toBe(false);
    expect(offered(64)).toBe(!ctx.isFallback || !narrowEligible(ctx, 64, 64));
    const config = { inputSize: 2, hiddenSize: 200, layers: 1, outputs: 1, loss: 'mse' as const };
    expect(() => kernelCandidates(ctx, config, 64, { recurrent: 'persistent', gradients: 'wide' })).toThrow(/persistent recurrent kernels need hidden size <= 128/);
    expect(() => kernelCandidates(ctx, { ...config, hiddenSize: 8 }, 64, { recurrent: 'wide', gradients: 'wide', reduction: 'workgroup' })).toThrow(/for the persistent recurrent kernels only/);
  });

  for (const shape of shapes) {
    const { H, B, T, gate, rows } = shape;
    const G = 4 * H;
    for (const reduction of ['subgroup', 'workgroup'] as const) {
      it(`forward and backward [${reduction} reduction, ${rows} rows a workgroup]: H=${H} B=${B} T=${T} ${gate}`, async () => {
        const ctx = await requireGpu();
        if (reduction === 'subgroup' && !ctx.hasSubgroups) {
          // Not a skip: without subgroups the subgroup reduction is refused.
          expect(persistentTiling(ctx, H, reduction, rows)).toBeNull();
          return;
        }
        const tiling = tilingFor(ctx, H, reduction, rows);
        const L = referenceLayer(shape, 10);
        const params = buffer(ctx, L.params), whOffset = L.offsets.recurrent; // W_h inside the flat layout, as in the engine
        const gates = buffer(ctx, L.xproj), hseq = buffer(ctx, T * B * H), cseq = buffer(ctx, T * B * H);
        await run(ctx, [lstmForwardPersistent(ctx, 'forward', { T, B, H, gate, params, whOffset, gates, hseq, cseq }, tiling)]);
        expectClose(await read(ctx, gates, T * B * G), L.gates, 'gate activations');
        expectClose(await read(ctx, hseq, T * B * H), L.hseq, 'hseq');
        expectClose(await read(ctx, cseq, T * B * H), L.cseq, 'cseq');

        for (const { lastStepOnly, above, dG: dGWant } of referenceBackwardCases(shape, L, 20)) {
          const dG = buffer(ctx, T * B * G);
          // The backward kernel reads the CPU's activations: this checks it alone.
          const bwd = { T, B, H, gate, params, whOffset, gates: buffer(ctx, L.gates), cseq: buffer(ctx, L.cseq), dhAbove: buffer(ctx, above), lastStepOnly, dG };
          await run(ctx, [lstmBackwardPersistent(ctx, 'backward', bwd, tiling)]);
          expectClose(await read(ctx, dG, T * B * G), dGWant, `dG (lastStepOnly ${lastStepOnly})`, { atol: 1e-5, rtol: 1e-3 });
        }
      });
    }
  }
});
