import type { AdamHyper } from './cpu/adam.js';
import type { KernelChoice } from './gpu/session.js';
import type { ModelConfig } from './model.js';
import type { EngineStats } from './train/types.js';

export type BackendKind = 'cpu' | 'webgpu';

/** Adam's settings for one step; `t` (the step count) and the clip are part of it. */
export type StepHyper = AdamHyper;

/**
 * A model bound to a backend and a maximum batch shape: weights, Adam state and scratch buffers live here
 * across steps. Batches are (b, T, I) batch-major with b <= batchSize.
 */
export interface Session {
  readonly stats: EngineStats;
  setParams(params: Float32Array): void; // also resets Adam's moments
  readParams(): Promise<Float32Array>;
  /** Queues a full training step: forward, backward, clip, Adam. Its loss comes back through drainLosses. */
  trainStep(x: Float32Array, y: Float32Array, b: number, hp: StepHyper): void;
  /** The losses of every step queued since the last drain, in order. */
  drainLosses(): Promise<number[]>;
  lossAndGradients(x: Float32Array, y: Float32Array, b: number): Promise<{ loss: number; grads: Float32Array }>;
  /** ∂out[w, output]/∂x[w] (b,T,I) for each window w: one forward and one backward from a head gradient of 1, no loss. */
  inputGradients(x: Float32Array, b: number, output: number): Promise<Float32Array>;
  /** Outputs (b, O) of the dense head. */
  forward(x: Float32Array, b: number): Promise<Float32Array>;
  destroy(): void;
}

export interface SessionShape {
  batchSize: number;
  steps: number;
  /** GPU only: run these kernel variants instead of measuring which is fastest (tests check every variant). */
  kernels?: KernelChoice;
}

export async function openSession(kind: BackendKind, config: ModelConfig, shape: SessionShape): Promise<Session> {
  if (kind === 'cpu') {
    const { CpuSession } = await import('./cpu/session.js');
    return new CpuSession(config, shape);
  }
  const { openGpuSession } = await import('./gpu/session.js');
  return openGpuSession(config, shape, shape.kernels);
}
