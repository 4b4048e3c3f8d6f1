// The LSTM recurrence of one layer, forward and backward, with W_h held in registers across all T steps (the
// "persistent" variant, for GPUs and H <= 128). Each workgroup owns {{R}} batch rows and walks all T steps; its
// H·S lanes split W_h between them: lane (u, s) keeps the four gate weights of unit u for rows k = i·S + s of W_h
// (i < KS), loaded once, with every index a constant (the template unrolls over i) so they can stay in registers.
// A step's sum over k is then split over the S lanes of a unit and reduced across them: with subgroupShuffleXor
// where the adapter has subgroups (the S lanes of a unit are consecutive and S divides the subgroup size), through
// workgroup memory otherwise (one more barrier a step). All S lanes of a unit then run its cell update alike (so c
// and dc stay in registers); lane s = 0 writes the results.
// Forward: h_{t-1} is exchanged through workgroup memory (double-buffered: one barrier a step with subgroups).
//   In: gates (T,B,4H) holds xproj = x·W_x + b; W_h (H,4H) in params at dims.whOffset.
//   Out: gates overwritten by the activations i, f, g, o; hseq, cseq (T,B,H); with DROPOUT, hrec = h ⊙ rmask.
// Backward: walks t = T-1..0; dG_t is exchanged through workgroup memory and dh_{t-1}[u] = Σ_j dG_t[j]·W_h[u, j]
//   is reduced like the forward sums, landing in the lanes of unit u, which need it next.
//   In: gates (activations), cseq, dhAbove ((T,B,H) from the layer above, or (B,H) at t = T-1 when lastStepOnly).
//   Out: dG (T,B,4H). With DROPOUT, dh_{t-1} = (dG_t·W_hᵀ) ⊙ rmask.
// CPU reference: lstm_forward and lstm_backward in src/cpu/lstm.ts.
{{#if SUBGROUPS}}
enable subgroups;
{{/if}}

const H = {{H}}u;
const S = {{S}}u; // lanes a unit's sums are split over: a power of two
const KS = {{KS}}u; // rows of W_h each lane holds: ceil(H / S)
const HP = KS * S; // H padded to whole slices; the padding stays zero
const R = {{R}}u; // batch rows per workgroup, each weight in registers serving them all
override DROPOUT: bool = false;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/lstmPersistent.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> gates: array<f32>;
@group(0) @binding(3) var<storage, read_write> hseq: array<f32>;
@group(0) @binding(4) var<storage, read_write> cseq: array<f32>;
@group(0) @binding(5) var<storage, read> rmask: array<f32>; // a placeholder without DROPOUT
@group(0) @binding(6) var<storage, read_write> hrec: array<f32>; // a placeholder without DROPOUT
@group(0) @binding(7) var<storage, read> dhAbove: array<f32>;
@group(0) @binding(8) var<storage, read_write> dG: array<f32>;

var<workgroup> hs: array<f32, 2u * R * HP>; // forward: h_{t-1} [2][R][HP]
var<workgroup> dgs: array<vec4f, 2u * R * HP>; // backward: dG_t of unit k [2][R][HP]
{{#if !SUBGROUPS}}
var<workgroup> part: array<vec4f, R * H * S>; // each lane's partial sums [R][H][S]
{{/if}}

{{GATES}} // gate(z), gate_slope(a): the gates' activation, declared in src/gpu/gates.ts

// The sums of the S lanes of each unit, in all of them. `li` is the lane's index, u·S + s. Called by every lane.
fn reduce(z: array<vec4f, R>, li: u32) -> array<vec4f, R> {
  var sum = z;
{{#if SUBGROUPS}}
  for (var m = S / 2u; m > 0u; m /= 2u) {
{{#for r < R}}
    sum[{{r}}] += subgroupShuffleXor(sum[{{r}}], m);
{{/for}}
  }
{{#else}}
  let u = li / S;
{{#for r < R}}
  part[({{r}}u * H + u) * S + li % S] = z[{{r}}];
{{/for}}
  workgroupBarrier();
{{#for r < R}}
  sum[{{r}}] = vec4f(0.0);
  for (var j = 0u; j < S; j++) { sum[{{r}}] += part[({{r}}u * H + u) * S + j]; }
{{/for}}
{{/if}}
  return sum;
}

@compute @workgroup_size({{H * S}})
fn forward(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let G = 4u * H;
  let u = li / S;
  let s = li % S;
  // Lane (u, s)'s slice of W_h: wk[i] holds W_h[k, gate·H + u] (the four gates) for k = i·S + s; zero past H.
  var wk = array<vec4f, KS>();
{{#for i < KS}}
  if ({{i}}u * S + s < H) {
    let a = dims.whOffset + ({{i}}u * S + s) * G + u;
    wk[{{i}}] = vec4f(params[a], params[a + H], params[a + 2u * H], params[a + 3u * H]);
  }
{{/for}}
  var c = array<f32, R>();
  for (var t = 0u; t < dims.T; t++) {
    let cur = (t % 2u) * R * HP;
    let nxt = ((t + 1u) % 2u) * R * HP;
    var z = array<vec4f, R>();
    if (t > 0u) {
{{#for r < R}}
{{#for i < KS}}
      z[{{r}}] = fma(vec4f(hs[cur + {{r}}u * HP + {{i}}u * S + s]), wk[{{i}}], z[{{r}}]);
{{/for}}
{{/for}}
    }
    z = reduce(z, li);
{{#for r < R}}
    {
      let b = wg.x * R + {{r}}u;
      if (b < dims.B) {
        let g0 = (t * dims.B + b) * G + u;
        let zr = z[{{r}}] + vec4f(gates[g0], gates[g0 + H], gates[g0 + 2u * H], gates[g0 + 3u * H]);
        let a = vec4f(gate(zr.x), gate(zr.y), tanh(zr.z), gate(zr.w));
        c[{{r}}] = a.y * c[{{r}}] + a.x * a.z;
        let h = a.w * tanh(c[{{r}}]);
        var hm = h; // h as W_h meets it at the next step
        if (DROPOUT) { hm = h * rmask[b * H + u]; }
        if (s == 0u) {
          let q = (t * dims.B + b) * H + u;
          gates[g0] = a.x;
          gates[g0 + H] = a.y;
          gates[g0 + 2u * H] = a.z;
          gates[g0 + 3u * H] = a.w;
          cseq[q] = c[{{r}}];
          hseq[q] = h;
          if (DROPOUT) { hrec[q] = hm; }
          hs[nxt + {{r}}u * HP + u] = hm;
        }
      }
    }
{{/for}}
    workgroupBarrier();
  }
}

@compute @workgroup_size({{H * S}})
fn backward(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let G = 4u * H;
  let u = li / S;
  let s = li % S;
  // The same slice read the other way: W_h[u, gate·H + k] for k = i·S + s, so that dh[u] = Σ dG_t[k]·wk.
  var wk = array<vec4f, KS>();
{{#for i < KS}}
  if ({{i}}u * S + s < H) {
    let a = dims.whOffset + u * G + {{i}}u * S + s;
    wk[{{i}}] = vec4f(params[a], params[a + H], params[a + 2u * H], params[a + 3u * H]);
  }
{{/for}}
  var dhRec = array<f32, R>(); // dG_{t+1}·W_hᵀ at (row, u)
  var dcNext = array<f32, R>(); // dc_{t+1} ⊙ f_{t+1} at (row, u)
  for (var n = 0u; n < dims.T; n++) {
    let t = dims.T - 1u - n;
    let buf = (n % 2u) * R * HP;
{{#for r < R}}
    {
      let b = wg.x * R + {{r}}u;
      if (b < dims.B) {
        let g0 = (t * dims.B + b) * G + u;
        let q = (t * dims.B + b) * H + u;
        var dh = dhRec[{{r}}];
        if (dims.lastStepOnly == 0u) { dh += dhAbove[q]; } else if (t + 1u == dims.T) { dh += dhAbove[b * H + u]; }
        let a = vec4f(gates[g0], gates[g0 + H], gates[g0 + 2u * H], gates[g0 + 3u * H]);
        var cPrev = 0.0;
        if (t > 0u) { cPrev = cseq[q - dims.B * H]; }
        let tc = tanh(cseq[q]);
        let dc = dcNext[{{r}}] + dh * a.w * (1.0 - tc * tc);
        let d = vec4f(dc * a.z * gate_slope(a.x), dc * cPrev * gate_slope(a.y), dc * a.x * (1.0 - a.z * a.z), dh * tc * gate_slope(a.w));
        dcNext[{{r}}] = dc * a.y;
        if (s == 0u) {
          dG[g0] = d.x;
          dG[g0 + H] = d.y;
          dG[g0 + 2u * H] = d.z;
          dG[g0 + 3u * H] = d.w;
          dgs[buf + {{r}}u * HP + u] = d;
        }
      }
    }
{{/for}}
    workgroupBarrier();
    var p = array<vec4f, R>();
{{#for r < R}}
{{#for i < KS}}
    p[{{r}}] = fma(dgs[buf + {{r}}u * HP + {{i}}u * S + s], wk[{{i}}], p[{{r}}]);
{{/for}}
{{/for}}
    p = reduce(p, li);
{{#for r < R}}
    {
      var acc = dot(p[{{r}}], vec4f(1.0));
      if (DROPOUT) { acc *= rmask[min(wg.x * R + {{r}}u, dims.B - 1u) * H + u]; } // a row past B is never used
      dhRec[{{r}}] = acc;
    }
{{/for}}
  }
}
