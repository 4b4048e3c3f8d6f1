// C[M,N] = Aᵀ·B with A stored [R, M] and B stored [R, N] ("narrow" variant of matmul.wgsl's TRANS_A case, for
// CPU-like adapters): the weight gradients dW_x = Xᵀ·dG and dW_h = H_prevᵀ·dG, summed over all T·B rows.
// A workgroup is one 4-lane subgroup owning a 16 x 64 block of C; each lane holds 16 rows x 16 columns in
// registers (64 vec4 accumulators). Per row r of A and B a lane makes one vec4 load of A (its 4 of the block's
// 16 rows, shared by subgroupBroadcast) and four of B: loads, not arithmetic, are what SwiftShader pays for.
// Needs M and N to be multiples of 4 and the offsets too (vec4 loads). Lines marked {{...}} are unrolled by
// src/gpu/matmulNarrow.ts so that every register index is a constant. CPU reference: matmul_backward.
enable subgroups;

struct Dims { M: u32, N: u32, R: u32, aOffset: u32, bOffset: u32, cOffset: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wg.y * 16u;
  let n0 = wg.x * 64u + lane * 16u;
  let aLive = m0 + 4u * lane < dims.M;
  var acc: array<vec4f, 64>; // acc[i*4 + j]: C[m0+i, n0+4j .. n0+4j+3]
  // {{ROWS}} rows of A and B per iteration: each accumulator is then loaded and stored once per {{ROWS}} FMAs.
  var r = 0u;
  for (; r + {{ROWS}}u <= dims.R; r += {{ROWS}}u) {
{{BLOCK}}
  }
  for (; r < dims.R; r++) {
{{SINGLE}}
  }
  for (var i = 0u; i < 16u; i++) {
    let m = m0 + i;
    if (m >= dims.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + 4u * j;
      if (n >= dims.N) { break; }
      let at = dims.cOffset + m * dims.N + n;
      let v = acc[i * 4u + j];
      c[at] = v.x;
      c[at + 1u] = v.y;
      c[at + 2u] = v.z;
      c[at + 3u] = v.w;
    }
  }
}
