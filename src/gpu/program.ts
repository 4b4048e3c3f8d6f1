import type { GpuContext } from './device.js';

/** One GPU program: its shader, entry point and specialisation constants; together they are its cache key. */
export interface Program {
  name: string; // the shader file, e.g. 'matmul'
  code: string;
  entryPoint: string;
  constants: Record<string, number>;
}

/** A program bound to buffers and a dispatch shape, ready to encode as often as needed. */
export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

export function programKey(p: Program): string {
  const constants = Object.keys(p.constants).sort().map((k) => `${k}=${p.constants[k]}`);
  return `${p.name}:${p.entryPoint}:${constants.join(',')}`;
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

/** Binds resources[i] to binding i of the program's (auto) layout; null marks a binding this entry point does not use. */
export async function makeDispatch(ctx: GpuContext, p: Program, resources: (GPUBuffer | GPUTextureView | null)[], workgroups: [number, number?, number?], label = p.name): Promise<Dispatch> {
  const pipeline = await pipelineFor(ctx, p);
  const bindGroup = ctx.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: resources.flatMap((r, binding) => (r ? [{ binding, resource: r instanceof GPUBuffer ? { buffer: r } : r }] : [])),
  });
  return { label, pipeline, bindGroup, workgroups: [workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1] };
}

export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: Dispatch[]): void {
  for (const d of dispatches) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
  }
}

/** A uniform buffer of 32-bit fields (u32 unless listed in `floats`), padded to 16 bytes. */
export function uniformBuffer(ctx: GpuContext, label: string, fields: number[], floats: ReadonlySet<number> = new Set()): GPUBuffer {
  const buffer = ctx.device.createBuffer({ label, size: Math.ceil((fields.length * 4) / 16) * 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  ctx.device.queue.writeBuffer(buffer, 0, packFields(fields, floats));
  return buffer;
}

export function packFields(fields: number[], floats: ReadonlySet<number> = new Set()): ArrayBuffer {
  const data = new ArrayBuffer(Math.ceil((fields.length * 4) / 16) * 16);
  const u = new Uint32Array(data);
  const f = new Float32Array(data);
  fields.forEach((v, i) => (floats.has(i) ? (f[i] = v) : (u[i] = v)));
  return data;
}
