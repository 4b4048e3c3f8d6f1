import { trainingFlopsPerStep } from './flops.js';

/** What the benchmark runs: the reference comparison and the engine's sweep, full or --quick. */

export const CONTENDERS = ['engine-webgpu', 'engine-cpu', 'tfjs-webgpu', 'tfjs-cpu', 'tfjs-wasm'] as const;
export type ContenderName = (typeof CONTENDERS)[number];

/** Besides engine-webgpu (every axis), these run the H axis of the sweep too: who wins where as H grows. */
export const H_SWEEP_CONTENDERS: readonly ContenderName[] = ['engine-cpu', 'tfjs-wasm'];

/** One training run: a model shape, its data and how long to train. */
export interface RunSpec {
  contender: ContenderName;
  inputSize: number; // I
  hiddenSize: number; // H
  steps: number; // T
  batchSize: number; // B
  samples: number; // windows per epoch
  epochs: number; // including the warm-up epochs
  warmupEpochs: number; // reported apart, left out of the medians
  learningRate: number;
  modelSeed: number; // initial weights (the same for the engine and TF.js)
  dataSeed: number;
}

/** What a run measured, as it comes back from Node or from the page. */
export interface RunRecord {
  epochSeconds: number[]; // every epoch, warm-up first
  setupSeconds: number; // before the first epoch: pipelines, buffers, model build
  finalLoss: number; // mean training loss of the last epoch
  wasm?: WasmRun; // TF.js wasm: the build it loaded and the threads it ran on
  engine?: { adapter?: string; dispatchesPerStep: number; submitsPerStep: number; kernelChoice: Record<string, string> };
}

/** TF.js's wasm backend as it ran: the .wasm build, the thread count it used, and each count tried on this shape. */
export interface WasmRun {
  build: 'threaded-simd' | 'simd' | 'plain';
  threads: number;
  tried: { threads: number; msPerStep: number }[]; // empty where only one count is possible (no threaded build)
}

export type RunOutcome = RunRecord | { error: string };

export type SweepAxis = 'T' | 'H' | 'B';

export interface Plan {
  quick: boolean;
  reference: Omit<RunSpec, 'contender'>;
  /** Values each axis takes while the other two stay at the reference shape. */
  sweep: Record<SweepAxis, number[]>;
  sweepStepsPerEpoch: number; // at most; fewer for shapes dearer than the reference (see sweepSpec)
  sweepEpochs: number;
}

/**
 * The reference shape (1 layer, H=64, T=60, I=8, batch 64); --quick shortens the windows to T=20 (TF.js's webgpu step and the engine's kernel
 * choice both scale with T), trains 128 samples for 2 epochs and sweeps only T, to finish in under two minutes.
 */
export function makePlan(quick: boolean): Plan {
  const reference = {
    inputSize: 8,
    hiddenSize: 64,
    steps: quick ? 20 : 60,
    batchSize: 64,
    samples: quick ? 128 : 512,
    epochs: quick ? 2 : 3,
    warmupEpochs: 1,
    learningRate: 1e-3,
    modelSeed: 7,
    dataSeed: 42,
  };
  return {
    quick,
    reference,
    // --quick keeps one point beside the reference (T=10): enough to check dispatches per step against T
    sweep: quick ? { T: [10, 20], H: [64], B: [64] } : { T: [20, 60, 250], H: [32, 64, 128, 256], B: [16, 64, 256] },
    sweepStepsPerEpoch: quick ? 2 : 4,
    sweepEpochs: quick ? 2 : 3,
  };
}

export interface SweepShape {
  T: number;
  H: number;
  B: number;
}

/** The distinct shapes of the sweep (the reference shape once), each with the axes it lies on. */
export function sweepShapes(plan: Plan): { shape: SweepShape; axes: SweepAxis[] }[] {
  const ref: SweepShape = { T: plan.reference.steps, H: plan.reference.hiddenSize, B: plan.reference.batchSize };
  const out: { shape: SweepShape; axes: SweepAxis[] }[] = [];
  for (const axis of ['T', 'H', 'B'] as const) {
    for (const value of plan.sweep[axis]) {
      const shape = { ...ref, [axis]: value };
      const same = out.find((p) => p.shape.T === shape.T && p.shape.H === shape.H && p.shape.B === shape.B);
      if (same) same.axes.push(axis);
      else out.push({ shape, axes: [axis] });
    }
  }
  return out;
}

/**
 * One contender's run for one sweep shape. A shape that costs k times the reference's FLOPs per step runs about
 * 1/k as many steps per epoch (at least one), so the big corners (T=250, H=256, B=256) stay minutes, not hours.
 */
export function sweepSpec(plan: Plan, s: SweepShape, contender: ContenderName): RunSpec {
  const { inputSize, hiddenSize, steps, batchSize } = plan.reference;
  const cost = (T: number, H: number, B: number) => trainingFlopsPerStep({ inputSize, hiddenSize: H, layers: 1, outputs: 1, steps: T, batch: B });
  const relative = cost(s.T, s.H, s.B) / cost(steps, hiddenSize, batchSize);
  const stepsPerEpoch = Math.max(1, Math.min(plan.sweepStepsPerEpoch, Math.round(plan.sweepStepsPerEpoch / relative)));
  return {
    ...plan.reference,
    contender,
    steps: s.T,
    hiddenSize: s.H,
    batchSize: s.B,
    samples: s.B * stepsPerEpoch,
    epochs: plan.sweepEpochs,
  };
}
