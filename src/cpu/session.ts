import { check } from '../errors.js';
import { paramLayout, targetsPerWindow, type ModelConfig } from '../model.js';
import type { DropoutMasks, EngineStats, Session, SessionShape, StepHyper } from '../engine.js';
import { checkDropoutMasks, sliceDropoutMasks } from '../dropout.js';
import { adam_update } from './adam.js';
import * as fast from './fast.js';
import { fastSpecOf } from './fast.js';
import * as simd from './simd.js';
import { compileLstmWasm } from './simdModule.js';
import { cpuModel, KernelWorker, type CpuModel, type Job, type Reply } from './workers.js';

export interface CpuSessionOptions {
  /** Threads that split each batch, the calling one and workers (default 4); at most one per core. */
  threads?: number;
  /** WebAssembly SIMD kernels where the runtime has them (default true); false runs the plain JS kernels. */
  simd?: boolean;
}

/**
 * The `backend: 'cpu'` engine: the fast Float32 path, in WebAssembly SIMD (./simd.ts) where the runtime has it and
 * in plain JS (./fast.ts) otherwise, each batch split across worker threads (the Float64 oracle is
 * `backend: 'reference'`, ./referenceSession.ts).
 * Work is queued in call order, like a GPU queue: trainStep returns at once and drainLosses / readParams /
 * forward / lossAndGradients wait for the steps queued before them.
 */
export class CpuSession implements Session {
  readonly stats: EngineStats = { backend: 'cpu', dispatchesPerStep: 0, submitsPerStep: 0, kernelChoice: { all: 'js-f32', workers: '0' } };
  private readonly size: number;
  private params: Float32Array;
  private m: Float32Array;
  private v: Float32Array;
  private grads: Float32Array; // the batch's summed gradient
  private local!: CpuModel; // the calling thread's model: the whole batch without workers, a failed worker's slice with them
  private wasm: WebAssembly.Module | null = null; // the SIMD kernels, compiled once; null: plain JS
  private workers: Promise<KernelWorker[]> | null = null; // started by the first step or forward
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown = null; // the first error of queued work; the session is unusable after it
  private losses: number[] = [];
  private destroyed = false;

  constructor(
    private config: ModelConfig,
    private shape: SessionShape,
    private options: CpuSessionOptions = {},
  ) {
    const layout = paramLayout(config);
    this.size = layout.size;
    this.params = new Float32Array(this.size);
    this.m = new Float32Array(this.size);
    this.v = new Float32Array(this.size);
    this.grads = new Float32Array(this.size);
    // First in the queue: every step, forward and worker start waits until the kernels are known.
    this.enqueue(async () => {
      const spec = fastSpecOf(config, layout);
      const compiled = options.simd === false || spec.dropout ? null : await compileLstmWasm();
      this.wasm = compiled?.module ?? null;
      this.local = cpuModel({ ...fast, ...simd }, spec, shape.steps, shape.batchSize, this.wasm);
      this.stats.kernelChoice.all = compiled ? (compiled.relaxedSimd ? 'wasm-relaxed-simd-f32' : 'wasm-simd-f32') : 'js-f32';
      if (spec.dropout) this.stats.kernelChoice.allWhy = 'dropout: the WebAssembly SIMD kernels take no masks, the plain JS ones run';
    });
  }

  setParams(params: Float32Array): void {
    check(params.length === this.size, `setParams got ${params.length} values, the model has ${this.size} parameters`);
    const copy = params.slice(); // the caller may change its array before the queue gets here
    this.enqueue(() => {
      this.params.set(copy);
      this.m.fill(0);
      this.v.fill(0);
    });
  }

  readParams(): Promise<Float32Array> {
    return this.after(() => this.params.slice());
  }

  trainStep(x: Float32Array, y: Float32Array, b: number, hp: StepHyper, masks?: DropoutMasks): void {
    checkDropoutMasks(this.config, masks, b);
    const [xb, yb] = this.batch(x, y, b), h = { ...hp };
    this.enqueue(async () => {
      const loss = await this.gradients(xb, yb, b, masks ?? null);
      adam_update(this.params, this.grads, this.m, this.v, h);
      this.losses.push(loss);
    });
  }

  /** Copies of a batch's b windows and targets: the caller may change its arrays before the queue gets here. */
  private batch(x: Float32Array, y: Float32Array, b: number): [Float32Array, Float32Array] {
    return [x.slice(0, b * this.shape.steps * this.config.inputSize), y.slice(0, b * targetsPerWindow(this.config))];
  }

  /** The batch's mean loss; its gradient goes to this.grads. */
  private async gradients(xb: Float32Array, yb: Float32Array, b: number, masks: DropoutMasks | null): Promise<number> {
    const workers = await this.pool();
    if (workers.length === 0) return this.local.forwardBackward(this.params, xb, yb, b, this.grads, b, masks);
    let loss = 0;
    this.grads.fill(0);
    for (const r of await this.scatter(workers, xb, yb, b, masks)) {
      if (!('loss' in r)) throw new Error('internal: a training slice came back without a loss');
      loss += r.loss;
      for (let i = 0; i < this.size; i++) this.grads[i] += r.grads[i];
    }
    return loss;
  }

  drainLosses(): Promise<number[]> {
    return this.after(() => {
      const out = this.losses;
      this.losses = [];
      return out;
    });
  }

  lossAndGradients(x: Float32Array, y: Float32Array, b: number, masks?: DropoutMasks): Promise<{ loss: number; grads: Float32Array }> {
    checkDropoutMasks(this.config, masks, b);
    const [xb, yb] = this.batch(x, y, b);
    return this.after(async () => ({ loss: await this.gradients(xb, yb, b, masks ?? null), grads: this.grads.slice() }));
  }

  inputGradients(x: Float32Array, b: number, output: number): Promise<Float32Array> {
    const xb = x.slice(0, b * this.shape.steps * this.config.inputSize);
    return this.after(async () => {
      const workers = await this.pool();
      const dx = new Float32Array(xb.length);
      if (workers.length === 0) {
        this.local.inputGradients(this.params, xb, b, output, dx);
        return dx;
      }
      let at = 0;
      for (const r of await this.scatter(workers, xb, null, b, null, output)) {
        if (!('dx' in r)) throw new Error('internal: an input-gradient slice came back without dx');
        dx.set(r.dx, at);
        at += r.dx.length;
      }
      return dx;
    });
  }

  forward(x: Float32Array, b: number): Promise<Float32Array> {
    const xb = x.slice(0, b * this.shape.steps * this.config.inputSize);
    return this.after(() => this.forwardNow(xb, b));
  }

  private async forwardNow(xb: Float32Array, b: number): Promise<Float32Array> {
    const O = this.config.outputs;
    const workers = await this.pool();
    if (workers.length === 0) return this.local.forward(this.params, xb, b).slice();
    const out = new Float32Array(b * O);
    let at = 0;
    for (const r of await this.scatter(workers, xb, null, b, null)) {
      if (!('out' in r)) throw new Error('internal: a forward slice came back without outputs');
      out.set(r.out, at);
      at += r.out.length;
    }
    return out;
  }

  /** Terminates the workers (a Node process can exit without it too: idle workers do not hold it open). */
  destroy(): void {
    this.destroyed = true;
    void this.workers?.then((ws) => ws.forEach((w) => w.terminate()));
  }

  /** Queues work that changes the model; if it fails, the session is unusable and every later call says why. */
  private enqueue(work: () => void | Promise<void>): void {
    this.queue = this.queue
      .then(() => (this.failure === null ? work() : undefined))
      .catch((e) => {
        this.failure ??= e; // kept for the next awaiting call, never an unhandled rejection
      });
  }

  /** Queues work that reads the model and returns its result (or the error of a failed step before it). */
  private after<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (this.failure !== null) throw this.failure;
      return work();
    });
    this.queue = result.then(
      () => undefined,
      () => undefined, // the caller gets this error; it does not break the session
    );
    return result;
  }

  private async pool(): Promise<KernelWorker[]> {
    if (this.destroyed && !this.workers) return []; // no workers to start for a session that is gone
    this.workers ??= KernelWorker.start(this.options.threads ?? 4, fastSpecOf(this.config, paramLayout(this.config)), this.shape.steps, this.shape.batchSize, this.wasm).then((ws) => {
      this.stats.kernelChoice.workers = String(ws.length);
      return ws;
    });
    return (await this.workers).filter((w) => w.alive);
  }

  /**
   * Splits the batch into contiguous slices, the first for this thread and one per worker: the workers' jobs are
   * posted first, then this thread computes its slice while they compute theirs. A slice whose worker fails runs
   * here too. With `output` the jobs are input gradients of that output.
   */
  private scatter(workers: KernelWorker[], x: Float32Array, y: Float32Array | null, b: number, masks: DropoutMasks | null, output?: number): Promise<Reply[]> {
    const I = this.config.inputSize, Y = targetsPerWindow(this.config), T = this.shape.steps;
    const n = Math.min(workers.length + 1, b);
    const jobs = Array.from({ length: n }, (_, i): Job => {
      const from = Math.floor((i * b) / n), to = Math.floor(((i + 1) * b) / n);
      return { params: this.params, x: x.slice(from * T * I, to * T * I), y: y && y.slice(from * Y, to * Y), output, b: to - from, meanOver: b, masks: masks && sliceDropoutMasks(masks, b, from, to) };
    });
    const theirs = jobs.slice(1).map((job, i) =>
      workers[i].run(job).catch((e: Error) => {
        this.stats.kernelChoice.workerError ??= e.message; // shown in the engine stats; training goes on here
        return this.runHere(job);
      }),
    );
    const mine = this.runHere(jobs[0]);
    return Promise.all([mine, ...theirs]);
  }

  private runHere(job: Job): Reply {
    if (job.output !== undefined) {
      const dx = new Float32Array(job.x.length);
      this.local.inputGradients(job.params, job.x, job.b, job.output, dx);
      return { dx };
    }
    if (!job.y) return { out: this.local.forward(job.params, job.x, job.b).slice() };
    const grads = new Float32Array(this.size);
    return { loss: this.local.forwardBackward(job.params, job.x, job.y, job.b, grads, job.meanOver, job.masks ?? null), grads };
  }
}
