// C[M,N] (+)= op(A)[M,K] · op(B)[K,N] (+ bias[N]): the input projection, dX = dG·W_xᵀ and the weight gradients
// (dW_x = Xᵀ·dG, dW_h = H_prevᵀ·dG) are all this one tiled kernel with different transposes and offsets.
// Each workgroup computes a 64x64 tile of C; each of its 256 lanes a 4x4 block held in registers.
// CPU reference: src/cpu/matmul.ts.

override TRANS_A: bool = false; // A is stored [K, M] (so op(A) = Aᵀ)
override TRANS_B: bool = false; // B is stored [N, K]
override HAS_BIAS: bool = false;
override ACCUMULATE: bool = false; // C += instead of C =

const TILE = 64u;
const TK = 16u;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/matmul.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

var<workgroup> As: array<f32, 1024>; // [TK][TILE]: op(A) tile, k-major
var<workgroup> Bs: array<f32, 1024>; // [TK][TILE]: op(B) tile, k-major

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= dims.M || k >= dims.K) { return 0.0; }
  if (TRANS_A) { return a[dims.aOffset + k * dims.M + m]; }
  return a[dims.aOffset + m * dims.K + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k >= dims.K || n >= dims.N) { return 0.0; }
  if (TRANS_B) { return b[dims.bOffset + n * dims.K + k]; }
  return b[dims.bOffset + k * dims.N + n];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let m0 = wg.y * TILE;
  let n0 = wg.x * TILE;
  var acc: array<vec4f, 4>; // acc[i][j] is C[m0 + 4*lid.y + i, n0 + 4*lid.x + j]
  for (var k0 = 0u; k0 < dims.K; k0 += TK) {
    // 256 lanes load the two 16x64 tiles, 4 values each.
    for (var e = 0u; e < 4u; e++) {
      let idx = li * 4u + e;
      let kk = idx / TILE;
      let mm = idx % TILE;
      As[idx] = loadA(m0 + mm, k0 + kk);
      Bs[idx] = loadB(k0 + kk, n0 + mm);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let av = vec4f(As[kk * TILE + lid.y * 4u], As[kk * TILE + lid.y * 4u + 1u], As[kk * TILE + lid.y * 4u + 2u], As[kk * TILE + lid.y * 4u + 3u]);
      let bv = vec4f(Bs[kk * TILE + lid.x * 4u], Bs[kk * TILE + lid.x * 4u + 1u], Bs[kk * TILE + lid.x * 4u + 2u], Bs[kk * TILE + lid.x * 4u + 3u]);
      acc[0] += av.x * bv;
      acc[1] += av.y * bv;
      acc[2] += av.z * bv;
      acc[3] += av.w * bv;
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y * 4u + i;
    if (m >= dims.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + lid.x * 4u + j;
      if (n >= dims.N) { continue; }
      var v = acc[i][j];
      if (HAS_BIAS) { v += b[dims.biasOffset + n]; }
      let at = dims.cOffset + m * dims.N + n;
      if (ACCUMULATE) { v += c[at]; }
      c[at] = v;
    }
  }
}

// dbias[N] (+)= Σ_r dout[r, N]: the bias gradient, one lane per column.
@compute @workgroup_size(64)
fn colsum(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  if (n >= dims.N) { return; }
  var s = 0.0;
  for (var r = 0u; r < dims.M; r++) { s += a[dims.aOffset + r * dims.N + n]; }
  let at = dims.cOffset + n;
  if (ACCUMULATE) { s += c[at]; }
  c[at] = s;
}
