// Times one training step (forward + backward + clip/Adam) of the `backend: 'cpu'` engine on the reference shape
// of issue 3: 1 LSTM layer, H=64, T=60, I=8, 1 output, batch 64, MSE; an epoch of 512 windows is 8 steps.
// Run: bash scripts/measure-cpu-step.sh [reps]. Reports the median and best ms/step of each variant.
import { createModel, paramLayout, type ModelConfig } from '../src/model.js';
import { model_forward_backward } from '../src/cpu/model.js';
import { adam_update, type AdamHyper } from '../src/cpu/adam.js';
import { FastModel, fastSpecOf } from '../src/cpu/fast.js';
import { CpuSession } from '../src/cpu/session.js';
import { Rng } from '../src/rng.js';

const config: ModelConfig = { inputSize: 8, hiddenSize: 64, layers: 1, outputs: 1, loss: 'mse' };
const B = 64, T = 60, STEPS_PER_EPOCH = 8;
const reps = Number(process.argv[2] ?? 16);

const rng = new Rng(1);
const x = Float32Array.from({ length: B * T * config.inputSize }, () => rng.normal());
const y = Float32Array.from({ length: B }, () => rng.normal());
const hyper = (t: number): AdamHyper => ({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, clipNorm: 1, t });

/** ms per step of `step` after `warm` untimed steps: [median, best]. */
async function time(step: (t: number) => void | Promise<void>, n: number, warm = 3): Promise<[number, number]> {
  for (let t = 1; t <= warm; t++) await step(t);
  const ms: number[] = [];
  for (let t = 1; t <= n; t++) {
    const t0 = performance.now();
    await step(warm + t);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return [ms[Math.floor(n / 2)], ms[0]];
}

function report(name: string, [median, best]: [number, number]) {
  const epoch = (median * STEPS_PER_EPOCH) / 1000;
  console.log(`${name.padEnd(28)} ${median.toFixed(1).padStart(7)} ms/step (best ${best.toFixed(1)})  ${epoch.toFixed(2)} s/epoch`);
}

const layout = paramLayout(config);
{
  const params = createModel(config, 1).params, m = new Float32Array(layout.size), v = new Float32Array(layout.size);
  report('reference F64', await time((t) => adam_update(params, model_forward_backward(config, params, x, y, B, T).grads, m, v, hyper(t)), Math.min(reps, 4), 1));
}
{
  const params = createModel(config, 1).params, m = new Float32Array(layout.size), v = new Float32Array(layout.size);
  const fast = new FastModel(fastSpecOf(config, layout), T, B), grads = new Float32Array(layout.size);
  report('fast F32, 1 thread', await time((t) => {
    fast.forwardBackward(params, x, y, B, grads);
    adam_update(params, grads, m, v, hyper(t));
  }, reps));
}
for (const threads of [0, 2]) {
  const session = new CpuSession(config, { batchSize: B, steps: T }, { threads });
  session.setParams(createModel(config, 1).params);
  let t = 0;
  // A trainer's epoch: 8 queued steps, then one drainLosses that waits for them.
  const [median, best] = await time(async () => {
    for (let s = 0; s < STEPS_PER_EPOCH; s++) session.trainStep(x, y, B, hyper(++t));
    await session.drainLosses();
  }, Math.max(2, Math.ceil(reps / STEPS_PER_EPOCH)), 1);
  report(`CpuSession, ${session.stats.kernelChoice.workers} workers`, [median / STEPS_PER_EPOCH, best / STEPS_PER_EPOCH]);
  if (session.stats.kernelChoice.workerError) console.log(`  a worker failed: ${session.stats.kernelChoice.workerError}`);
  session.destroy();
}

// The yardstick of issue 3, timed in the same process and so under the same machine load: TensorFlow.js'
// `cpu` backend fitting the same network, one epoch of 512 windows (8 steps) per fit.
if (process.argv.includes('--tfjs')) {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.lstm({ units: 64, inputShape: [T, config.inputSize] }), tf.layers.dense({ units: 1 })] });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  const n = B * STEPS_PER_EPOCH, rngT = new Rng(2);
  const xs = tf.tensor3d(Float32Array.from({ length: n * T * config.inputSize }, () => rngT.normal()), [n, T, config.inputSize]);
  const ys = tf.tensor2d(Float32Array.from({ length: n }, () => rngT.normal()), [n, 1]);
  const fit = async () => void (await model.fit(xs, ys, { batchSize: B, epochs: 1, shuffle: true, verbose: 0 }));
  const [median, best] = await time(fit, 3, 1);
  report('TF.js cpu (model.fit)', [median / STEPS_PER_EPOCH, best / STEPS_PER_EPOCH]);
}
