import { paramLayout, type ModelConfig } from '../model.js';
import type { Session, SessionShape, StepHyper } from '../backend.js';
import type { EngineStats } from '../train/types.js';
import { adam_update } from './adam.js';
import { model_forward, model_forward_backward } from './model.js';

/** The `backend: 'cpu'` engine: the Float64 reference, one step at a time, on the calling thread. */
export class CpuSession implements Session {
  readonly stats: EngineStats = { backend: 'cpu', dispatchesPerStep: 0, submitsPerStep: 0, kernelChoice: { all: 'cpu-reference-f64' } };
  private params: Float32Array;
  private m: Float32Array;
  private v: Float32Array;
  private losses: number[] = [];

  constructor(
    private config: ModelConfig,
    private shape: SessionShape,
  ) {
    const size = paramLayout(config).size;
    this.params = new Float32Array(size);
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  setParams(params: Float32Array): void {
    this.params.set(params);
    this.m.fill(0);
    this.v.fill(0);
  }

  async readParams(): Promise<Float32Array> {
    return this.params.slice();
  }

  trainStep(x: Float32Array, y: Float32Array, b: number, hp: StepHyper): void {
    const { loss, grads } = model_forward_backward(this.config, this.params, x, y, b, this.shape.steps);
    this.losses.push(loss);
    adam_update(this.params, grads, this.m, this.v, hp);
  }

  async drainLosses(): Promise<number[]> {
    const out = this.losses;
    this.losses = [];
    return out;
  }

  async lossAndGradients(x: Float32Array, y: Float32Array, b: number) {
    const { loss, grads } = model_forward_backward(this.config, this.params, x, y, b, this.shape.steps);
    return { loss, grads: Float32Array.from(grads) };
  }

  async forward(x: Float32Array, b: number): Promise<Float32Array> {
    return Float32Array.from(model_forward(this.config, this.params, x, b, this.shape.steps).out);
  }

  destroy(): void {}
}
