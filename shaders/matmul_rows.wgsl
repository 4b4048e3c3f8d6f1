// C[M,N] = A[M,K] · B[N,K]ᵀ for a narrow C (few columns N): one lane per row of C, A's row and B's rows read as
// vec4s. It is dX = dG·W_xᵀ for the input's gradient, where N is the input width: the 64x64-tiled matmul.wgsl
// would spend most of its tile on padding there, and on CPU-like adapters (SwiftShader) its workgroup memory costs
// more than the whole product (2.4 s against tens of ms here for T·B = 11264 rows, K = 128, N = 6).
// K and every offset are multiples of 4 (K = 4H; W_x starts at a multiple of 4H in the flat parameters).
// CPU reference: matmul_backward's dinp in src/cpu/matmul.ts.

const WG = 64u;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/matmulRows.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r = id.x + id.y * groups.x * WG;
  if (r >= dims.M) { return; }
  let K4 = dims.K / 4u;
  let aRow = dims.aOffset / 4u + r * K4;
  // Four columns at a time, so each vec4 of A's row (a per-lane gather) serves four of B's rows (the same for all lanes).
  for (var n0 = 0u; n0 < dims.N; n0 += 4u) {
    let last = dims.N - 1u;
    let b0 = dims.bOffset / 4u + min(n0, last) * K4;
    let b1 = dims.bOffset / 4u + min(n0 + 1u, last) * K4;
    let b2 = dims.bOffset / 4u + min(n0 + 2u, last) * K4;
    let b3 = dims.bOffset / 4u + min(n0 + 3u, last) * K4;
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var k = 0u; k < K4; k++) {
      let x = a[aRow + k];
      acc0 = fma(x, b[b0 + k], acc0);
      acc1 = fma(x, b[b1 + k], acc1);
      acc2 = fma(x, b[b2 + k], acc2);
      acc3 = fma(x, b[b3 + k], acc3);
    }
    let out = dims.cOffset + r * dims.N + n0;
    c[out] = dot(acc0, vec4<f32>(1.0));
    if (n0 + 1u < dims.N) { c[out + 1u] = dot(acc1, vec4<f32>(1.0)); }
    if (n0 + 2u < dims.N) { c[out + 2u] = dot(acc2, vec4<f32>(1.0)); }
    if (n0 + 3u < dims.N) { c[out + 3u] = dot(acc3, vec4<f32>(1.0)); }
  }
}
