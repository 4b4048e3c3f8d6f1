// Backpropagation through time for one layer in one dispatch ("narrow" variant, for CPU-like adapters; see
// lstm_forward_narrow.wgsl for the layout). Lane l owns units l*U .. l*U+U-1: it turns dh, dc into the four gate
// gradients of its units, then dh_{t-1} = dG_t · W_hᵀ for its units, taking every unit's dG_t from the other lanes
// by subgroupBroadcast and its rows of W_h from private memory. Lines marked {{...}} are unrolled by
// src/gpu/lstmNarrow.ts. Out: dG (T,B,4H) in a buffer, and/or in a texture for matmul_narrow (a texel of the four
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
{{DG_BINDINGS}}

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
{{C_LAST}}
    for (var s = 0u; s < dims.T; s++) {
      let t = dims.T - 1u - s;
      let row = t * dims.B + b;
      let prev = select(row - dims.B, row, t == 0u); // the row of c_{t-1}; c_{-1} = 0 is selected below
      var d: array<vec4f, U>; // this step's gate gradients (i, f, g, o) of the lane's units
      // dh from above: every step's from the layer above, or only the last step's from the dense head.
      if (dims.lastStepOnly == 0u || s == 0u) {
        let above = select(row, b, dims.lastStepOnly == 1u) * H;
{{ABOVE}}
      }
{{GATE_GRADS}}
{{RECURRENT_DOTS}}
    }
  }
}
