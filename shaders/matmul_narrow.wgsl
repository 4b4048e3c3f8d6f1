// C[M,N] = Aᵀ·B with A stored [R, M] ("narrow" variant of matmul.wgsl's TRANS_A case, for CPU-like adapters): the
// weight gradients dW_x = Xᵀ·dG and dW_h = H_prevᵀ·dG, summed over all T·B rows. B is either a buffer [R, N] or,
// when B is dG written by lstm_backward_narrow, a texture of one texel (the gates i, f, g, o) per unit and row.
// A workgroup is one 4-lane subgroup owning a {{MB}} x 64 block of C: {{MB}} rows of C by 16 four-column groups,
// four groups per lane. On SwiftShader every storage load whose index depends on the lane is a per-lane gather
// (tens of ns measured here), so the block is as tall as registers allow ({{MB}} + 64 values of A and B a row
// serve {{MB}} x 64 multiply-adds), each lane loads a quarter of a row's A values and shares them by
// subgroupBroadcast, and B comes from a texture where it can: one texel load brings 4 floats per lane. The template's
// blocks are unrolled (src/gpu/template.ts) so that every register index is a constant. Edges use select, not
// branches: branches in this unrolled code made SwiftShader's compiler run out of memory. With dims.onesRow = M, A gains a row of ones
// after its last (a column of ones in A stored [R, M]): C's row M is then Σ_r B[r, :], the bias gradient, stored at
// dims.onesOffset; it fills a spare row of the last block. CPU reference: matmul_backward (and its bias sum).
enable subgroups;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/matmulNarrow.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
{{#if B_TEXTURE}}
@group(0) @binding(2) var b: texture_2d_array<f32>;
{{#else}}
@group(0) @binding(2) var<storage, read> b: array<f32>;
{{/if}}
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

{{#define ROW_GROUP}}
{{#for s < SLOTS}}
    // Row r + s into slot s: the lane's MB/4 values of A (rows 4p + lane of the block; past M, zero or the row of
    // ones), its 4 column groups of B, and every lane's A values by broadcast.
    let arow{{s}} = dims.aOffset + (r + {{s}}u) * dims.M + m0 + lane;
{{#for p < MB / 4}}
    let am{{s}}_{{p}} = {{#if EXACT_M}}a[arow{{s}} + {{4 * p}}u]{{#else}}select(select(0.0, 1.0, m0 + {{4 * p}}u + lane == dims.onesRow), a[arow{{s}} + {{4 * p}}u], m0 + {{4 * p}}u + lane < dims.M){{/if}};
{{/for}}
{{#if B_TEXTURE}}
    // B's texel of unit j0 + 4q in row brow (a texel past the last unit holds anything; its group is never stored)
    let brow{{s}} = dims.bOffset + r + {{s}}u;
{{#for q < 4}}
    let b{{s}}_{{q}} = textureLoad(b, vec2u(j0 + {{4 * q}}u, brow{{s}} % dims.layerRows), brow{{s}} / dims.layerRows, 0);
{{/for}}
{{#else}}
    let brow{{s}} = dims.bOffset + (r + {{s}}u) * dims.N + n0;
{{#for q < 4}}
    let b{{s}}_{{q}} = vec4f({{#for k < 4}}{{#if k}}, {{/if}}{{#if EXACT_N}}b[brow{{s}} + {{16 * q + 4 * k}}u]{{#else}}select(0.0, b[brow{{s}} + {{16 * q + 4 * k}}u], n0 + {{16 * q + 4 * k}}u < dims.N){{/if}}{{/for}});
{{/for}}
{{/if}}
{{#for i < MB}}
    let a{{s}}_{{i}} = subgroupBroadcast(am{{s}}_{{i / 4}}, {{i % 4}}u);
{{/for}}
{{/for}}
    // acc[k] (C row i = k/4, the lane's column group q = k%4) += a{s}_i · b{s}_q for each slot s, as a chain of fma:
    // measured on SwiftShader here, a quarter faster than multiply then add.
{{#for k < 4 * MB}}
    acc[{{k}}] = {{#for s < SLOTS}}fma(vec4f(a{{SLOTS - 1 - s}}_{{k / 4}}), b{{SLOTS - 1 - s}}_{{k % 4}}, {{/for}}acc[{{k}}]{{#for s < SLOTS}}){{/for}};
{{/for}}
{{/define}}
@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wg.y * {{MB}}u;
{{#if B_TEXTURE}}
  let H = dims.N / 4u;
  let j0 = wg.x * 16u + lane; // the lane's column group q: unit j0 + 4q, its gate columns gH + j0 + 4q
{{#else}}
  let n0 = wg.x * 64u + lane; // the lane's column group q: columns n0 + 16q + 4k, k = 0..3
{{/if}}
  var acc: array<vec4f, {{MB}} * 4>; // acc[i*4 + q]: C[m0+i, the lane's column group q]
  // {{ROWS}} rows of A and B per iteration: each accumulator is then loaded and stored once per {{ROWS}} FMAs.
  var r = 0u;
  for (; r + {{ROWS}}u <= dims.R; r += {{ROWS}}u) {
{{#let SLOTS = ROWS}}
{{>ROW_GROUP}}
{{/let}}
  }
  for (; r < dims.R; r++) {
{{#let SLOTS = 1}}
{{>ROW_GROUP}}
{{/let}}
  }
  for (var i = 0u; i < {{MB}}u; i++) {
    let m = m0 + i;
    var row = dims.cOffset + m * dims.N;
    if (m == dims.onesRow) { row = dims.onesOffset; } else if (m >= dims.M) { break; }
    for (var q = 0u; q < 4u; q++) {
{{#if B_TEXTURE}}
      let j = j0 + 4u * q;
      if (j < H) { for (var g = 0u; g < 4u; g++) { c[row + g * H + j] = acc[i * 4u + q][g]; } }
{{#else}}
      for (var k = 0u; k < 4u; k++) { let n = n0 + 16u * q + 4u * k; if (n < dims.N) { c[row + n] = acc[i * 4u + q][k]; } }
{{/if}}
    }
  }
}
