// Where a `backend: 'webgpu'` training step spends its time, on the benchmark's reference shape (1 layer, H=64,
// T=60, I=8, batch 64, MSE) or another: device time of every dispatch from timestamp queries (one compute pass
// each), and the host's wall time per step with and without waiting on every submit.
// Run: bash scripts/profile-gpu-step.sh [H=64] [T=60] [B=64] [I=8] [reps=5] [kernels=JSON], where kernels forces a
// KernelChoice instead of the autotuner's, e.g. kernels='{"recurrent":"persistent","gradients":"wide"}'.
import { gpuContext } from '../src/gpu/device.js';
import { GpuSession } from '../src/gpu/session.js';
import type { Dispatch } from '../src/gpu/program.js';
import type { KernelChoice } from '../src/engine.js';
import type { ModelConfig } from '../src/model.js';
import { createModel } from '../src/model.js';
import { Rng } from '../src/rng.js';

const text = (k: string) => process.argv.find((a) => a.startsWith(`${k}=`))?.slice(k.length + 1);
const arg = (k: string, d: number) => Number(text(k) ?? d);
const H = arg('H', 64), T = arg('T', 60), B = arg('B', 64), I = arg('I', 8), reps = arg('reps', 5);
const config: ModelConfig = { inputSize: I, hiddenSize: H, layers: 1, outputs: 1, loss: 'mse' };

const ctx = await gpuContext();
if (!ctx.hasTimestamps) throw new Error('this adapter has no timestamp-query feature');
const t0 = performance.now();
const forced = text('kernels');
const session = await GpuSession.open(config, { batchSize: B, steps: T, kernels: forced ? (JSON.parse(forced) as KernelChoice) : undefined });
console.log(`adapter: ${ctx.adapterName}; open (compile + kernel choice) ${((performance.now() - t0) / 1000).toFixed(1)} s; kernels ${JSON.stringify(session.stats.kernelChoice)}`);
session.setParams(createModel(config, 1).params);
const rng = new Rng(1);
const x = Float32Array.from({ length: B * T * I }, () => rng.normal());
const y = Float32Array.from({ length: B }, () => rng.normal());
const hyper = (t: number) => ({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, clipNorm: 1, t });

// Device time per dispatch.
const dispatches = session.stepDispatches();
const { device } = ctx;
const qs = device.createQuerySet({ type: 'timestamp', count: 2 * dispatches.length });
const resolve = device.createBuffer({ size: 16 * dispatches.length, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
const ms = dispatches.map(() => [] as number[]);
let lastTotal = 0; // device ms of the previous submit
for (let r = 0; r < reps + 1; r++) {
  const enc = device.createCommandEncoder();
  dispatches.forEach((d: Dispatch, i) => {
    const pass = enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
    pass.end();
  });
  enc.resolveQuerySet(qs, 0, 2 * dispatches.length, resolve, 0);
  const staging = device.createBuffer({ size: resolve.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  enc.copyBufferToBuffer(resolve, 0, staging, 0, resolve.size);
  device.queue.submit([enc.finish()]);
  // Dawn for Node busy-polls while a map is pending, taking a core from SwiftShader: sleep through most of the work.
  await new Promise((done) => setTimeout(done, 0.9 * lastTotal));
  await staging.mapAsync(GPUMapMode.READ);
  const ts = new BigInt64Array(staging.getMappedRange());
  const times = dispatches.map((_, i) => Number(ts[2 * i + 1] - ts[2 * i]) / 1e6);
  lastTotal = times.reduce((sum, m) => sum + m, 0);
  if (r > 0) times.forEach((m, i) => ms[i].push(m));
  staging.destroy();
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
let total = 0;
for (const [i, d] of dispatches.entries()) {
  const m = median(ms[i]);
  total += m;
  console.log(`${d.label.padEnd(28)} ${String(d.workgroups).padEnd(10)} ${m.toFixed(2).padStart(8)} ms`);
}
console.log(`${'device total'.padEnd(39)} ${total.toFixed(2).padStart(8)} ms`);

// Host wall time per step: queued as train() queues them (losses read every 8), and waiting on each.
for (const mode of ['queued', 'awaited'] as const) {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    for (let s = 0; s < 8; s++) {
      session.trainStep(x, y, B, hyper(s + 1));
      if (mode === 'awaited') await device.queue.onSubmittedWorkDone();
    }
    await session.drainLosses();
    times.push((performance.now() - start) / 8);
  }
  console.log(`wall per step, ${mode}: ${median(times).toFixed(1)} ms`);
}
session.destroy();
process.exit(0);
