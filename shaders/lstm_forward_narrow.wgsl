// The LSTM recurrence of one layer over all T steps in one dispatch ("narrow" variant, for CPU-like adapters
// such as SwiftShader, whose lanes are a 4-wide SIMD unit). One workgroup is one 4-lane subgroup and walks its
// batch rows in turn. Lane l owns units l*U .. l*U+U-1 with all four gates, keeping its columns of W_x and W_h
// in private memory; h is exchanged with subgroupBroadcast, so there is no workgroup memory and no barrier.
// The input projection x·W_x + b is fused in. The template's for blocks are unrolled (src/gpu/template.ts), so that
// every private-array index in the hot loop is a constant (dynamic indices cost a gather on SwiftShader).
// Out: the gate activations i, f, g, o as a texture (one texel per unit and row, rows wrapped into layers of
// dims.layerRows: one store per unit where a buffer takes four); hseq, cseq (T,B,H). CPU reference: matmul_forward
// then lstm_forward in src/cpu.
enable subgroups;

const H = {{H}}u;
const I = {{I}}u;
const U = {{U}}u; // units per lane: ceil(H / 4)

{{DIMS}} // struct Dims: its fields are declared in src/gpu/lstmNarrow.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>; // (T,B,I): the layer's input
@group(0) @binding(3) var gates: texture_storage_2d_array<rgba32float, write>;
@group(0) @binding(4) var<storage, read_write> hseq: array<f32>;
@group(0) @binding(5) var<storage, read_write> cseq: array<f32>;

{{GATES}} // gate(z): the gates' activation, declared in src/gpu/gates.ts

// The four gate weights of unit `col` in row k of a [*, 4H] matrix at `offset`; zero for padding units.
fn gate4(offset: u32, k: u32, col: u32) -> vec4f {
  if (col >= H) { return vec4f(0.0); }
  let at = offset + k * 4u * H + col;
  return vec4f(params[at], params[at + H], params[at + 2u * H], params[at + 3u * H]);
}

@compute @workgroup_size(4)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let u0 = lane * U;
  var wx: array<vec4f, I * U>; // wx[k*U + u]: W_x[k, gates of unit u0+u]
  var wh: array<vec4f, H * U>; // wh[k*U + u]: W_h[k, gates of unit u0+u]
  var bias: array<vec4f, U>;
  for (var u = 0u; u < U; u++) {
    bias[u] = gate4(dims.biasOffset, 0u, u0 + u);
    for (var k = 0u; k < I; k++) { wx[k * U + u] = gate4(dims.kernelOffset, k, u0 + u); }
    for (var k = 0u; k < H; k++) { wh[k * U + u] = gate4(dims.recurrentOffset, k, u0 + u); }
  }
  for (var r = 0u; r < dims.rows; r++) { // dims.rows batch rows per workgroup, walked one after another
    let b = wg.x * dims.rows + r;
    if (b >= dims.B) { break; }
    // Explicit zeros: on SwiftShader a bare `var` declared in a loop kept its value from the previous iteration.
    var h = array<f32, U>();
    var c = array<f32, U>();
    for (var t = 0u; t < dims.T; t++) {
      let xrow = (t * dims.B + b) * I;
      let row = t * dims.B + b;
      var xb: array<f32, I>; // x_t of this row
      var hb: array<f32, H>; // h_{t-1} of every unit, from the lanes that own them
      var z: array<vec4f, U>; // gate pre-activations i, f, g, o of the lane's units
{{#for k < I}}
      xb[{{k}}] = x[xrow + {{k}}u];
{{/for}}
{{#for k < H}}
      hb[{{k}}] = subgroupBroadcast(h[{{k % U}}], {{k / U}}u);
{{/for}}
      // One unit at a time, its four gate sums in registers; s += v·w as fma (measured on SwiftShader here, faster
      // than multiply then add, as in matmul_narrow). Then the cell update of every unit.
{{#for u < U}}
      {
        var s = bias[{{u}}];
{{#for k < I}}
        s = fma(vec4f(xb[{{k}}]), wx[{{k * U + u}}], s);
{{/for}}
{{#for k < H}}
        s = fma(vec4f(hb[{{k}}]), wh[{{k * U + u}}], s);
{{/for}}
        z[{{u}}] = s;
      }
{{/for}}
{{#for u < U}}
      {
        let a = vec4f(gate(z[{{u}}].x), gate(z[{{u}}].y), tanh(z[{{u}}].z), gate(z[{{u}}].w));
        c[{{u}}] = a.y * c[{{u}}] + a.x * a.z;
        h[{{u}}] = a.w * tanh(c[{{u}}]);
        let col = u0 + {{u}}u;
        if (col < H) {
          textureStore(gates, vec2u(col, row % dims.layerRows), row / dims.layerRows, a); // unit col's texel in row
          cseq[row * H + col] = c[{{u}}];
          hseq[row * H + col] = h[{{u}}];
        }
      }
{{/for}}
    }
  }
}
