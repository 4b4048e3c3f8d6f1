// Worker threads that run the CPU model (SimdModel, or FastModel without WebAssembly SIMD) on slices of a batch:
// Web Workers in a page, worker_threads in Node. A worker is started from source text (the kernels' own source,
// see KERNELS), so it needs no separate file that every bundler, the dev server and vitest would each have to find
// and serve in their own way; the WebAssembly goes to it as a compiled module in the first message.
// Pages need no cross-origin isolation: arrays are copied by postMessage, not shared.
import * as fast from './fast.js';
import type { DropoutMasks } from '../engine.js';
import type { FastSpec } from './fast.js';
import * as simd from './simd.js';

/** Every export of fast.ts and simd.ts, which import nothing at run time: all that either model can reach. */
const EXPORTS = { ...fast, ...simd };
type Kernels = typeof EXPORTS;
const KERNELS: { name: string }[] = Object.values(EXPORTS).filter((k) => typeof k === 'function');

/** What computes a slice: forward, forward + backward, input gradients (FastModel's methods, which SimdModel has too). */
export type CpuModel = Pick<fast.FastModel, 'forward' | 'forwardBackward' | 'inputGradients'>;

/**
 * The model of one thread: WebAssembly SIMD where the module is given, else plain JS; plain JS too for a model
 * with dropout, which the SIMD kernels do not take. Runs inside workers from its source text as well, so it may
 * use only its arguments.
 */
export function cpuModel(k: Kernels, spec: FastSpec, steps: number, capacity: number, wasm: WebAssembly.Module | null): CpuModel {
  return wasm && !spec.dropout ? new k.SimdModel(spec, steps, capacity, k.instantiateLstmWasm(wasm), k) : new k.FastModel(spec, steps, capacity);
}

/** A slice of a batch: forward + backward when y is given, input gradients of `output` when that is given, else forward only. */
export interface Job {
  params: Float32Array;
  x: Float32Array; // (b,T,I)
  y: Float32Array | null; // (b, targets per window)
  output?: number;
  b: number;
  meanOver: number; // windows in the whole batch, so slices' losses and gradients add up
  masks?: DropoutMasks | null; // the slice's rows of the step's dropout masks
}

export type Reply = { loss: number; grads: Float32Array } | { out: Float32Array } | { dx: Float32Array };

type Message = { spec: FastSpec; steps: number; capacity: number; wasm: WebAssembly.Module | null } | Job;

/** The worker's side. Runs inside the worker from its source text: it may use only its arguments. */
function workerMain(port: { on(f: (m: Message) => void): void; post(m: unknown): void }, k: Kernels, makeModel: typeof cpuModel): void {
  let model: CpuModel | undefined;
  let grads: Float32Array | undefined;
  port.on((msg) => {
    try {
      if ('spec' in msg) {
        model = makeModel(k, msg.spec, msg.steps, msg.capacity, msg.wasm);
        grads = new Float32Array(msg.spec.size);
      } else if (msg.y) {
        const loss = model!.forwardBackward(msg.params, msg.x, msg.y, msg.b, grads!, msg.meanOver, msg.masks ?? null);
        port.post({ loss, grads });
      } else if (msg.output !== undefined) {
        const dx = new Float32Array(msg.x.length);
        model!.inputGradients(msg.params, msg.x, msg.b, msg.output, dx);
        port.post({ dx });
      } else {
        port.post({ out: model!.forward(msg.params, msg.x, msg.b).slice() });
      }
    } catch (e) {
      port.post({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}

/** `const name = <source>;` per kernel: valid whether a bundler left a declaration or an anonymous expression. */
function kernelSource(): string {
  return [...KERNELS, cpuModel].map((k) => `const ${k.name} = ${String(k)};`).join('\n');
}

/** The worker's Kernels object: each export's name bound to its declaration there (a bundler may rename those). */
function kernelsObject(): string {
  const entries = Object.entries(EXPORTS).filter(([, k]) => typeof k === 'function') as [string, { name: string }][];
  return `{ ${entries.map(([name, k]) => `${name}: ${k.name}`).join(', ')} }`;
}

interface Handle {
  post(msg: Message): void;
  busy(on: boolean): void; // Node: hold the event loop open only while a job is out
  terminate(): void;
}

const NODE_WORKER_THREADS = 'node:worker_threads'; // a variable, so bundlers for the browser leave the import alone
const NODE_OS = 'node:os';

/** How many threads this machine has, or 1 where it cannot tell. */
async function cores(): Promise<number> {
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  if (typeof process !== 'undefined' && process.versions?.node) {
    const os = (await import(/* @vite-ignore */ NODE_OS)) as typeof import('node:os');
    return os.availableParallelism();
  }
  return 1;
}

async function spawn(onMessage: (m: Reply | { error: string }) => void, onError: (e: Error) => void): Promise<Handle | null> {
  const run = (port: string) => `${kernelSource()}\n(${workerMain})(${port}, ${kernelsObject()}, ${cpuModel.name});\n`;
  if (typeof Worker === 'function' && typeof Blob === 'function') {
    const url = URL.createObjectURL(new Blob([run('{ on: (f) => { self.onmessage = (e) => f(e.data); }, post: (m) => self.postMessage(m) }')], { type: 'text/javascript' }));
    const w = new Worker(url);
    w.onmessage = (e) => onMessage(e.data);
    w.onerror = (e) => {
      e.preventDefault();
      onError(new Error(`CPU worker failed: ${e.message}`));
    };
    return { post: (m) => w.postMessage(m), busy: () => {}, terminate: () => (w.terminate(), URL.revokeObjectURL(url)) };
  }
  if (typeof process !== 'undefined' && process.versions?.node) {
    const { Worker: NodeWorker } = (await import(/* @vite-ignore */ NODE_WORKER_THREADS)) as typeof import('node:worker_threads');
    const port = "{ on: (f) => require('node:worker_threads').parentPort.on('message', f), post: (m) => require('node:worker_threads').parentPort.postMessage(m) }";
    const w = new NodeWorker(run(port), { eval: true });
    w.on('message', onMessage);
    w.on('error', (e) => onError(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => onError(new Error(`CPU worker exited (code ${code})`)));
    w.unref();
    return { post: (m) => w.postMessage(m), busy: (on) => (on ? w.ref() : w.unref()), terminate: () => void w.terminate() };
  }
  return null;
}

/** One worker holding a FastModel; it answers jobs in the order they were posted. */
export class KernelWorker {
  private handle: Handle | null = null;
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private error: Error | null = null;

  /**
   * Starts the workers for `threads` threads in all (fewer if the machine has fewer): threads − 1 workers, since the
   * calling thread computes a slice of every batch too; none where workers are unavailable.
   */
  static async start(threads: number, spec: FastSpec, steps: number, capacity: number, wasm: WebAssembly.Module | null): Promise<KernelWorker[]> {
    const n = Math.min(threads, await cores()) - 1;
    if (n < 1) return []; // one thread: the calling thread does it all without copying
    const workers: KernelWorker[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const w = new KernelWorker();
        w.handle = await spawn((m) => w.answer(m), (e) => w.fail(e));
        if (!w.handle) break;
        w.handle.post({ spec, steps, capacity: Math.ceil(capacity / (n + 1)), wasm }); // each holds a slice of the batch
        workers.push(w);
      }
    } catch {
      // Workers refused (a page's CSP, a sandbox): the session computes on the calling thread instead.
    }
    return workers;
  }

  get alive(): boolean {
    return this.handle !== null && this.error === null;
  }

  run(job: Job): Promise<Reply> {
    if (!this.alive) return Promise.reject(this.error ?? new Error('CPU worker terminated'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.handle!.busy(true);
      this.handle!.post(job);
    });
  }

  terminate(): void {
    this.handle?.terminate();
    this.fail(new Error('CPU worker terminated'));
    this.handle = null;
  }

  private answer(m: Reply | { error: string }): void {
    const next = this.waiting.shift();
    if (this.waiting.length === 0) this.handle?.busy(false);
    if ('error' in m) next?.reject(new Error(m.error));
    else next?.resolve(m);
  }

  private fail(e: Error): void {
    this.error ??= e;
    this.handle?.busy(false);
    for (const w of this.waiting.splice(0)) w.reject(e);
  }
}
