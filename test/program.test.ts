import { describe, expect, it } from 'vitest';
import { programKey } from '../src/gpu/program.js';
import { fillTemplate, templated } from '../src/gpu/template.js';
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

describe('templated: code and pipeline key from the same variant values', () => {
  it('gives each variant its own key and generates its code once', () => {
    let generated = 0;
    const program = templated('demo', (v: { N: number; fast: boolean }) => {
      generated++;
      return fillTemplate('const N = {{N}}u; // {{MODE}}', { N: v.N, MODE: v.fast ? 'fast' : 'plain' });
    });
    const a = program({ N: 4, fast: true }), b = program({ fast: true, N: 4 }), c = program({ N: 4, fast: false });
    expect(a.code).toBe('const N = 4u; // fast');
    expect(programKey(a)).toBe(programKey(b));
    expect(programKey(a)).not.toBe(programKey(c));
    expect(c.code).toBe('const N = 4u; // plain');
    expect(generated).toBe(2);
  });

  it('unrolls {{#for}} blocks (nested, with index arithmetic) and picks {{#if}} branches; a block tag alone takes its line', () => {
    const template = ['{{#for u < U}}', '  s{{u}} = w[{{u * H + 1}}] + h[{{H - 1 - u % 2}}]{{#if EXACT}};{{#else}} * m;{{/if}}', '{{#for k < u}}', '    + {{k / 2}}', '{{/for}}', '{{/for}}', 'end {{NAME}}'].join('\n');
    expect(fillTemplate(template, { U: 3, H: 4, EXACT: false, NAME: 'kernel' })).toBe(
      ['  s0 = w[1] + h[3] * m;', '  s1 = w[5] + h[2] * m;', '    + 0', '  s2 = w[9] + h[3] * m;', '    + 0', '    + 0', 'end kernel'].join('\n'),
    );
    expect(fillTemplate('{{#if !EXACT}}a{{#else}}b{{/if}}', { EXACT: true })).toBe('b');
    expect(() => fillTemplate('{{#for u < 2}}x', {})).toThrow(/has no \{\{\/for\}\}/);
    expect(() => fillTemplate('{{NAME + 1}}', { NAME: 'text' })).toThrow(/arithmetic on a string/);
  });

  it('pastes a {{#define}}d part with the names of where it is pasted; {{#let}} adds a name', () => {
    const template = ['{{#define SUM}}', 's = {{#for k < N}}x{{k}} + {{/for}}0;', '{{/define}}', '{{#let N = ROWS}}', '{{>SUM}}', '{{/let}}', '{{#let N = 1}}', '{{>SUM}}', '{{/let}}'].join('\n');
    expect(fillTemplate(template, { ROWS: 3 })).toBe('s = x0 + x1 + x2 + 0;\ns = x0 + 0;\n');
    expect(() => fillTemplate('{{>NOPE}}', {})).toThrow(/never defined/);
  });

  it('a template slot left unfilled throws', () => {
    expect(() => fillTemplate('{{A}} {{B}}', { A: 1 })).toThrow(/\{\{B\}\} has no value/);
  });
});
