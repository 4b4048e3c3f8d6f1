import { createModel, train } from '../../src/index.js';
import type { BenchData } from '../data.js';
import type { RunRecord, RunSpec } from '../plan.js';

/**
 * This engine, `backend: 'webgpu'` or `'cpu'`, through its public train(). Its per-epoch times include the
 * batch gather and upload, forward, backward, Adam, the loss read-back every 8 steps and the weight read-back
 * at the end of each epoch; pipeline creation happens before the first epoch and is reported as setup.
 */
export async function runEngine(spec: RunSpec, data: BenchData): Promise<RunRecord> {
  const backend = spec.contender === 'engine-webgpu' ? 'webgpu' : 'cpu';
  const model = createModel({ inputSize: spec.inputSize, hiddenSize: spec.hiddenSize, layers: 1, outputs: 1, loss: 'mse' }, spec.modelSeed);
  const started = performance.now();
  const result = await train(model, { x: data.x, y: data.y, count: data.count, steps: data.steps }, {
    backend,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    learningRate: spec.learningRate,
    clipNorm: 0, // TF.js clips nothing unless asked
    patience: 0,
    lossReadEvery: 8,
    seed: spec.dataSeed,
  });
  const wall = (performance.now() - started) / 1000;
  const { adapter, dispatchesPerStep, submitsPerStep, kernelChoice } = result.engine;
  return {
    epochSeconds: result.history.map((h) => h.seconds),
    setupSeconds: wall - result.seconds,
    finalLoss: result.history[result.history.length - 1].trainLoss,
    engine: { adapter, dispatchesPerStep, submitsPerStep, kernelChoice },
  };
}
