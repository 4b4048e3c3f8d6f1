// The LSTM recurrence of one layer over ALL time steps in one dispatch ("wide" variant, for GPUs).
// Batch rows are independent, so each workgroup owns ROWS of them and walks t = 0..T-1 by itself, keeping
// h_{t-1} in workgroup memory (double-buffered: one barrier a step). Each lane owns a unit in {{R}} batch rows (a
// slice of ROWS) and computes all four gates of its unit, so the cell update needs no exchange; each W_h load (lanes
// of consecutive units read consecutive addresses) serves the lane's {{R}} rows.
// In:  gates (T,B,4H) holds xproj = x·W_x + b on entry; W_h (H,4H) lives in the flat params buffer.
// Out: gates (T,B,4H) overwritten in place by the activations i, f, g, o; hseq, cseq (T,B,H).
// With HALF, W_h is read from its half-precision copy (half_weights.wgsl), 8 bytes a load instead of 16.
// With DROPOUT, h_{t-1} meets W_h times the recurrent mask rmask (B,H) (each batch row its own), and hrec (T,B,H)
// keeps h ⊙ rmask for dW_h.
// CPU reference: lstm_forward in src/cpu/lstm.ts.

override H: u32;
override ROWS: u32 = 1u; // batch rows per workgroup, a multiple of {{R}}
override WG: u32 = 64u; // lanes per workgroup
override HS_LEN: u32 = 2u * ROWS * H;
override CS_LEN: u32 = ROWS * H;
override DROPOUT: bool = false;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/lstm.ts

@group(0) @binding(0) var<uniform> dims: Dims;
{{#if HALF}}
@group(0) @binding(1) var<storage, read> whHalf: array<vec2u>; // W_h as f16 pairs, (H,H): see half_weights.wgsl
{{#else}}
@group(0) @binding(1) var<storage, read> params: array<f32>;
{{/if}}
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> hseq: array<f32>;
@group(0) @binding(4) var<storage, read_write> cseq: array<f32>;
@group(0) @binding(5) var<storage, read> rmask: array<f32>; // a placeholder without DROPOUT
@group(0) @binding(6) var<storage, read_write> hrec: array<f32>; // a placeholder without DROPOUT

var<workgroup> hs: array<f32, HS_LEN>; // [2][ROWS][H]
var<workgroup> cs: array<f32, CS_LEN>; // [ROWS][H], each entry touched by one lane only

{{GATES}} // gate(z): the gates' activation, declared in src/gpu/gates.ts

// Row k of W_h at the four gate columns of unit u; consecutive u, consecutive addresses.
fn wh_gates(k: u32, u: u32) -> vec4f {
{{#if HALF}}
  let p = whHalf[k * H + u];
  return vec4f(unpack2x16float(p.x), unpack2x16float(p.y));
{{#else}}
  let w = dims.whOffset + k * 4u * H + u;
  return vec4f(params[w], params[w + H], params[w + 2u * H], params[w + 3u * H]);
{{/if}}
}

// One (row, unit) cell at one step, from its gate pre-activations z: writes the activations to gates[g0 + k·H]
// and c, h to cseq[s], hseq[s]; returns (c, h), h as W_h meets it at the next step. Both entry points share it.
fn cell_forward(g0: u32, s: u32, z: vec4f, cPrev: f32) -> vec2f {
  let a = vec4f(gate(z.x), gate(z.y), tanh(z.z), gate(z.w));
  let c = a.y * cPrev + a.x * a.z;
  let h = a.w * tanh(c);
  gates[g0] = a.x;
  gates[g0 + H] = a.y;
  gates[g0 + 2u * H] = a.z;
  gates[g0 + 3u * H] = a.w;
  cseq[s] = c;
  hseq[s] = h;
  if (DROPOUT) {
    let hm = h * rmask[s % (dims.B * H)];
    hrec[s] = hm;
    return vec2f(c, hm);
  }
  return vec2f(c, h);
}

// h_{t-1} at flat index i of (T,B,H) as W_h meets it, for the per-step fallback.
fn h_prev(i: u32) -> f32 {
  if (DROPOUT) { return hrec[i]; }
  return hseq[i];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let G = 4u * H;
  let row0 = wg.x * ROWS;
  for (var t = 0u; t < dims.T; t++) {
    let cur = (t % 2u) * ROWS * H;
    let nxt = ((t + 1u) % 2u) * ROWS * H;
    for (var p = li; p < (ROWS / {{R}}u) * H; p += WG) {
      let r0 = (p / H) * {{R}}u; // the slice's first row in the workgroup
      let u = p % H;
      var z = array<vec4f, {{R}}>();
{{#for r < R}}
      if (row0 + r0 + {{r}}u < dims.B) {
        let g0 = (t * dims.B + row0 + r0 + {{r}}u) * G + u;
        z[{{r}}] = vec4f(gates[g0], gates[g0 + H], gates[g0 + 2u * H], gates[g0 + 3u * H]);
      }
{{/for}}
      if (t > 0u) {
        for (var k = 0u; k < H; k++) {
          let wk = wh_gates(k, u);
{{#for r < R}}
          z[{{r}}] += hs[cur + (r0 + {{r}}u) * H + k] * wk;
{{/for}}
        }
      }
{{#for r < R}}
      if (row0 + r0 + {{r}}u < dims.B) {
        let q = (r0 + {{r}}u) * H + u;
        var cPrev = 0.0;
        if (t > 0u) { cPrev = cs[q]; }
        let bRow = row0 + r0 + {{r}}u;
        let ch = cell_forward((t * dims.B + bRow) * G + u, (t * dims.B + bRow) * H + u, z[{{r}}], cPrev);
        cs[q] = ch.x;
        hs[nxt + q] = ch.y;
      }
{{/for}}
    }
    workgroupBarrier();
  }
}

// The per-step fallback for shapes whose state does not fit workgroup memory (very large H): one dispatch per
// time step, all encoded into the same command buffer, one lane per unit in {{R}} batch rows, h_{t-1} and c_{t-1}
// read back from hseq and cseq. dims.t is the step.
@compute @workgroup_size(64)
fn step(@builtin(global_invocation_id) gid: vec3u) {
  let G = 4u * H;
  let p = gid.x;
  if (p >= ((dims.B + {{R}}u - 1u) / {{R}}u) * H) { return; }
  let r0 = (p / H) * {{R}}u;
  let u = p % H;
  let t = dims.t;
  var z = array<vec4f, {{R}}>();
{{#for r < R}}
  let g{{r}} = (t * dims.B + min(r0 + {{r}}u, dims.B - 1u)) * G + u; // a row past B repeats the last one, unwritten
  z[{{r}}] = vec4f(gates[g{{r}}], gates[g{{r}} + H], gates[g{{r}} + 2u * H], gates[g{{r}} + 3u * H]);
{{/for}}
  if (t > 0u) {
    for (var k = 0u; k < H; k++) {
      let wk = wh_gates(k, u);
{{#for r < R}}
      z[{{r}}] += h_prev(((t - 1u) * dims.B + min(r0 + {{r}}u, dims.B - 1u)) * H + k) * wk;
{{/for}}
    }
  }
{{#for r < R}}
  if (r0 + {{r}}u < dims.B) {
    var cPrev = 0.0;
    if (t > 0u) { cPrev = cseq[((t - 1u) * dims.B + r0 + {{r}}u) * H + u]; }
    cell_forward(g{{r}}, (t * dims.B + r0 + {{r}}u) * H + u, z[{{r}}], cPrev);
  }
{{/for}}
}
