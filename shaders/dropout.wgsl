// Dropout's mask over a (T,B,X) tensor: every step's (B,X) rows times one (B,X) mask (0 or 1/(1 − p)), so each
// window keeps the same units at every step. Forward on a layer's input (a masked copy, or in place on the
// uploaded x), backward on the gradient reaching it (in place). One lane per value.
// CPU reference: masked in src/cpu/model.ts (mask_rows in src/cpu/fast.ts).

{{DIMS}} // struct Dims: its fields are declared in src/gpu/dropout.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(64)
fn masked_copy(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * dims.stride + gid.x;
  if (i >= dims.n) { return; }
  dst[i] = src[i] * mask[i % dims.period];
}

@compute @workgroup_size(64)
fn mask_in_place(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * dims.stride + gid.x;
  if (i >= dims.n) { return; }
  dst[i] *= mask[i % dims.period];
}
