// The dense head and the loss, forward and backward, without barriers or workgroup memory (on a CPU-like adapter
// such as SwiftShader those cost more than this whole kernel's arithmetic), in two phases:
//   row b: out (B,O) = h_{T-1} (B,H) · W_d (H,O) + b_d;  the row's loss;  dout = ∂loss/∂out;
//   gradient elements: dh (B,H) = dout · W_dᵀ (the top layer's dhAbove), dW_d = hᵀ·dout (H,O), db_d = Σ_b dout, and
//     the loss: the mean over valid rows of the rows' losses.
// Two dispatches over many workgroups: `rows`, a lane a batch row, then `gradients`, lanes walking the elements.
// Modes: TRAIN (all of it), FORWARD (outputs only), SEED (dout = 1 at output seedOutput of every valid row, no loss
// and no dW_d: the backward pass then gives input gradients).
// Rows b >= validRows are padding of a short last batch: they get dout = 0, so they add nothing anywhere.
// CPU reference: matmul_forward / matmul_backward in src/cpu/matmul.ts with loss_forward / loss_backward in src/cpu/loss.ts.

override LOSS: u32 = 0u; // 0 = MSE, 1 = QLIKE (out is log-variance), 2 = Student-t (outputs s, u; one target per row)
const WG = 64u;
const TRAIN = 0u;
const FORWARD = 1u;
const SEED = 2u;
const PI = 3.14159265358979;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/denseLoss.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> hseq: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>; // [2][B][O] outputs, then dout; then [B] row losses
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;
@group(0) @binding(6) var<storage, read_write> dh: array<f32>; // (B,H)
@group(0) @binding(7) var<storage, read_write> lossLog: array<f32>;

{{SPECIAL}}

// Row b's loss (the mean over its O outputs for MSE and QLIKE; the Student-t negative log-likelihood of its one
// target r given s = log-variance and ν = 2 + softplus(u)); writes scale·∂loss/∂out into the dout half of out.
fn window_loss(b: u32, scale: f32) -> f32 {
  let B = dims.B;
  let O = dims.O;
  if (LOSS == 2u) {
    let s = out[2u * b];
    let u = out[2u * b + 1u];
    let r = y[b];
    let nu2 = softplus(u); // ν − 2
    let nu = 2.0 + nu2;
    let z = r * r / (nu2 * exp(s));
    let lz = log1p(z);
    let w = z / (1.0 + z);
    out[2u * B + 2u * b] = scale * (0.5 - 0.5 * (nu + 1.0) * w);
    let dnu = 0.5 * (digamma(0.5 * nu) - digamma(0.5 * (nu + 1.0)) + 1.0 / nu2 + lz - (nu + 1.0) * w / nu2);
    out[2u * B + 2u * b + 1u] = scale * dnu / (1.0 + exp(-u)); // dν/du = sigmoid(u)
    return -ln_gamma(0.5 * (nu + 1.0)) + ln_gamma(0.5 * nu) + 0.5 * log(PI * nu2) + 0.5 * s + 0.5 * (nu + 1.0) * lz;
  }
  var sum = 0.0;
  for (var o = 0u; o < O; o++) {
    let p = b * O + o;
    let v = out[p];
    let t = y[p];
    if (LOSS == 0u) {
      sum += (v - t) * (v - t);
      out[B * O + p] = scale * 2.0 * (v - t) / f32(O);
    } else {
      let ratio = t * exp(-v);
      sum += ratio + v - log(t) - 1.0;
      out[B * O + p] = scale * (1.0 - ratio) / f32(O);
    }
  }
  return sum / f32(O);
}

// Batch row b's outputs and, unless FORWARD, its loss (kept apart, after out's two halves) and dout.
fn row(b: u32) {
  let B = dims.B;
  let H = dims.H;
  let O = dims.O;
  let h = dims.hOffset + b * H;
  for (var o = 0u; o < O; o++) {
    var v = params[dims.bOffset + o];
    for (var k = 0u; k < H; k++) { v += hseq[h + k] * params[dims.wOffset + k * O + o]; }
    out[b * O + o] = v;
  }
  if (dims.mode == FORWARD) { return; }
  for (var o = 0u; o < O; o++) { out[B * O + b * O + o] = 0.0; }
  var rowLoss = 0.0;
  if (b < dims.validRows) {
    if (dims.mode == SEED) { out[B * O + b * O + dims.seedOutput] = 1.0; } else { rowLoss = window_loss(b, 1.0 / f32(dims.validRows)); }
  }
  out[2u * B * O + b] = rowLoss;
}

@compute @workgroup_size(WG)
fn rows(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x < dims.B) { row(gid.x); }
}

// The gradients and the loss, shared by `lanes` lanes from lane `first`: dh (B,H) = dout·W_dᵀ, then dW_d (H,O) and
// db_d (O), each summing over the batch, and the loss (lane 0). One loop each, as SIMD lanes prefer.
fn gradients_by(first: u32, lanes: u32) {
  let B = dims.B;
  let H = dims.H;
  let O = dims.O;
  let dout = B * O;
  for (var i = first; i < B * H; i += lanes) {
    let b = i / H;
    let k = i % H;
    var acc = 0.0;
    for (var o = 0u; o < O; o++) { acc += out[dout + b * O + o] * params[dims.wOffset + k * O + o]; }
    dh[i] = acc;
  }
  if (dims.mode != TRAIN) { return; }
  for (var i = first; i < H * O; i += lanes) {
    let k = i / O;
    let o = i % O;
    var acc = 0.0;
    for (var b = 0u; b < B; b++) { acc += hseq[dims.hOffset + b * H + k] * out[dout + b * O + o]; }
    grads[dims.wOffset + i] = acc;
  }
  for (var o = first; o < O; o += lanes) {
    var acc = 0.0;
    for (var b = 0u; b < B; b++) { acc += out[dout + b * O + o]; }
    grads[dims.bOffset + o] = acc;
  }
  if (first == 0u) {
    var sum = 0.0;
    for (var b = 0u; b < B; b++) { sum += out[2u * B * O + b]; }
    lossLog[dims.logSlot] = sum / f32(dims.validRows);
  }
}

// Up to 256 workgroups (gradientGroups in src/gpu/denseLoss.ts); neighbouring lanes on neighbouring elements.
@compute @workgroup_size(WG)
fn gradients(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  if (dims.mode != FORWARD) { gradients_by(gid.x, nwg.x * WG); }
}
