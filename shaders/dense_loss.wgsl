// The dense head and the loss, forward and backward, in one workgroup (these tensors are tiny):
//   out (B,O) = h_{T-1} (B,H) · W_d (H,O) + b_d;   loss = mean over valid rows and outputs;
//   dout = ∂loss/∂out;  dW_d = hᵀ·dout;  db_d = Σ_b dout;  dh (B,H) = dout · W_dᵀ, the top layer's dhAbove.
// Rows b >= validRows are padding of a short last batch: they get dout = 0, so they add nothing anywhere.
// CPU reference: matmul_forward / matmul_backward in src/cpu/matmul.ts with loss_forward / loss_backward in src/cpu/loss.ts.

override LOSS: u32 = 0u; // 0 = MSE, 1 = QLIKE (out is log-variance)
const WG = 256u;

{{DIMS}} // struct Dims: its fields are declared in src/gpu/denseLoss.ts

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> hseq: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>; // [2][B][O]: outputs, then dout
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;
@group(0) @binding(6) var<storage, read_write> dh: array<f32>; // (B,H)
@group(0) @binding(7) var<storage, read_write> lossLog: array<f32>;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  let B = dims.B;
  let H = dims.H;
  let O = dims.O;
  let n = dims.validRows * O;
  var lossSum = 0.0;
  for (var p = li; p < B * O; p += WG) {
    let b = p / O;
    let o = p % O;
    var v = params[dims.bOffset + o];
    for (var k = 0u; k < H; k++) { v += hseq[dims.hOffset + b * H + k] * params[dims.wOffset + k * O + o]; }
    out[p] = v;
    var d = 0.0;
    if (b < dims.validRows) {
      let yp = y[p];
      if (LOSS == 0u) {
        lossSum += (v - yp) * (v - yp);
        d = 2.0 * (v - yp) / f32(n);
      } else {
        let ratio = yp * exp(-v);
        lossSum += ratio + v - log(yp) - 1.0;
        d = (1.0 - ratio) / f32(n);
      }
    }
    out[B * O + p] = d;
  }
  if (dims.forwardOnly != 0u) { return; }
  partial[li] = lossSum;
  storageBarrier();
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (li < stride) { partial[li] += partial[li + stride]; }
    workgroupBarrier();
  }
  if (li == 0u) { lossLog[dims.logSlot] = partial[0] / f32(n); }
  for (var p = li; p < H * O; p += WG) {
    let k = p / O;
    let o = p % O;
    var acc = 0.0;
    for (var b = 0u; b < B; b++) { acc += hseq[dims.hOffset + b * H + k] * out[B * O + b * O + o]; }
    grads[dims.wOffset + p] = acc;
  }
  for (var o = li; o < O; o += WG) {
    var acc = 0.0;
    for (var b = 0u; b < B; b++) { acc += out[B * O + b * O + o]; }
    grads[dims.bOffset + o] = acc;
  }
  for (var p = li; p < B * H; p += WG) {
    let b = p / H;
    let k = p % H;
    var acc = 0.0;
    for (var o = 0u; o < O; o++) { acc += out[B * O + b * O + o] * params[dims.wOffset + k * O + o]; }
    dh[p] = acc;
  }
}
