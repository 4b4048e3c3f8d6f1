import { programKey, type Program, type Variant } from './program.js';

/** Fills the {{NAME}} slots of a WGSL template; a slot left unfilled is a bug, so it throws. */
export function fillTemplate(code: string, slots: Record<string, string | number>): string {
  return code.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in slots)) throw new Error(`WGSL template slot {{${name}}} has no value`);
    return String(slots[name]);
  });
}

/** `count` copies of a line pattern, one per index, joined as lines at an indent. */
export function unroll(count: number, line: (i: number) => string, indent = '      '): string {
  return Array.from({ length: count }, (_, i) => indent + line(i)).join('\n');
}

/**
 * A templated shader's programs: the code of each is generated from its variant's values alone, and the variant is
 * part of the pipeline cache key, so two different shaders never share a pipeline. Code is generated once a variant.
 */
export function templated<V extends Variant>(name: string, generate: (v: V) => string, entryPoint = 'main'): (v: V) => Program {
  const codes = new Map<string, string>();
  return (variant) => {
    const program = { name, code: '', entryPoint, constants: {}, variant };
    const key = programKey(program);
    let code = codes.get(key);
    if (code === undefined) codes.set(key, (code = generate(variant)));
    return { ...program, code };
  };
}
