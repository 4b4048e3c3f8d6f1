import { describe, expect, it } from 'vitest';
import { openSession } from '../src/backend.js';
import { narrowEligible } from '../src/gpu/lstmNarrow.js';
import { PERSISTENT_MAX_HIDDEN } from '../src/gpu/lstmPersistent.js';
import type { KernelChoice } from '../src/engine.js';
import { createModel, paramLayout, targetsPerWindow, type ModelConfig } from '../src/model.js';
import { Rng } from '../src/rng.js';
import { requireGpu } from './helpers/gpu.js';
import { relErr } from './helpers/compare.js';
import { toHalf } from './kernels/validate.js';

// Every kernel against the CPU reference on the same weights and batch: outputs within 1e-4, every gradient
// tensor within 1e-3 (relative, ‖a−b‖/‖b‖).
const cases: { name: string; config: ModelConfig; B: number; T: number }[] = [
  { name: 'B=1 T=1 I=1', config: { inputSize: 1, hiddenSize: 8, layers: 1, outputs: 1, loss: 'mse' }, B: 1, T: 1 },
  { name: 'H=7 odd, B=5', config: { inputSize: 3, hiddenSize: 7, layers: 1, outputs: 1, loss: 'mse' }, B: 5, T: 6 },
  { name: 'H=64 qlike', config: { inputSize: 8, hiddenSize: 64, layers: 1, outputs: 1, loss: 'qlike' }, B: 9, T: 12 },
  { name: 'H=128 2 outputs', config: { inputSize: 5, hiddenSize: 128, layers: 1, outputs: 2, loss: 'mse' }, B: 3, T: 5 },
  { name: 'H=256', config: { inputSize: 4, hiddenSize: 256, layers: 1, outputs: 1, loss: 'mse' }, B: 2, T: 4 },
  { name: '2 layers H=33', config: { inputSize: 4, hiddenSize: 33, layers: 2, outputs: 1, loss: 'mse' }, B: 7, T: 9 },
  { name: 'I=32 (narrow db by colsum, not in the GEMM)', config: { inputSize: 32, hiddenSize: 12, layers: 1, outputs: 1, loss: 'mse' }, B: 4, T: 3 },
  { name: 'I=40 (narrow dW_x in two block rows, db in the second)', config: { inputSize: 40, hiddenSize: 12, layers: 1, outputs: 1, loss: 'mse' }, B: 3, T: 4 },
  { name: 'student-t, 2 layers H=16', config: { inputSize: 3, hiddenSize: 16, layers: 2, outputs: 2, loss: 'student-t' }, B: 6, T: 5 },
  { name: '3 layers of sizes 12, 6, 9', config: { inputSize: 3, hiddenSize: [12, 6, 9], layers: 3, outputs: 2, loss: 'mse' }, B: 5, T: 4 },
  { name: '2 layers H=9 hard_sigmoid (TF.js)', config: { inputSize: 3, hiddenSize: 9, layers: 2, outputs: 1, loss: 'mse', recurrentActivation: 'hard_sigmoid' }, B: 5, T: 6 },
  { name: '3 layers H=20 B=67', config: { inputSize: 2, hiddenSize: 20, layers: 3, outputs: 1, loss: 'qlike' }, B: 67, T: 5 },
  // More T·B rows than a texture is tall (8192 at the default limits): the narrow dG texture wraps into 2 layers.
  { name: 'T·B = 9000 rows', config: { inputSize: 2, hiddenSize: 8, layers: 1, outputs: 1, loss: 'mse' }, B: 1000, T: 9 },
];

// Every kernel variant is checked on every run; the narrow ones where the adapter and the shape allow them.
const choices: KernelChoice[] = [
  { recurrent: 'wide', gradients: 'wide' },
  { recurrent: 'narrow', gradients: 'narrow' },
  { recurrent: 'stepwise', gradients: 'wide' },
];

// Several batch rows a lane (the autotuner offers them on GPUs only), on shapes where B leaves a partial slice of rows.
const multiRow: KernelChoice[] = [
  { recurrent: 'wide', gradients: 'wide', rowsPerLane: 4 },
  { recurrent: 'stepwise', gradients: 'wide', rowsPerLane: 4 },
];
const multiRowCases = new Set(['H=7 odd, B=5', 'H=64 qlike', '3 layers of sizes 12, 6, 9', '3 layers H=20 B=67']);

// W_h read from packed f16 copies (offered on GPUs): checked against the reference run on W_h rounded to binary16,
// within the f32 kernels' tolerances, and against the reference on the f32 weights within outputs 1e-3, gradients
// 1e-2 relative: half-precision weights (11 significant bits, 2^-11 ≈ 4.9e-4 relative a weight) allow that much;
// these shapes stayed within 1e-4 of it.
const halfWeights: KernelChoice[] = [
  { recurrent: 'wide', gradients: 'wide', recurrentWeights: 'f16-packed' },
  { recurrent: 'stepwise', gradients: 'wide', rowsPerLane: 4, recurrentWeights: 'f16-packed' },
];
const halfWeightsCases = new Set(['H=64 qlike', 'H=128 2 outputs', 'student-t, 2 layers H=16', '3 layers H=20 B=67']);

/** The parameters with every layer's W_h rounded to binary16, as the packed-f16 kernels read them. */
function withHalfRecurrentWeights(config: ModelConfig, params: Float32Array): Float32Array {
  const rounded = params.slice();
  for (const { recurrentKernel: w } of paramLayout(config).layers) rounded.set(toHalf(params.subarray(w.offset, w.offset + w.size)), w.offset);
  return rounded;
}

// W_h held in registers (offered on GPUs for H <= 128), refused at H = 256; the workgroup-memory reduction (slow to
// compile on SwiftShader, each reduction alone in test/kernels/lstm-persistent.test.ts) on a few shapes.
const persistent: KernelChoice = { recurrent: 'persistent', gradients: 'wide' };
const persistentCases = new Set(['B=1 T=1 I=1', 'H=7 odd, B=5', 'H=64 qlike', 'H=128 2 outputs', 'H=256', '3 layers of sizes 12, 6, 9', '2 layers H=9 hard_sigmoid (TF.js)']);
const persistentWorkgroup: KernelChoice = { recurrent: 'persistent', gradients: 'wide', reduction: 'workgroup', rowsPerLane: 4 };
const persistentWorkgroupCases = new Set(['H=7 odd, B=5', '3 layers of sizes 12, 6, 9']);

describe('GPU kernels vs CPU reference', () => {
  it('falls back to the per-step kernels when H is too large for the fused ones', async () => {
    const ctx = await requireGpu();
    const H = 4 * Math.ceil((ctx.device.limits.maxComputeWorkgroupStorageSize / 40 + 1) / 4); // just past what fits
    const config: ModelConfig = { inputSize: 4, hiddenSize: H, layers: 1, outputs: 1, loss: 'mse' };
    const B = 2, T = 3;
    const rng = new Rng(2);
    const params = Float32Array.from({ length: paramLayout(config).size }, () => 0.05 * rng.normal()); // no QR of an 822-wide matrix
    const x = Float32Array.from({ length: B * T * 4 }, () => rng.normal());
    const y = Float32Array.from({ length: B }, () => rng.normal());
    const [reference, gpu] = await Promise.all([openSession('reference', config, { batchSize: B, steps: T }), openSession('webgpu', config, { batchSize: B, steps: T })]);
    expect(gpu.stats.kernelChoice.recurrent).toMatch(/^stepwise/);
    reference.setParams(params);
    gpu.setParams(params);
    const want = await reference.lossAndGradients(x, y, B);
    const got = await gpu.lossAndGradients(x, y, B);
    for (const slot of paramLayout(config).slots) {
      const r = [slot.offset, slot.offset + slot.size] as const;
      expect(relErr(got.grads.subarray(...r), want.grads.subarray(...r)), slot.name).toBeLessThan(1e-3);
    }
    gpu.destroy();
  });

  for (const { name, config, B, T } of cases) for (const kernels of [...choices, ...(multiRowCases.has(name) ? multiRow : []), ...(persistentCases.has(name) ? [persistent] : []), ...(persistentWorkgroupCases.has(name) ? [persistentWorkgroup] : []), ...(halfWeightsCases.has(name) ? halfWeights : [])]) {
    const half = kernels.recurrentWeights === 'f16-packed';
    it(`${name} [${kernels.recurrent}/${kernels.gradients}${kernels.rowsPerLane ? `, ${kernels.rowsPerLane} rows a lane` : ''}${kernels.reduction ? `, ${kernels.reduction} reduction` : ''}${half ? ', W_h f16-packed' : ''}]`, async () => {
      const ctx = await requireGpu();
      if (kernels.recurrent === 'persistent' && Math.max(...[config.hiddenSize].flat()) > PERSISTENT_MAX_HIDDEN) {
        await expect(openSession('webgpu', config, { batchSize: B, steps: T, kernels })).rejects.toThrow(/persistent recurrent kernels need/);
        return;
      }
      if (kernels.recurrent === 'narrow') {
        // Not a skip: where narrow kernels cannot run, opening a session with them must say so.
        if (![config.hiddenSize].flat().every((H) => narrowEligible(ctx, H, T * B))) {
          await expect(openSession('webgpu', config, { batchSize: B, steps: T, kernels })).rejects.toThrow(/narrow recurrent kernels need/);
          return;
        }
      }
      const rng = new Rng(11);
      const model = createModel(config, 5);
      const x = Float32Array.from({ length: B * T * config.inputSize }, () => rng.normal());
      const y = Float32Array.from({ length: B * targetsPerWindow(config) }, () => (config.loss === 'qlike' ? 0.2 + rng.next() : rng.normal()));
      const [reference, gpu] = await Promise.all([openSession('reference', config, { batchSize: B, steps: T }), openSession('webgpu', config, { batchSize: B, steps: T, kernels })]);
      gpu.setParams(model.params);
      const outputs = await gpu.forward(x, B);
      const got = await gpu.lossAndGradients(x, y, B);
      // Against the reference on the weights the kernels read (W_h rounded to binary16 where they read that), then,
      // for the f16 kernels, on the f32 weights.
      const against = async (params: Float32Array, tolerance: { outputs: number; grads: number }, what: string) => {
        reference.setParams(params);
        expect(relErr(outputs, await reference.forward(x, B)), `outputs ${what}`).toBeLessThan(tolerance.outputs);
        const want = await reference.lossAndGradients(x, y, B);
        expect(Math.abs(got.loss - want.loss) / Math.abs(want.loss), `loss ${what}`).toBeLessThan(tolerance.outputs);
        for (const slot of paramLayout(config).slots) {
          const r = [slot.offset, slot.offset + slot.size] as const;
          expect(relErr(got.grads.subarray(...r), want.grads.subarray(...r)), `${slot.name} ${what}`).toBeLessThan(tolerance.grads);
        }
      };
      await against(half ? withHalfRecurrentWeights(config, model.params) : model.params, { outputs: 1e-4, grads: 1e-3 }, half ? 'on W_h rounded to f16' : '');
      if (half) await against(model.params, { outputs: 1e-3, grads: 1e-2 }, 'on f32 weights');
      expect(gpu.stats.kernelChoice.recurrentWeights).toBe(half ? 'f16 packed (unpack2x16float)' : kernels.recurrent === 'wide' || kernels.recurrent === 'stepwise' ? 'f32' : 'f32 in registers');
      expect(gpu.stats.kernelChoice.recurrent).toMatch(new RegExp(`^${kernels.recurrent}`));
      if (kernels.recurrent !== 'narrow') expect(gpu.stats.kernelChoice.recurrent).toContain(`rows a lane=${kernels.rowsPerLane ?? 1})`);
      // The narrow pair passes dG in a texture (the adapter's limits hold every shape here).
      if (kernels.recurrent === 'narrow') expect(gpu.stats.kernelChoice.gradients).toMatch(/dG from texture/);
      gpu.destroy();
    });
  }
});
