// out[N, M] = in[M, N]ᵀ, read from `src` at srcOffset: gives the wide backward kernels W_hᵀ, so that lanes owning
// consecutive hidden units read consecutive addresses of it (W_h itself is laid out (H, 4H), a row per unit).
// Each workgroup moves a 16x16 tile through workgroup memory, so both the reads and the writes are coalesced.
// CPU reference: a plain transpose (test/kernels/transpose.test.ts).

const TILE = 16u;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/transpose.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

var<workgroup> tile: array<f32, 272>; // [TILE][TILE + 1]: the padding column keeps the column reads off one bank

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let m = wg.y * TILE + lid.y;
  let n = wg.x * TILE + lid.x;
  if (m < dims.M && n < dims.N) { tile[lid.y * (TILE + 1u) + lid.x] = src[dims.srcOffset + m * dims.N + n]; }
  workgroupBarrier();
  let om = wg.y * TILE + lid.x; // the lanes of one row now walk m
  let on = wg.x * TILE + lid.y;
  if (om < dims.M && on < dims.N) { dst[on * dims.M + om] = tile[lid.x * (TILE + 1u) + lid.y]; }
}
