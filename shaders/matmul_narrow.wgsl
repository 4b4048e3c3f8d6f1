// C[M,N] = Aᵀ·B with A stored [R, M] and B stored [R, N] ("narrow" variant of matmul.wgsl's TRANS_A case, for
// CPU-like adapters): the weight gradients dW_x = Xᵀ·dG and dW_h = H_prevᵀ·dG, summed over all T·B rows.
// A workgroup is one 4-lane subgroup owning a {{MB}} x 64 block of C; lane l owns the block's columns 4j + l
// (j = 0..15) for all {{MB}} rows: {{MB}} x 16 accumulators. Storage loads with a lane-dependent index are per-lane
// gathers on SwiftShader, and each row of A and B costs ({{MB}} + 64) / 4 of them per lane: taller blocks load less. Lanes interleave so that every load and store
// touches 4 consecutive floats, one per lane: SwiftShader (a 4-wide SIMD CPU) turns those into one vector access,
// and any other pattern into a per-lane gather. Each lane loads a quarter of the block row's A values and shares them by
// subgroupBroadcast. Lines marked {{...}} are unrolled by src/gpu/matmulNarrow.ts so that every register index
// is a constant. With dims.onesRow = M, A gains a row of ones after its last (a column of ones in A stored [R, M]):
// C's row M is then Σ_r B[r, :], the bias gradient, stored at dims.onesOffset; it fills a block row's spare lanes
// when {{MB}} does not divide M. CPU reference: matmul_backward (and its bias sum).
enable subgroups;

struct Dims { M: u32, N: u32, R: u32, aOffset: u32, bOffset: u32, cOffset: u32, onesRow: u32, onesOffset: u32 }

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wg.y * {{MB}}u;
  let n0 = wg.x * 64u + lane; // this lane's columns: n0 + 4j
  var acc: array<vec4f, {{MB}} * 4>; // acc[i*4 + q]: C[m0+i, columns j = 4q .. 4q+3 of this lane]
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
    for (var j = 0u; j < 16u; j++) {
      let n = n0 + 4u * j;
      if (n < dims.N) { c[row + n] = acc[i * 4u + j / 4u][j % 4u]; }
    }
  }
}
