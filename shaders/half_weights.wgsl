// Half-precision copies of a layer's W_h (H,4H) for the wide recurrence kernels' packed-f16 variant: each lane of
// those kernels then loads 8 bytes per step of its inner loop instead of 16, halving their weight traffic, while the
// master weights, Adam and every other kernel stay f32. Core WGSL's pack2x16float / unpack2x16float need no
// optional feature, so the variant runs on every adapter. Both copies are (H,H) arrays of vec2u, each u32 two f16:
//   forward_pack:  fwd[k][u] = W_h[k][u], W_h[k][u+H] | W_h[k][u+2H], W_h[k][u+3H]  (the four gates of unit u; lanes
//                  owning consecutive units u read consecutive 8 bytes, as lstm_forward.wgsl reads it);
//   backward_pack: bwd[q][k] = W_h[k][4q], W_h[k][4q+1] | W_h[k][4q+2], W_h[k][4q+3]  (W_hᵀ's rows 4q..4q+3 at
//                  column k, as lstm_backward.wgsl reads it: lanes owning consecutive k read consecutive 8 bytes).
// A lane per element; written once a layer each step, from the params Adam left (before the forward pass, and
// before the backward pass in place of the f32 transpose). CPU reference: test/kernels/half-weights.test.ts.

{{DIMS}} // struct Dims: its fields are declared in src/gpu/halfWeights.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> packed: array<vec2u>;

// A 2-D dispatch where H² lanes exceed the adapter's workgroups per dimension.
fn element(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * 64u; }

@compute @workgroup_size(64)
fn forward_pack(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let H = dims.H;
  let i = element(gid, nwg);
  if (i >= H * H) { return; }
  let w = dims.whOffset + (i / H) * 4u * H + i % H;
  packed[i] = vec2u(pack2x16float(vec2f(params[w], params[w + H])), pack2x16float(vec2f(params[w + 2u * H], params[w + 3u * H])));
}

@compute @workgroup_size(64)
fn backward_pack(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let H = dims.H;
  let i = element(gid, nwg);
  if (i >= H * H) { return; }
  let w = dims.whOffset + (i % H) * 4u * H + 4u * (i / H);
  packed[i] = vec2u(pack2x16float(vec2f(params[w], params[w + 1u])), pack2x16float(vec2f(params[w + 2u], params[w + 3u])));
}
