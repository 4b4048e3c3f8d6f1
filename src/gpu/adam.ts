import code from '../../shaders/adam.wgsl?raw';
import type { StepHyper } from '../engine.js';
import type { GpuContext } from './device.js';
import { makeDispatch, packFields, uniformBuffer, type Dispatch } from './program.js';

const FLOATS = new Set([1, 2, 3, 4, 5, 6, 7, 8]);

function hyperFields(n: number, hp: StepHyper): number[] {
  return [n, hp.learningRate, hp.beta1, hp.beta2, hp.epsilon, hp.weightDecay, hp.clipNorm, 1 - Math.pow(hp.beta1, hp.t), 1 - Math.pow(hp.beta2, hp.t)];
}

/** Global-norm clip + Adam over the flat parameter buffer: two dispatches; `setHyper` before each step. */
export async function adam(ctx: GpuContext, a: { n: number; params: GPUBuffer; grads: GPUBuffer; m: GPUBuffer; v: GPUBuffer; norm: GPUBuffer }) {
  const initial: StepHyper = { learningRate: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, clipNorm: 0, t: 1 };
  const hp = uniformBuffer(ctx, 'adam', hyperFields(a.n, initial), FLOATS);
  const lanes = 256;
  const groups = Math.ceil(a.n / lanes);
  const x = Math.min(groups, ctx.device.limits.maxComputeWorkgroupsPerDimension);
  const dispatches: Dispatch[] = await Promise.all([
    makeDispatch(ctx, { name: 'adam', code, entryPoint: 'grad_norm', constants: {} }, [hp, null, a.grads, null, null, a.norm], [1], 'grad_norm'),
    makeDispatch(ctx, { name: 'adam', code, entryPoint: 'adam', constants: {} }, [hp, a.params, a.grads, a.m, a.v, a.norm], [x, Math.ceil(groups / x)], 'adam'),
  ]);
  const setHyper = (h: StepHyper) => ctx.device.queue.writeBuffer(hp, 0, packFields(hyperFields(a.n, h), FLOATS));
  return { dispatches, setHyper };
}
