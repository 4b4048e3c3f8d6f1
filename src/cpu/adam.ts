// CPU reference of shaders/adam.wgsl (global-norm clip + Adam), in Float64 state over Float32 params.
import type { StepHyper } from '../engine.js';

export function grad_norm(grads: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i];
  return Math.sqrt(s);
}

/** One Adam step on every parameter; gradients are first scaled so their global norm is at most clipNorm. */
export function adam_update(params: Float32Array, grads: ArrayLike<number>, m: Float32Array, v: Float32Array, hp: StepHyper): void {
  const norm = grad_norm(grads);
  const scale = hp.clipNorm > 0 && norm > hp.clipNorm ? hp.clipNorm / norm : 1;
  const c1 = 1 - Math.pow(hp.beta1, hp.t);
  const c2 = 1 - Math.pow(hp.beta2, hp.t);
  for (let i = 0; i < params.length; i++) {
    const g = grads[i] * scale;
    m[i] = hp.beta1 * m[i] + (1 - hp.beta1) * g;
    v[i] = hp.beta2 * v[i] + (1 - hp.beta2) * g * g;
    const update = m[i] / c1 / (Math.sqrt(v[i] / c2) + hp.epsilon);
    params[i] -= hp.learningRate * (update + hp.weightDecay * params[i]);
  }
}
