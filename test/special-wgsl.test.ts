import jStat from 'jstat';
import { describe, expect, it } from 'vitest';
import special from '../shaders/special.wgsl?raw';
import { digamma as digamma64, ln_gamma as lnGamma64 } from '../src/cpu/fast.js';
import { requireGpu } from './helpers/gpu.js';

// The f32 special functions of the Student-t head kernel against Float64 (jStat's gammaln, and the CPU twins that
// cpu-student-t.test.ts holds to closed forms), over the arguments the loss uses: ν/2 and (ν+1)/2 with ν > 2.
async function evaluate(xs: Float32Array): Promise<{ lnGamma: Float32Array; digamma: Float32Array; softplus: Float32Array }> {
  const { device } = await requireGpu();
  const code = `${special}
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> ys: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let n = arrayLength(&xs);
  if (id.x >= n) { return; }
  ys[id.x] = ln_gamma(xs[id.x]);
  ys[n + id.x] = digamma(xs[id.x]);
  ys[2u * n + id.x] = softplus(xs[id.x] - 30.0);
}`;
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
  const n = xs.length;
  const input = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const output = device.createBuffer({ size: 3 * n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ size: 3 * n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(input, 0, xs);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: input } }, { binding: 1, resource: { buffer: output } }] }));
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  encoder.copyBufferToBuffer(output, 0, staging, 0, 3 * n * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const ys = new Float32Array(staging.getMappedRange().slice(0));
  for (const b of [input, output, staging]) b.destroy();
  return { lnGamma: ys.subarray(0, n), digamma: ys.subarray(n, 2 * n), softplus: ys.subarray(2 * n) };
}

describe('special.wgsl (f32)', () => {
  it('ln_gamma within 2e-6 absolute where |lnΓ| < 1, 1e-6 relative beyond; digamma within 1e-6 absolute, over [1, 200]', async () => {
    const xs = Float32Array.from({ length: 400 }, (_, i) => 1 + (199 * i) / 399);
    const got = await evaluate(xs);
    let worstAbs = 0, worstRel = 0, worstPsi = 0;
    xs.forEach((x, i) => {
      const ln = jStat.gammaln(x);
      expect(Math.abs(lnGamma64(x) - ln)).toBeLessThan(1e-9 * Math.max(1, Math.abs(ln))); // jStat and the Float64 twin agree
      const e = Math.abs(got.lnGamma[i] - ln);
      if (Math.abs(ln) < 1) worstAbs = Math.max(worstAbs, e);
      else worstRel = Math.max(worstRel, e / Math.abs(ln));
      worstPsi = Math.max(worstPsi, Math.abs(got.digamma[i] - digamma64(x)));
    });
    console.log(`special.wgsl here: ln_gamma worst absolute error ${worstAbs.toExponential(2)} (|lnΓ| < 1), worst relative ${worstRel.toExponential(2)} beyond; digamma worst absolute ${worstPsi.toExponential(2)}`);
    expect(worstAbs).toBeLessThan(2e-6);
    expect(worstRel).toBeLessThan(1e-6);
    expect(worstPsi).toBeLessThan(1e-6);
  });

  // WGSL allows exp an error of 3 + 2|x| ULP, so 1e-5 relative at u = −30.
  it('softplus keeps its relative accuracy (1e-5) far into the negative side: ν − 2 never rounds to 0', async () => {
    const xs = Float32Array.from([30, 0, 10, 20, 40, 60]); // softplus(x − 30): u = 0, −30, −20, −10, 10, 30
    const got = (await evaluate(xs)).softplus;
    xs.forEach((x, i) => {
      const u = x - 30, want = Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
      expect(Math.abs(got[i] - want) / want).toBeLessThan(1e-5);
    });
  });
});
