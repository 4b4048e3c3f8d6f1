// C[M,N] = Aᵀ·B with A stored [R, M] ("narrow" variant of matmul.wgsl's TRANS_A case, for CPU-like adapters): the
// weight gradients dW_x = Xᵀ·dG and dW_h = H_prevᵀ·dG, summed over all T·B rows. B is either a buffer [R, N] or,
// when B is dG written by lstm_backward_narrow, a texture of one texel (the gates i, f, g, o) per unit and row.
// A workgroup is one 4-lane subgroup owning a {{MB}} x 64 block of C: {{MB}} rows of C by 16 four-column groups,
// four groups per lane. On SwiftShader every storage load whose index depends on the lane is a per-lane gather
// (tens of ns measured here), so the block is as tall as registers allow ({{MB}} + 64 values of A and B a row
// serve {{MB}} x 64 multiply-adds), each lane loads a quarter of a row's A values and shares them by
// subgroupBroadcast, and B comes from a texture where it can: one texel load brings 4 floats per lane. Its slots are unrolled by
// src/gpu/matmulNarrow.ts so that every register index is a constant. With dims.onesRow = M, A gains a row of ones
// after its last (a column of ones in A stored [R, M]): C's row M is then Σ_r B[r, :], the bias gradient, stored at
// dims.onesOffset; it fills a spare row of the last block. CPU reference: matmul_backward (and its bias sum).
enable subgroups;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/matmulNarrow.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
{{B_BINDING}}
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wg.y * {{MB}}u;
{{COLUMNS}}
  var acc: array<vec4f, {{MB}} * 4>; // acc[i*4 + q]: C[m0+i, the lane's column group q]
  // {{ROWS}} rows of A and B per iteration: each accumulator is then loaded and stored once per {{ROWS}} FMAs.
  var r = 0u;
  for (; r + {{ROWS}}u <= dims.R; r += {{ROWS}}u) {
{{BLOCK}}
  }
  for (; r < dims.R; r++) {
{{SINGLE}}
  }
  for (var i = 0u; i < {{MB}}u; i++) {
    let m = m0 + i;
    var row = dims.cOffset + m * dims.N;
    if (m == dims.onesRow) { row = dims.onesOffset; } else if (m >= dims.M) { break; }
    for (var q = 0u; q < 4u; q++) {
{{STORE}}
    }
  }
}
