// Global-norm gradient clipping and Adam over the ONE flat buffer that holds every parameter.
// grad_norm: up to PARTIALS workgroups each sum the squares of a strided share of the gradients into partials;
// grad_norm_total: one workgroup adds those up (a tree in workgroup memory); adam: one lane per parameter.
// CPU reference: grad_norm / adam_update in src/cpu/adam.ts.

const WG = 256u;
const PARTIALS = 256u; // grad_norm's most workgroups: grad_norm_total's lanes each add one partial sum

{{HYPER}} // struct Hyper: its fields are declared in src/gpu/adam.ts

@group(0) @binding(0) var<uniform> hp: Hyper;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> norm: array<f32>;
@group(0) @binding(6) var<storage, read_write> partials: array<f32>; // [PARTIALS], zero past grad_norm's workgroups

var<workgroup> partial: array<f32, WG>;

// The block-sum of a workgroup's values in partial[]: left in partial[0].
fn workgroup_sum(li: u32) {
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn grad_norm(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  var s = 0.0;
  for (var i = gid.x; i < hp.n; i += nwg.x * WG) { s += grads[i] * grads[i]; } // consecutive lanes, consecutive i
  partial[li] = s;
  workgroup_sum(li);
  if (li == 0u) { partials[wg.x] = partial[0]; }
}

@compute @workgroup_size(WG)
fn grad_norm_total(@builtin(local_invocation_index) li: u32) {
  partial[li] = partials[li];
  workgroup_sum(li);
  if (li == 0u) { norm[0] = sqrt(partial[0]); }
}

@compute @workgroup_size(WG)
fn adam(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG; // 2-D dispatch when n exceeds 65535 workgroups' worth
  if (i >= hp.n) { return; }
  var scale = 1.0;
  if (hp.clipNorm > 0.0 && norm[0] > hp.clipNorm) { scale = hp.clipNorm / norm[0]; }
  let g = grads[i] * scale;
  let mi = hp.beta1 * m[i] + (1.0 - hp.beta1) * g;
  let vi = hp.beta2 * v[i] + (1.0 - hp.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let update = mi / hp.correction1 / (sqrt(vi / hp.correction2) + hp.epsilon);
  params[i] -= hp.learningRate * (update + hp.weightDecay * params[i]);
}
