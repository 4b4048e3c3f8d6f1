// Global-norm gradient clipping and Adam over the ONE flat buffer that holds every parameter.
// grad_norm: one workgroup sums the squares of all gradients; adam: one lane per parameter.
// CPU reference: grad_norm / adam_update in src/cpu/adam.ts.

const WG = 256u;

{{HYPER}} // struct Hyper: its fields are declared in src/gpu/adam.ts

@group(0) @binding(0) var<uniform> hp: Hyper;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> norm: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn grad_norm(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < hp.n; i += WG) { s += grads[i] * grads[i]; }
  partial[li] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
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
