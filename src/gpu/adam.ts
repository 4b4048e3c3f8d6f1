import template from '../../shaders/adam.wgsl?raw';
import type { StepHyper } from '../engine.js';
import type { GpuContext } from './device.js';
import { makeDispatch, type Dispatch } from './program.js';
import { fillTemplate } from './template.js';
import { uniformStruct, type UniformValues } from './uniforms.js';

// n: the parameter count; correction1, 2: 1 - beta^t, computed on the host in double precision.
const HYPER = uniformStruct('Hyper', {
  n: 'u32', learningRate: 'f32', beta1: 'f32', beta2: 'f32', epsilon: 'f32', weightDecay: 'f32', clipNorm: 'f32', correction1: 'f32', correction2: 'f32',
});
const code = fillTemplate(template, { HYPER: HYPER.wgsl });

function hyperValues(n: number, hp: StepHyper): UniformValues<typeof HYPER.fields> {
  const { learningRate, beta1, beta2, epsilon, weightDecay, clipNorm } = hp;
  return { n, learningRate, beta1, beta2, epsilon, weightDecay, clipNorm, correction1: 1 - Math.pow(beta1, hp.t), correction2: 1 - Math.pow(beta2, hp.t) };
}

/** Global-norm clip + Adam over the flat parameter buffer: two dispatches; `setHyper` before each step. */
export async function adam(ctx: GpuContext, a: { n: number; params: GPUBuffer; grads: GPUBuffer; m: GPUBuffer; v: GPUBuffer; norm: GPUBuffer }) {
  const initial: StepHyper = { learningRate: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0, clipNorm: 0, t: 1 };
  const hp = HYPER.buffer(ctx, 'adam', hyperValues(a.n, initial));
  const lanes = 256;
  const groups = Math.ceil(a.n / lanes);
  const x = Math.min(groups, ctx.device.limits.maxComputeWorkgroupsPerDimension);
  const dispatches: Dispatch[] = await Promise.all([
    makeDispatch(ctx, { name: 'adam', code, entryPoint: 'grad_norm', constants: {} }, { hp, grads: a.grads, norm: a.norm }, [1], 'grad_norm'),
    makeDispatch(ctx, { name: 'adam', code, entryPoint: 'adam', constants: {} }, { hp, params: a.params, grads: a.grads, m: a.m, v: a.v, norm: a.norm }, [x, Math.ceil(groups / x)], 'adam'),
  ]);
  const setHyper = (h: StepHyper) => HYPER.write(ctx, hp, hyperValues(a.n, h));
  return { dispatches, setHyper };
}
