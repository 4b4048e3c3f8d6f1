// Backpropagation through time for one layer in one dispatch ("narrow" variant, for CPU-like adapters; see
// lstm_forward_narrow.wgsl for the layout). Lane l owns units l*U .. l*U+U-1: it turns dh, dc into the four gate
// gradients of its units, then dh_{t-1} = dG_t · W_hᵀ for its units, taking every unit's dG_t from the other lanes
// by subgroupBroadcast and its rows of W_h from private memory. The template's for blocks are unrolled
// (src/gpu/template.ts). Where 4 divides H (EXACT) no lane owns a padding unit (col >= H): loads need no select and
// stores no branch. Elsewhere a padding unit's load reads a neighbour (WebGPU keeps every access in bounds) and
// select zeroes it. Out: dG (T,B,4H) in a buffer, and/or in a texture for matmul_narrow (a texel of the four
// gate gradients per unit and row; rows wrapped into layers of dims.layerRows). CPU reference: lstm_backward in
// src/cpu/lstm.ts.
enable subgroups;

const H = {{H}}u;
const U = {{U}}u;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/lstmNarrow.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var gates: texture_2d_array<f32>; // lstm_forward_narrow's gate activations
@group(0) @binding(3) var<storage, read> cseq: array<f32>;
@group(0) @binding(4) var<storage, read> dhAbove: array<f32>;
{{#if DG_BUFFER}}
@group(0) @binding(5) var<storage, read_write> dG: array<f32>;
{{/if}}
{{#if DG_TEXTURE}}
@group(0) @binding(6) var dGt: texture_storage_2d_array<rgba32float, write>;
{{/if}}

{{GATES}} // gate_slope(a): the gates' activation's slope, declared in src/gpu/gates.ts

@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let u0 = lane * U;
  var wh: array<vec4f, U * H>; // wh[k*H + j]: W_h[u0+k, gates of unit j]
  for (var k = 0u; k < U; k++) {
    for (var j = 0u; j < H; j++) {
      var w = vec4f(0.0);
      if (u0 + k < H) {
        let at = dims.recurrentOffset + (u0 + k) * 4u * H + j;
        w = vec4f(params[at], params[at + H], params[at + 2u * H], params[at + 3u * H]);
      }
      wh[k * H + j] = w;
    }
  }
  for (var r = 0u; r < dims.rows; r++) { // dims.rows batch rows per workgroup, walked one after another
    let b = wg.x * dims.rows + r;
    if (b >= dims.B) { break; }
    // Explicit zeros: on SwiftShader a bare `var` declared in a loop kept its value from the previous iteration.
    var dhNext = array<f32, U>();
    var dcNext = array<f32, U>();
    var cNow: array<f32, U>; // c_t of the lane's units: loaded for t = T-1, then carried from the step before
{{#for u < U}}
    {
      let col = u0 + {{u}}u;
      cNow[{{u}}] = {{#if EXACT}}cseq[((dims.T - 1u) * dims.B + b) * H + col]{{#else}}select(0.0, cseq[((dims.T - 1u) * dims.B + b) * H + col], col < H){{/if}};
    }
{{/for}}
    for (var s = 0u; s < dims.T; s++) {
      let t = dims.T - 1u - s;
      let row = t * dims.B + b;
      let prev = select(row - dims.B, row, t == 0u); // the row of c_{t-1}; c_{-1} = 0 is selected below
      var d: array<vec4f, U>; // this step's gate gradients (i, f, g, o) of the lane's units
      // dh from above: every step's from the layer above, or only the last step's from the dense head.
      if (dims.lastStepOnly == 0u || s == 0u) {
        let above = select(row, b, dims.lastStepOnly == 1u) * H;
{{#for u < U}}
        {
          let col = u0 + {{u}}u;
          dhNext[{{u}}] += {{#if EXACT}}dhAbove[above + col]{{#else}}select(0.0, dhAbove[above + col], col < H){{/if}};
        }
{{/for}}
      }
{{#for u < U}}
      {
        let col = u0 + {{u}}u;
        let dh = dhNext[{{u}}];
        let cc = cNow[{{u}}];
        let a = {{#if EXACT}}textureLoad(gates, vec2u(col, row % dims.layerRows), row / dims.layerRows, 0){{#else}}select(vec4f(0.0), textureLoad(gates, vec2u(col, row % dims.layerRows), row / dims.layerRows, 0), col < H){{/if}};
        let cp = select(0.0, {{#if EXACT}}cseq[prev * H + col]{{#else}}select(0.0, cseq[prev * H + col], col < H){{/if}}, t > 0u);
        let tc = tanh(cc);
        let dc = dcNext[{{u}}] + dh * a.w * (1.0 - tc * tc);
        d[{{u}}] = vec4f(dc * a.z * gate_slope(a.x), dc * cp * gate_slope(a.y), dc * a.x * (1.0 - a.z * a.z), dh * tc * gate_slope(a.w));
        dcNext[{{u}}] = dc * a.y;
        cNow[{{u}}] = cp;
{{#if !EXACT}}
        if (col < H) {
{{/if}}
{{#if DG_BUFFER}}
        let g0 = row * 4u * H + col;
        dG[g0] = d[{{u}}].x;
        dG[g0 + H] = d[{{u}}].y;
        dG[g0 + 2u * H] = d[{{u}}].z;
        dG[g0 + 3u * H] = d[{{u}}].w;
{{/if}}
{{#if DG_TEXTURE}}
        textureStore(dGt, vec2u(col, row % dims.layerRows), row / dims.layerRows, d[{{u}}]);
{{/if}}
{{#if !EXACT}}
        }
{{/if}}
      }
{{/for}}
      // dh_{t-1} = dG_t · W_hᵀ for the lane's units: acc_k += v · w as a chain of fma (see lstm_forward_narrow).
      var acc = array<f32, U>();
{{#for j < H}}
      {
        let v = subgroupBroadcast(d[{{j % U}}], {{j / U}}u);
{{#for k < U}}
        { let w = wh[{{k * H + j}}]; acc[{{k}}] = fma(v.w, w.w, fma(v.z, w.z, fma(v.y, w.y, fma(v.x, w.x, acc[{{k}}])))); }
{{/for}}
      }
{{/for}}
{{#for k < U}}
      dhNext[{{k}}] = acc[{{k}}];
{{/for}}
    }
  }
}
