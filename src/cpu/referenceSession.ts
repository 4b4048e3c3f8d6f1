import type { DropoutMasks, Session, SessionShape, StepHyper } from '../engine.js';
import { checkDropoutMasks } from '../dropout.js';
import { check } from '../errors.js';
import { paramLayout, type ModelConfig } from '../model.js';
import { adam_update } from './adam.js';
import { model_forward, model_forward_backward, model_input_gradients } from './model.js';

/**
 * The `backend: 'reference'` engine: the Float64 model of ./model.ts and Adam of ./adam.ts, on the calling
 * thread, with nothing cached between calls. Slow, and the oracle every other backend is tested against.
 */
export class ReferenceSession implements Session {
  readonly stats = { backend: 'reference' as const, dispatchesPerStep: 0, submitsPerStep: 0, kernelChoice: { all: 'reference-f64' } };
  private readonly params: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
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
    check(params.length === this.params.length, `setParams got ${params.length} values, the model has ${this.params.length} parameters`);
    this.params.set(params);
    this.m.fill(0);
    this.v.fill(0);
  }

  async readParams(): Promise<Float32Array> {
    return this.params.slice();
  }

  trainStep(x: Float32Array, y: Float32Array, b: number, hp: StepHyper, masks?: DropoutMasks): void {
    checkDropoutMasks(this.config, masks, b);
    const { loss, grads } = model_forward_backward(this.config, this.params, x, y, b, this.shape.steps, masks);
    adam_update(this.params, grads, this.m, this.v, hp);
    this.losses.push(loss);
  }

  async drainLosses(): Promise<number[]> {
    const out = this.losses;
    this.losses = [];
    return out;
  }

  async lossAndGradients(x: Float32Array, y: Float32Array, b: number, masks?: DropoutMasks): Promise<{ loss: number; grads: Float32Array }> {
    checkDropoutMasks(this.config, masks, b);
    const { loss, grads } = model_forward_backward(this.config, this.params, x, y, b, this.shape.steps, masks);
    return { loss, grads: Float32Array.from(grads) };
  }

  async inputGradients(x: Float32Array, b: number, output: number): Promise<Float32Array> {
    return Float32Array.from(model_input_gradients(this.config, this.params, x, b, this.shape.steps, output));
  }

  async forward(x: Float32Array, b: number): Promise<Float32Array> {
    return Float32Array.from(model_forward(this.config, this.params, x, b, this.shape.steps).out);
  }

  destroy(): void {}
}
