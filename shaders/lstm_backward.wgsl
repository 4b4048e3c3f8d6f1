// Backpropagation through time for one layer in one dispatch ("wide" variant, for GPUs): each workgroup owns
// ROWS batch rows and walks t = T-1..0. A lane owns a unit in {{R}} batch rows (a slice of ROWS): it turns dh, dc
// into the four gate pre-activation gradients dG_t of its unit, then, after one barrier, computes
// dh_{t-1} = dG_t · W_hᵀ for the same unit and rows from dG_t in workgroup memory (double-buffered, so one barrier
// a step): each W_h load serves the {{R}} rows.
// W_h is read transposed, whT (4H,H) (see transpose.wgsl): lanes owning units k, k+1, ... read consecutive addresses;
// with HALF, from its half-precision copy (half_weights.wgsl), 8 bytes a load of 4 entries instead of 16.
// In:  gates (T,B,4H) activations, cseq (T,B,H), whT (4H,H), dhAbove: (T,B,H) from the
//      layer above, or (B,H) from the dense head at t = T-1 when lastStepOnly.
// Out: dG (T,B,4H), which is also d(xproj); the weight gradients follow from it as GEMMs.
// With DROPOUT, dh_{t-1} = (dG_t · W_hᵀ) ⊙ rmask, the recurrent mask (B,H) of the forward pass (each row its own).
// CPU reference: lstm_backward in src/cpu/lstm.ts.

override H: u32;
override ROWS: u32 = 1u; // a multiple of {{R}}
override WG: u32 = 64u;
override DG_LEN: u32 = 8u * ROWS * H; // [2][ROWS][4H]
override ST_LEN: u32 = ROWS * H;
override DROPOUT: bool = false;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/lstm.ts

@group(0) @binding(0) var<uniform> dims: Dims;
{{#if HALF}}
@group(0) @binding(1) var<storage, read> whT: array<vec2u>; // W_hᵀ as f16 pairs, (H,H): see half_weights.wgsl
{{#else}}
@group(0) @binding(1) var<storage, read> whT: array<f32>; // W_hᵀ (4H,H)
{{/if}}
@group(0) @binding(2) var<storage, read> gates: array<f32>;
@group(0) @binding(3) var<storage, read> cseq: array<f32>;
@group(0) @binding(4) var<storage, read> dhAbove: array<f32>;
@group(0) @binding(5) var<storage, read_write> dG: array<f32>;
@group(0) @binding(6) var<storage, read_write> dcState: array<f32>; // (B,H), the per-step fallback's dc_{t+1}·f_{t+1}
@group(0) @binding(7) var<storage, read> rmask: array<f32>; // a placeholder without DROPOUT

// dh_{t-1}'s recurrent part at (row, unit), from dG_t · W_hᵀ.
fn masked(acc: f32, bRow: u32, u: u32) -> f32 {
  if (DROPOUT) { return acc * rmask[min(bRow, dims.B - 1u) * H + u]; } // a row past B is never used
  return acc;
}

// dh_t from outside the recurrence: the layer above at every step, or the dense head at t = T-1 only.
fn dh_above(t: u32, bRow: u32, u: u32) -> f32 {
  if (dims.lastStepOnly == 0u) { return dhAbove[(t * dims.B + bRow) * H + u]; }
  if (t + 1u == dims.T) { return dhAbove[bRow * H + u]; }
  return 0.0;
}

{{GATES}} // gate_slope(a): the gates' activation's slope, declared in src/gpu/gates.ts

// Rows 4q..4q+3 of W_hᵀ at column k; consecutive k, consecutive addresses.
fn wht_rows(q: u32, k: u32) -> vec4f {
{{#if HALF}}
  let p = whT[q * H + k];
  return vec4f(unpack2x16float(p.x), unpack2x16float(p.y));
{{#else}}
  let j = 4u * q * H + k;
  return vec4f(whT[j], whT[j + H], whT[j + 2u * H], whT[j + 3u * H]);
{{/if}}
}

struct CellGrad { d: vec4f, dcPrev: f32 }

// One (row, unit) cell at step t, given dh_t and dc_{t+1}·f_{t+1}: writes the gate gradients to dG[g0 + k·H] and
// returns them with dc_t·f_t for step t-1. s indexes cseq at (t, row, unit). Both entry points share it.
fn cell_backward(t: u32, g0: u32, s: u32, dh: f32, dcIn: f32) -> CellGrad {
  let a = vec4f(gates[g0], gates[g0 + H], gates[g0 + 2u * H], gates[g0 + 3u * H]);
  var cPrev = 0.0;
  if (t > 0u) { cPrev = cseq[s - dims.B * H]; }
  let tc = tanh(cseq[s]);
  let dc = dcIn + dh * a.w * (1.0 - tc * tc);
  let d = vec4f(dc * a.z * gate_slope(a.x), dc * cPrev * gate_slope(a.y), dc * a.x * (1.0 - a.z * a.z), dh * tc * gate_slope(a.w));
  dG[g0] = d.x;
  dG[g0 + H] = d.y;
  dG[g0 + 2u * H] = d.z;
  dG[g0 + 3u * H] = d.w;
  return CellGrad(d, dc * a.y);
}

var<workgroup> dgs: array<f32, DG_LEN>;
var<workgroup> dhNext: array<f32, ST_LEN>; // dG_{t+1} · W_hᵀ, per (row, unit)
var<workgroup> dcNext: array<f32, ST_LEN>; // dc_{t+1} ⊙ f_{t+1}, per (row, unit)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let G = 4u * H;
  let row0 = wg.x * ROWS;
  for (var s = 0u; s < dims.T; s++) {
    let t = dims.T - 1u - s;
    let buf = (s % 2u) * ROWS * G;
    // Lane p owns unit p % H in the same {{R}} rows in both halves, so it reads only the dhNext it wrote itself.
    for (var p = li; p < (ROWS / {{R}}u) * H; p += WG) {
      let u = p % H;
      for (var r = (p / H) * {{R}}u; r < (p / H + 1u) * {{R}}u; r++) {
        let bRow = row0 + r;
        if (bRow >= dims.B) { break; }
        let e = r * H + u;
        var dh = 0.0;
        var dcIn = 0.0;
        if (s > 0u) {
          dh = dhNext[e];
          dcIn = dcNext[e];
        }
        let cg = cell_backward(t, (t * dims.B + bRow) * G + u, (t * dims.B + bRow) * H + u, dh + dh_above(t, bRow, u), dcIn);
        let q = buf + r * G + u;
        dgs[q] = cg.d.x;
        dgs[q + H] = cg.d.y;
        dgs[q + 2u * H] = cg.d.z;
        dgs[q + 3u * H] = cg.d.w;
        dcNext[e] = cg.dcPrev;
      }
    }
    workgroupBarrier();
    for (var p = li; p < (ROWS / {{R}}u) * H; p += WG) {
      let r0 = (p / H) * {{R}}u;
      let k = p % H;
      var acc = array<f32, {{R}}>(); // zeroed each pass: SwiftShader kept a bare declaration's value from the last one
      for (var q = 0u; q < H; q++) {
        let w = wht_rows(q, k);
{{#for r < R}}
        let d{{r}} = buf + (r0 + {{r}}u) * G + 4u * q;
        acc[{{r}}] += dot(vec4f(dgs[d{{r}}], dgs[d{{r}} + 1u], dgs[d{{r}} + 2u], dgs[d{{r}} + 3u]), w);
{{/for}}
      }
{{#for r < R}}
      dhNext[(r0 + {{r}}u) * H + k] = masked(acc[{{r}}], row0 + r0 + {{r}}u, k);
{{/for}}
    }
  }
}

// The per-step fallback for very large H: one dispatch per step t (walked T-1..0 by the host), one lane per unit in
// {{R}} batch rows. dh_t's recurrent part, dG_{t+1} · W_hᵀ, is read from dG; dc_{t+1}·f_{t+1} lives in dcState.
@compute @workgroup_size(64)
fn step(@builtin(global_invocation_id) gid: vec3u) {
  let G = 4u * H;
  let p = gid.x;
  if (p >= ((dims.B + {{R}}u - 1u) / {{R}}u) * H) { return; }
  let r0 = (p / H) * {{R}}u;
  let u = p % H;
  let t = dims.t;
  var dh = array<f32, {{R}}>();
  if (t + 1u < dims.T) {
    for (var q = 0u; q < H; q++) {
      let w = wht_rows(q, u);
{{#for r < R}}
      let d{{r}} = ((t + 1u) * dims.B + min(r0 + {{r}}u, dims.B - 1u)) * G + 4u * q; // a row past B repeats the last, unused
      dh[{{r}}] += dot(vec4f(dG[d{{r}}], dG[d{{r}} + 1u], dG[d{{r}} + 2u], dG[d{{r}} + 3u]), w);
{{/for}}
    }
  }
{{#for r < R}}
  if (r0 + {{r}}u < dims.B) {
    let q = (r0 + {{r}}u) * H + u;
    var dcIn = 0.0;
    if (t + 1u < dims.T) { dcIn = dcState[q]; }
    dcState[q] = cell_backward(t, (t * dims.B + r0 + {{r}}u) * G + u, t * dims.B * H + q, masked(dh[{{r}}], r0 + {{r}}u, u) + dh_above(t, r0 + {{r}}u, u), dcIn).dcPrev;
  }
{{/for}}
}
