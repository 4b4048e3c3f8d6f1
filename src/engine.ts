// The engine's contract: what every backend implements and what callers hold. Both backends import this
// module; it imports neither of them (src/backend.ts opens the one asked for).

/**
 * Where a model runs: 'webgpu' (the WGSL kernels), 'cpu' (the fast Float32 path, batches split over worker
 * threads) or 'reference' (the plain Float64 model of src/cpu/model.ts, one thread: the oracle every other
 * backend is tested against).
 */
export type BackendKind = 'webgpu' | 'cpu' | 'reference';

/**
 * What train and predict accept: a backend, or 'auto' (the default): WebGPU on a real GPU; on a fallback
 * (CPU-emulated) adapter or none, the faster of 'cpu' and 'webgpu' for the shape, measured once and remembered,
 * and 'cpu' without compiling any GPU kernel for a job too small to repay it.
 */
export type BackendChoice = BackendKind | 'auto';

/** One optimiser step's settings: Adam (bias-corrected, decoupled weight decay) after a global-norm clip. */
export interface StepHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number; // decoupled, as AdamW
  clipNorm: number; // 0 = no clipping
  t: number; // 1-based step count, for bias correction
}

/**
 * One training step's dropout masks, per layer: input[l] (b, I_l) multiplies layer l's inputs x_t and recurrent[l]
 * (b, H_l) multiplies h_{t-1} where it meets W_h, at every time step; entries are 0 or 1/(1 − p); null where the
 * layer's rate is 0. Drawn by the trainer (src/dropout.ts), so every backend given the same masks agrees.
 */
export interface DropoutMasks {
  input: (Float32Array | null)[];
  recurrent: (Float32Array | null)[];
}

/** Which variant of each GPU kernel family a session runs. */
export interface KernelChoice {
  // Every family has a 'wide' variant for GPUs (many lanes a workgroup, workgroup memory) and a 'narrow' one for
  // CPU-like adapters (one 4-lane subgroup a workgroup, no workgroup memory). The recurrence: lstm_forward/backward.wgsl
  // fused over T; their _narrow twins (input projection fused); or 'stepwise', the wide kernels' per-step entry
  // points, one dispatch a step, for H too large for the fused kernels' workgroup memory; or 'persistent'
  // (lstm_persistent.wgsl, H <= 128), fused over T with W_h held in registers, its sums split over lanes.
  recurrent: 'wide' | 'narrow' | 'stepwise' | 'persistent';
  gradients: 'wide' | 'narrow'; // dW_x and dW_h: matmul.wgsl (64x64 tiles) or matmul_narrow.wgsl
  // Batch rows each lane of the wide, stepwise or persistent recurrence carries, each W_h load serving them all (1
  // if absent): fewer lanes and loads for the same work, which pays where weight loads, not lanes, are scarce.
  rowsPerLane?: number;
  // W_h as the wide or stepwise recurrence reads it ('f32' if absent): 'f16-packed' reads a half-precision copy packed
  // two a u32 each step (half the weight traffic; master weights and Adam stay f32), on every adapter.
  recurrentWeights?: 'f32' | 'f16-packed';
  // How the persistent recurrence adds up a unit's partial sums: subgroup shuffles, or workgroup memory and a
  // barrier (if absent: subgroups where the adapter has them).
  reduction?: 'subgroup' | 'workgroup';
}

/** What a session reports about how it runs. */
export interface EngineStats {
  backend: BackendKind;
  why?: string; // backend 'auto': why this backend ran
  adapter?: string; // e.g. "google swiftshader (fallback)"
  dispatchesPerStep: number;
  submitsPerStep: number;
  kernelChoice: Record<string, string>; // kernel family -> variant picked for this shape
}

/** What a session does before its first step (seconds on a CPU-like adapter): compiling, then timing kernel variants. */
export interface SetupProgress {
  stage: 'compiling' | 'choosing';
  /** Candidates timed so far, and how many there are (choosing only; 0 of 0 while compiling). */
  done: number;
  total: number;
}

export interface SessionShape {
  batchSize: number;
  steps: number;
  /** GPU only: told what the session's set-up is doing, for a progress line. */
  onSetup?: (p: SetupProgress) => void;
  /** GPU only: stops timing kernel variants and keeps the fastest so far (a Stop during set-up ends it promptly). */
  signal?: AbortSignal;
  /** GPU only: run these kernel variants instead of measuring which is fastest (tests check every variant). */
  kernels?: KernelChoice;
}

/**
 * A model bound to a backend and a maximum batch shape: weights, Adam state and scratch buffers live here
 * across steps. Batches are (b, T, I) batch-major with b <= batchSize.
 */
export interface Session {
  readonly stats: EngineStats;
  setParams(params: Float32Array): void; // also resets Adam's moments
  readParams(): Promise<Float32Array>;
  /** Queues a full training step: forward, backward, clip, Adam. Its loss comes back through drainLosses. */
  trainStep(x: Float32Array, y: Float32Array, b: number, hp: StepHyper, masks?: DropoutMasks): void;
  /** The losses of every step queued since the last drain, in order. */
  drainLosses(): Promise<number[]>;
  /** The batch-mean loss and the gradient of every parameter, in paramLayout order. */
  lossAndGradients(x: Float32Array, y: Float32Array, b: number, masks?: DropoutMasks): Promise<{ loss: number; grads: Float32Array }>;
  /** ∂out[w, output]/∂x[w] (b,T,I) for each window w: one forward and one backward from a head gradient of 1, no loss. */
  inputGradients(x: Float32Array, b: number, output: number): Promise<Float32Array>;
  /** Outputs (b, O) of the dense head. */
  forward(x: Float32Array, b: number): Promise<Float32Array>;
  destroy(): void;
}

