import type { GpuContext } from './device.js';

type FieldType = 'u32' | 'f32';

/** A uniform struct's fields by name, in struct order; every value a 32-bit u32 or f32. */
export type UniformFields = Record<string, FieldType>;

/** One value per field of F, by name. */
export type UniformValues<F extends UniformFields> = { [K in keyof F]: number };

/**
 * A kernel's uniform struct, declared once: `wgsl` is the struct's text for the shader (its {{NAME}} slot, see
 * fillTemplate) and `pack` lays out a named object in the same order, so a field cannot be in one and not the other.
 */
export interface UniformStruct<F extends UniformFields> {
  fields: F;
  wgsl: string;
  pack(values: UniformValues<F>): ArrayBuffer;
  /** A uniform buffer holding `values`; `write` changes them later. */
  buffer(ctx: GpuContext, label: string, values: UniformValues<F>): GPUBuffer;
  write(ctx: GpuContext, buffer: GPUBuffer, values: UniformValues<F>): void;
}

export function uniformStruct<const F extends UniformFields>(name: string, fields: F): UniformStruct<F> {
  const names = Object.keys(fields);
  const bytes = Math.ceil((names.length * 4) / 16) * 16; // a uniform buffer's size is a multiple of 16
  const pack = (values: UniformValues<F>) => {
    const data = new ArrayBuffer(bytes);
    const u = new Uint32Array(data), f = new Float32Array(data);
    names.forEach((n, i) => {
      const v = values[n];
      if (typeof v !== 'number') throw new Error(`internal: uniform ${name}.${n} has no value`);
      if (fields[n] === 'f32') f[i] = v;
      else u[i] = v;
    });
    return data;
  };
  return {
    fields,
    wgsl: `struct ${name} { ${names.map((n) => `${n}: ${fields[n]}`).join(', ')} }`,
    pack,
    buffer(ctx, label, values) {
      const buffer = ctx.device.createBuffer({ label, size: bytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      ctx.device.queue.writeBuffer(buffer, 0, pack(values));
      return buffer;
    },
    write(ctx, buffer, values) {
      ctx.device.queue.writeBuffer(buffer, 0, pack(values));
    },
  };
}
