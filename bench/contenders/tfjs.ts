import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { createModel, weightsOf } from '../../src/index.js';
import type { BenchData } from '../data.js';
import type { ContenderName, RunRecord, RunSpec } from '../plan.js';

const BACKENDS: Partial<Record<ContenderName, 'webgpu' | 'cpu' | 'wasm'>> = { 'tfjs-webgpu': 'webgpu', 'tfjs-cpu': 'cpu', 'tfjs-wasm': 'wasm' };

let wasmPathsSet = false;

/**
 * TF.js's wasm backend loads its .wasm files at run time. In the page they come from the bench's own server (Vite
 * serves the `?url` imports); in Node straight from the package. It picks the threaded SIMD build itself where
 * threads are possible (a cross-origin isolated page: bench/run.mjs sends COOP/COEP; never in Node, where TF.js 4.22
 * runs single-threaded) and the plain SIMD build otherwise. It is asked for a thread per logical core (setThreadsCount),
 * as the engine uses them all; `threads` in the result is what it reports using (getThreadsCount).
 */
function locateWasm(): void {
  if (wasmPathsSet) return;
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) setThreadsCount(navigator.hardwareConcurrency);
  if (import.meta.env.SSR) setWasmPaths(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
  else setWasmPaths({ 'tfjs-backend-wasm.wasm': plainWasm, 'tfjs-backend-wasm-simd.wasm': simdWasm, 'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdWasm });
  wasmPathsSet = true;
}

/**
 * TensorFlow.js 4.22: LSTM(H, recurrentActivation 'sigmoid') + Dense(1), Adam, MSE, trained with model.fit
 * (shuffle on, no per-batch callbacks, so no per-batch read-back). It starts from the engine's initial weights
 * (the same Keras layout). An epoch is timed from onEpochBegin to onEpochEnd, which TF.js calls only after it has
 * read the epoch's loss back, so all of the epoch's GPU work is inside the time. The data tensors are made once,
 * before the first epoch (TF.js slices batches on the device; the engine uploads every batch).
 */
export async function runTfjs(spec: RunSpec, data: BenchData): Promise<RunRecord> {
  const backend = BACKENDS[spec.contender];
  if (!backend) throw new Error(`internal: ${spec.contender} is not a TensorFlow.js contender`);
  const started = performance.now();
  if (backend === 'wasm') locateWasm();
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its ${backend} backend here`);
  await tf.ready();
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
    return { epochSeconds, setupSeconds, finalLoss: losses[losses.length - 1], ...(backend === 'wasm' ? { threads: getThreadsCount() } : {}) };
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
  }
}
