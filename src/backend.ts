import type { BackendChoice, BackendKind, Session, SessionShape, StepHyper } from './engine.js';
import { createModel, type ModelConfig } from './model.js';

/** How much work a session is opened for, so that backend 'auto' can tell whether measuring would pay. */
export interface Job {
  kind: 'train' | 'predict';
  steps: number; // training steps (train) or forward batches (predict) the job will run
  /**
   * A fallback adapter's GPU kernels are compiled and timed only when the job would take the CPU longer than
   * this (seconds; default 20: kernel compilation on a CPU-emulated adapter takes seconds to minutes).
   */
  budgetSeconds?: number;
}

/** Opens a session on the backend asked for; each backend's code is loaded only when it is used. */
export async function openSession(kind: BackendChoice, config: ModelConfig, shape: SessionShape, job?: Job): Promise<Session> {
  if (kind === 'auto') return openAuto(config, shape, job ?? { kind: 'train', steps: 1 });
  if (kind === 'cpu') {
    const { CpuSession } = await import('./cpu/session.js');
    return new CpuSession(config, shape);
  }
  if (kind === 'reference') {
    const { ReferenceSession } = await import('./cpu/referenceSession.js');
    return new ReferenceSession(config, shape);
  }
  const { openGpuSession } = await import('./gpu/session.js');
  return openGpuSession(config, shape);
}

/** The adapter as 'auto' sees it: none (and why), a real GPU, or a fallback (CPU-emulated) one. */
export type AdapterSeen = { kind: 'none'; why: string } | { kind: 'gpu' | 'fallback'; name: string };

async function seeAdapter(): Promise<AdapterSeen> {
  try {
    const { gpuContext } = await import('./gpu/device.js');
    const ctx = await gpuContext();
    return { kind: ctx.isFallback ? 'fallback' : 'gpu', name: ctx.adapterName };
  } catch (e) {
    return { kind: 'none', why: e instanceof Error ? e.message : String(e) };
  }
}

/** Per adapter, model and shape: what 'auto' measured, so it measures once per process. */
const measured = new Map<string, { kind: BackendKind; why: string }>();

const keyOf = (adapter: string, c: ModelConfig, s: SessionShape) => `${adapter}|${c.inputSize},${c.hiddenSize},${c.layers},${c.outputs},${c.loss},${c.dropout},${c.recurrentDropout}|${s.batchSize},${s.steps}`;

async function openAuto(config: ModelConfig, shape: SessionShape, job: Job): Promise<Session> {
  const open = async (kind: BackendKind, why: string, session?: Session) => {
    const s = session ?? (await openSession(kind, config, shape));
    s.stats.why = why;
    return s;
  };
  const adapter = await seeAdapter();
  if (adapter.kind === 'none') return open('cpu', `no WebGPU adapter (${adapter.why})`);
  if (adapter.kind === 'gpu') return open('webgpu', `a GPU adapter (${adapter.name})`);
  const key = keyOf(adapter.name, config, shape);
  const known = measured.get(key);
  if (known) return open(known.kind, `${known.why} (measured earlier in this process)`);
  if (job.kind === 'predict') return open('cpu', `a fallback adapter (${adapter.name}): a prediction runs on the CPU rather than compile GPU kernels`);

  // A fallback adapter computes on the CPU too: time the CPU path first (cheap to start), and the GPU kernels only
  // when the job is long enough to repay compiling them.
  const cpu = await openSession('cpu', config, shape);
  let gpu: Session | undefined;
  try {
    const cpuMs = await msPerStep(cpu, config, shape);
    const budget = job.budgetSeconds ?? 20;
    if ((cpuMs * job.steps) / 1000 < budget) {
      return open('cpu', `a fallback adapter (${adapter.name}): ${job.steps} steps take about ${fmtSeconds((cpuMs * job.steps) / 1000)} on the CPU, under the ${budget} s that would repay compiling GPU kernels`, cpu);
    }
    let gpuMs = Infinity;
    let gpuError = '';
    try {
      gpu = await openSession('webgpu', config, shape);
      gpuMs = await msPerStep(gpu, config, shape);
    } catch (e) {
      gpuError = e instanceof Error ? e.message : String(e);
    }
    const kind: BackendKind = gpuMs < cpuMs ? 'webgpu' : 'cpu';
    const why = `a fallback adapter (${adapter.name}): measured ${cpuMs.toFixed(1)} ms per step on the CPU, ${gpuError ? `WebGPU failed (${gpuError})` : `${gpuMs.toFixed(1)} ms on WebGPU`}`;
    if (!gpuError) measured.set(key, { kind, why });
    const [keep, drop] = kind === 'webgpu' ? [gpu!, cpu] : [cpu, gpu];
    drop?.destroy();
    gpu = undefined;
    return open(kind, why, keep);
  } catch (e) {
    cpu.destroy();
    gpu?.destroy();
    throw e;
  }
}

/** Median wall time of a training step on this session (zeros for data; the caller sets its weights after). */
async function msPerStep(session: Session, config: ModelConfig, shape: SessionShape): Promise<number> {
  const { batchSize: B, steps: T } = shape;
  const x = new Float32Array(B * T * config.inputSize), y = new Float32Array(B * config.outputs).fill(config.loss === 'qlike' ? 1 : 0);
  session.setParams(createModel(config, 1).params);
  const hyper = (t: number): StepHyper => ({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, clipNorm: 1, t });
  session.trainStep(x, y, B, hyper(1)); // warm-up: workers, first submit
  await session.drainLosses();
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    session.trainStep(x, y, B, hyper(r + 2));
    await session.drainLosses();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[1];
}

const fmtSeconds = (s: number) => (s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`);
