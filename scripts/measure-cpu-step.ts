// Times training steps (forward + backward + clip/Adam) of the `backend: 'cpu'` engine on the benchmark's reference
// shape: 1 LSTM layer, H=64, T=60, I=8, 1 output, batch 64, MSE; an epoch of 512 windows is 8 steps.
// Variants run round-robin (one epoch each per round) so that they share whatever load the machine has.
// Run: bash scripts/measure-cpu-step.sh [rounds] [--tfjs] [--hidden=N]; --tfjs adds TensorFlow.js' `cpu` backend,
// the yardstick the benchmark holds the CPU path against, fitting the same network in the same process; --hidden
// sets H (default 64). It also times a plain WebAssembly SIMD multiply-add loop, the ceiling for the SIMD path.
import { createModel, paramLayout, type ModelConfig } from '../src/model.js';
import { model_forward_backward } from '../src/cpu/model.js';
import { adam_update } from '../src/cpu/adam.js';
import type { StepHyper } from '../src/engine.js';
import { FastModel, fastSpecOf, loss_backward_f32, loss_forward_f32, toTimeMajor } from '../src/cpu/fast.js';
import { SimdModel, instantiateLstmWasm } from '../src/cpu/simd.js';
import { compileLstmWasm } from '../src/cpu/simdModule.js';
import { CpuSession } from '../src/cpu/session.js';
import { Rng } from '../src/rng.js';

const hidden = Number(process.argv.find((a) => a.startsWith('--hidden='))?.slice('--hidden='.length) ?? 64);
const config: ModelConfig = { inputSize: 8, hiddenSize: hidden, layers: 1, outputs: 1, loss: 'mse' };
const B = 64, T = 60, STEPS_PER_EPOCH = 8;
const rounds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);

const rng = new Rng(1);
const x = Float32Array.from({ length: B * T * config.inputSize }, () => rng.normal());
const y = Float32Array.from({ length: B }, () => rng.normal());
const hyper = (t: number): StepHyper => ({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, clipNorm: 1, t });
const layout = paramLayout(config);

interface Variant {
  name: string;
  steps: number; // training steps one call of `run` takes
  run: () => Promise<void>;
  ms: number[]; // per step, one entry per round
}

function adamLoop(step: (params: Float32Array, grads: Float32Array) => void): () => Promise<void> {
  const params = createModel(config, 1).params, grads = new Float32Array(layout.size);
  const m = new Float32Array(layout.size), v = new Float32Array(layout.size);
  let t = 0;
  return async () => {
    step(params, grads);
    adam_update(params, grads, m, v, hyper(++t));
  };
}

const sessions: CpuSession[] = [];

function sessionEpoch(threads: number): () => Promise<void> {
  const session = new CpuSession(config, { batchSize: B, steps: T }, { threads });
  sessions.push(session);
  session.setParams(createModel(config, 1).params);
  let t = 0;
  return async () => {
    // As the trainer does: 8 queued steps, then one drainLosses that waits for them.
    for (let s = 0; s < STEPS_PER_EPOCH; s++) session.trainStep(x, y, B, hyper(++t));
    await session.drainLosses();
    if (session.stats.kernelChoice.workerError) throw new Error(`a worker failed: ${session.stats.kernelChoice.workerError}`);
  };
}

async function tfjsEpoch(): Promise<() => Promise<void>> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.lstm({ units: 64, inputShape: [T, config.inputSize] }), tf.layers.dense({ units: 1 })] });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  const n = B * STEPS_PER_EPOCH, r = new Rng(2);
  const xs = tf.tensor3d(Float32Array.from({ length: n * T * config.inputSize }, () => r.normal()), [n, T, config.inputSize]);
  const ys = tf.tensor2d(Float32Array.from({ length: n }, () => r.normal()), [n, 1]);
  return async () => void (await model.fit(xs, ys, { batchSize: B, epochs: 1, shuffle: true, verbose: 0 }));
}

const fast = new FastModel(fastSpecOf(config, layout), T, B);
const fastStep = adamLoop((params, grads) => fast.forwardBackward(params, x, y, B, grads));
const compiled = await compileLstmWasm();
if (!compiled) throw new Error('no WebAssembly SIMD in this Node');
const simd = new SimdModel(fastSpecOf(config, layout), T, B, instantiateLstmWasm(compiled.module), { loss_forward_f32, loss_backward_f32, toTimeMajor });
const simdStep = adamLoop((params, grads) => simd.forwardBackward(params, x, y, B, grads));
const peak = instantiateLstmWasm(compiled.module);
const variants: Variant[] = [
  ...(process.argv.includes('--no-reference') ? [] : [{ name: 'reference F64', steps: 1, run: adamLoop((params, grads) => grads.set(model_forward_backward(config, params, x, y, B, T).grads)), ms: [] as number[] }]),
  { name: 'fast F32, calling thread', steps: STEPS_PER_EPOCH, run: async () => { for (let s = 0; s < STEPS_PER_EPOCH; s++) await fastStep(); }, ms: [] },
  { name: `wasm ${compiled.relaxedSimd ? 'relaxed ' : ''}SIMD, calling thread`, steps: STEPS_PER_EPOCH, run: async () => { for (let s = 0; s < STEPS_PER_EPOCH; s++) await simdStep(); }, ms: [] },
  { name: 'SIMD madd loop, 1e8 FLOP', steps: 1, run: async () => void peak.madd_peak(1e8 / 64), ms: [] },
  { name: 'CpuSession, threads: 0', steps: STEPS_PER_EPOCH, run: sessionEpoch(0), ms: [] },
  { name: 'CpuSession, threads: 2', steps: STEPS_PER_EPOCH, run: sessionEpoch(2), ms: [] },
];
if (process.argv.includes('--tfjs')) variants.push({ name: 'TF.js cpu, model.fit', steps: STEPS_PER_EPOCH, run: await tfjsEpoch(), ms: [] });

for (const v of variants) await v.run(); // warm-up: JIT, worker start, TF.js' first-call setup
for (let r = 0; r < rounds; r++) {
  for (const v of variants) {
    const t0 = performance.now();
    await v.run();
    v.ms.push((performance.now() - t0) / v.steps);
  }
}

const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
const tfjs = variants.find((v) => v.name.startsWith('TF.js'));
const flopsPerStep = 2 * T * B * 4 * hidden * (2 * config.inputSize + 3 * hidden); // as bench/flops.ts, without the head
console.log(`H=${hidden}: ${(flopsPerStep / 1e6).toFixed(0)} MFLOP per step; ${rounds} rounds; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const v of variants) {
  const ms = median(v.ms), epoch = (ms * STEPS_PER_EPOCH) / 1000;
  const vsTf = tfjs ? `  ${(median(tfjs.ms) / ms).toFixed(1)}x TF.js` : '';
  const gflops = v.name.startsWith('SIMD madd') ? 1e8 / ms / 1e6 : flopsPerStep / ms / 1e6;
  console.log(`${v.name.padEnd(30)} ${ms.toFixed(1).padStart(7)} ms/step (best ${Math.min(...v.ms).toFixed(1)})  ${epoch.toFixed(2)} s/epoch  ${gflops.toFixed(2)} GFLOP/s${vsTf}`);
}
for (const s of sessions) s.destroy();
