import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { createModel, weightsOf } from '../../src/index.js';
import type { BenchData } from '../data.js';
import type { ContenderName, RunRecord, RunSpec, WasmRun } from '../plan.js';

const BACKENDS: Partial<Record<ContenderName, 'webgpu' | 'cpu' | 'wasm'>> = { 'tfjs-webgpu': 'webgpu', 'tfjs-cpu': 'cpu', 'tfjs-wasm': 'wasm' };

/**
 * TF.js's wasm backend loads its .wasm files at run time. In the page they come from the bench's own server (Vite
 * serves the `?url` imports); in Node straight from the package. Threads need the threaded SIMD build and a
 * cross-origin isolated page (bench/run.mjs sends COOP/COEP); in Node TF.js 4.22 runs single-threaded.
 */
const wasmFiles = import.meta.env.SSR
  ? new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname
  : { 'tfjs-backend-wasm.wasm': plainWasm, 'tfjs-backend-wasm-simd.wasm': simdWasm, 'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdWasm };
const wasmFactory = tf.findBackendFactory('wasm');
let wasmThreads = 0; // threads of the wasm backend now registered; 0 before the first start

/** Whether this runtime can run TF.js's threaded build (asked once, before startWasm sets the flag itself). */
const threadsPossible: Promise<boolean> = tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') as Promise<boolean>;

/** Which .wasm file TF.js loads for `threads` threads: one thread runs the single-threaded SIMD build (no pool to wake). */
async function wasmBuild(threads: number): Promise<WasmRun['build']> {
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'plain';
  return threads > 1 ? 'threaded-simd' : 'simd';
}

/**
 * Starts the wasm backend on `threads` threads (a thread count is fixed when TF.js creates the backend, so another
 * count means a new backend). TF.js picks its build from the WASM_HAS_MULTITHREAD_SUPPORT flag, set here to say
 * whether this start wants threads. TF.js 4.22 caps its thread pool at hardwareConcurrency / 2, taking every two
 * logical cores for one hyper-threaded physical core: on this project's 2-core machines (one thread per core) that
 * cap is 1 whatever setThreadsCount asks. While the backend starts, hardwareConcurrency reads 2 × threads, so the
 * cap is the count asked for; it reads true again before anything else runs.
 */
async function startWasm(threads: number): Promise<void> {
  if (threads !== wasmThreads) {
    if (wasmThreads) {
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', wasmFactory);
    }
    await threadsPossible;
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
    setWasmPaths(wasmFiles);
    setThreadsCount(threads);
    if (threads > 1) Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
    try {
      if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend here');
    } finally {
      if (threads > 1) delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency; // back to Navigator's own getter
    }
    wasmThreads = threads;
    const running = getThreadsCount();
    if (running !== threads) throw new Error(`TensorFlow.js's wasm backend runs ${running} thread(s), not the ${threads} asked for`);
  } else if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend here');
  await tf.ready();
}

/** Thread counts worth trying: one, TF.js's own default (half the logical cores) and one per logical core, at most its pool of 8. */
async function threadCandidates(): Promise<number[]> {
  if (!(await threadsPossible) || !(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return [1];
  const cores = navigator.hardwareConcurrency || 1;
  return [...new Set([1, Math.min(8, Math.max(1, cores >> 1)), Math.min(8, cores)])];
}

const chosen = new Map<string, WasmRun>();

/**
 * TF.js wasm at its fastest for this shape: each candidate thread count trains one warm-up batch and then two timed
 * ones (the faster counts; the machine is shared), and the fastest count is kept for this shape in this page.
 */
async function bestWasm(spec: RunSpec, data: BenchData): Promise<WasmRun> {
  const key = `${spec.steps}:${spec.hiddenSize}:${spec.batchSize}`;
  const known = chosen.get(key);
  if (known) return known;
  const candidates = await threadCandidates();
  const tried: WasmRun['tried'] = [];
  if (candidates.length > 1) {
    const { steps: T, inputSize: I, batchSize: B } = spec;
    for (const threads of candidates) {
      await startWasm(threads);
      const model = buildModel(spec);
      const [x, y] = [tf.tensor3d(data.x.subarray(0, B * T * I), [B, T, I]), tf.tensor2d(data.y.subarray(0, B), [B, 1])];
      try {
        await model.trainOnBatch(x, y);
        let best = Infinity;
        for (let i = 0; i < 2; i++) {
          const start = performance.now();
          await model.trainOnBatch(x, y); // resolves with the loss read back: the step's work is done
          best = Math.min(best, performance.now() - start);
        }
        tried.push({ threads, msPerStep: best });
      } finally {
        tf.dispose([x, y]);
        model.dispose();
      }
    }
  }
  const fastest = tried.length ? tried.reduce((a, b) => (b.msPerStep < a.msPerStep ? b : a)).threads : candidates[0];
  const run = { build: await wasmBuild(fastest), threads: fastest, tried };
  chosen.set(key, run);
  return run;
}

/** The benchmark's model in TF.js, starting from the engine's initial weights (the same Keras layout). */
function buildModel(spec: RunSpec): tf.Sequential {
  const { inputSize: I, hiddenSize: H, steps: T } = spec;
  const model = tf.sequential({
    layers: [tf.layers.lstm({ units: H, inputShape: [T, I], recurrentActivation: 'sigmoid' }), tf.layers.dense({ units: 1 })],
  });
  model.compile({ optimizer: tf.train.adam(spec.learningRate), loss: 'meanSquaredError' });
  const config = { inputSize: I, hiddenSize: H, layers: 1, outputs: 1, loss: 'mse' as const };
  const w = weightsOf(config, createModel(config, spec.modelSeed).params);
  const initial = [
    tf.tensor2d(w.layers[0].kernel, [I, 4 * H]),
    tf.tensor2d(w.layers[0].recurrentKernel, [H, 4 * H]),
    tf.tensor1d(w.layers[0].bias),
    tf.tensor2d(w.denseKernel, [H, 1]),
    tf.tensor1d(w.denseBias),
  ];
  model.setWeights(initial);
  tf.dispose(initial);
  return model;
}

/**
 * TensorFlow.js 4.22: LSTM(H, recurrentActivation 'sigmoid') + Dense(1), Adam, MSE, trained with model.fit
 * (shuffle on, no per-batch callbacks, so no per-batch read-back). The wasm backend runs on the thread count that
 * was fastest for the shape (bestWasm: its setup time includes that trial). An epoch is timed from onEpochBegin to onEpochEnd, which TF.js calls only after it has
 * read the epoch's loss back, so all of the epoch's GPU work is inside the time. The data tensors are made once,
 * before the first epoch (TF.js slices batches on the device; the engine uploads every batch).
 */
export async function runTfjs(spec: RunSpec, data: BenchData): Promise<RunRecord> {
  const backend = BACKENDS[spec.contender];
  if (!backend) throw new Error(`internal: ${spec.contender} is not a TensorFlow.js contender`);
  const started = performance.now();
  let wasm: WasmRun | undefined;
  if (backend === 'wasm') {
    wasm = await bestWasm(spec, data);
    await startWasm(wasm.threads);
  } else {
    if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its ${backend} backend here`);
    await tf.ready();
  }
  const { inputSize: I, steps: T } = spec;
  const model = buildModel(spec);
  const xs = tf.tensor3d(data.x, [data.count, T, I]);
  const ys = tf.tensor2d(data.y, [data.count, 1]);
  const epochSeconds: number[] = [];
  let epochStart = 0;
  const setupSeconds = (performance.now() - started) / 1000;
  try {
    const history = await model.fit(xs, ys, {
      batchSize: spec.batchSize,
      epochs: spec.epochs,
      shuffle: true,
      verbose: 0,
      yieldEvery: 'never',
      callbacks: {
        onEpochBegin: async () => {
          epochStart = performance.now();
        },
        onEpochEnd: async () => {
          epochSeconds.push((performance.now() - epochStart) / 1000);
        },
      },
    });
    const losses = history.history.loss as number[];
    return { epochSeconds, setupSeconds, finalLoss: losses[losses.length - 1], ...(wasm ? { wasm } : {}) };
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}
