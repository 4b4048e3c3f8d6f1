import type { GpuContext } from './device.js';

/** The values a templated shader's code is generated from (see templated in ./template.ts). */
export type Variant = Record<string, number | boolean>;

/**
 * One GPU program: its shader, entry point, specialisation constants and, for a templated shader, the variant its
 * code was generated from; together they are its cache key.
 */
export interface Program {
  name: string; // the shader file, e.g. 'matmul'
  code: string;
  entryPoint: string;
  constants: Record<string, number>;
  variant?: Variant;
}

/** A program bound to buffers and a dispatch shape, ready to encode as often as needed. */
export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

const sorted = (values: Record<string, number | boolean>) => Object.keys(values).sort().map((k) => `${k}=${values[k]}`).join(',');

export function programKey(p: Program): string {
  return `${p.name}(${sorted(p.variant ?? {})}):${p.entryPoint}:${sorted(p.constants)}`;
}

/** Pipelines are compiled once per device and program, asynchronously, and cached. */
export function pipelineFor(ctx: GpuContext, p: Program): Promise<GPUComputePipeline> {
  let cache = pipelines.get(ctx.device);
  if (!cache) pipelines.set(ctx.device, (cache = new Map()));
  const key = programKey(p);
  let pipeline = cache.get(key);
  if (!pipeline) {
    const module = ctx.device.createShaderModule({ label: p.name, code: p.code });
    pipeline = ctx.device.createComputePipelineAsync({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint: p.entryPoint, constants: p.constants },
    });
    pipeline.catch(() => cache.delete(key));
    cache.set(key, pipeline);
  }
  return pipeline;
}

/** The binding number of every `@group(0) @binding(n) var… name` the shader declares, by name. */
function bindingsOf(code: string): Map<string, number> {
  return new Map(Array.from(code.matchAll(/@group\(0\)\s*@binding\((\d+)\)\s*var(?:<[^>]*>)?\s+(\w+)/g), (m) => [m[2], Number(m[1])]));
}

export type Resource = GPUBuffer | GPUTextureView;

/**
 * Binds each resource to the shader variable of its name; null (or a name left out) for a variable this entry point
 * does not use. A name the shader does not declare is a bug, so it throws.
 */
export async function makeDispatch(ctx: GpuContext, p: Program, resources: Record<string, Resource | null>, workgroups: [number, number?, number?], label = p.name): Promise<Dispatch> {
  const bindings = bindingsOf(p.code);
  const entries = Object.entries(resources).flatMap(([name, r]) => {
    if (!r) return [];
    const binding = bindings.get(name);
    if (binding === undefined) throw new Error(`internal: shader ${p.name} declares no binding '${name}'`);
    return [{ binding, resource: r instanceof GPUBuffer ? { buffer: r } : r }];
  });
  const pipeline = await pipelineFor(ctx, p);
  const bindGroup = ctx.device.createBindGroup({ label, layout: pipeline.getBindGroupLayout(0), entries });
  return { label, pipeline, bindGroup, workgroups: [workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1] };
}

export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: Dispatch[]): void {
  for (const d of dispatches) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
  }
}
