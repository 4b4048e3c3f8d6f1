import { describe, expect, it } from 'vitest';
import { uniformStruct } from '../src/gpu/uniforms.js';

describe('uniformStruct: one declaration gives the WGSL struct and the packing', () => {
  const S = uniformStruct('Hyper', { n: 'u32', rate: 'f32', t: 'u32' });

  it('writes the struct in declaration order', () => {
    expect(S.wgsl).toBe('struct Hyper { n: u32, rate: f32, t: u32 }');
  });

  it('packs a named object in the same order, each field as its type, padded to 16 bytes', () => {
    const data = S.pack({ t: 7, rate: 0.5, n: 3 });
    expect(data.byteLength).toBe(16);
    expect(new Uint32Array(data, 0, 1)[0]).toBe(3);
    expect(new Float32Array(data, 4, 1)[0]).toBe(0.5);
    expect(new Uint32Array(data, 8, 1)[0]).toBe(7);
  });

  it('refuses an object with a field missing', () => {
    expect(() => S.pack({ n: 1, rate: 2 } as unknown as Parameters<typeof S.pack>[0])).toThrow(/Hyper.t has no value/);
  });
});
