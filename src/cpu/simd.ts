// The CPU path in WebAssembly SIMD: the network of ./fast.ts (and of the Float64 reference ./model.ts, the oracle),
// with every tensor in the memory of the module built from wasm/lstm_cpu.ts and its loops (the GEMMs, the cell
// updates, the bias sums) run there four lanes at a time; only the loss stays in JS.
//
// Like ./fast.ts this module imports nothing at run time (types only), so ./workers.ts can ship its source text to
// a worker; the JS helpers it shares with ./fast.ts come in through the constructor, and the WebAssembly as a
// compiled WebAssembly.Module, which postMessage carries to workers.

import type { FastModel, FastSpec, loss_f32, toTimeMajor } from './fast.js';

type F32 = Float32Array;

/** What SimdModel shares with ./fast.ts (passed in, so that this file imports nothing at run time). */
export interface SimdHelpers {
  loss_f32: typeof loss_f32;
  toTimeMajor: typeof toTimeMajor;
  FastModel: typeof FastModel;
}

/** The exports of wasm/lstm_cpu.ts (pointers are byte addresses in `memory`). */
export interface LstmWasmExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemm(c: number, ldc: number, a: number, sam: number, sak: number, b: number, ldb: number, M: number, N: number, K: number, accumulate: boolean): void;
  lstm_cell_forward(gates: number, cPrev: number, c: number, tanhC: number, h: number, B: number, H: number, hard: boolean): void;
  lstm_cell_backward(dG: number, dhNext: number, dcNext: number, dhAbove: number, gates: number, cPrev: number, tanhC: number, B: number, H: number, hard: boolean): void;
  colsum_add(d: number, rows: number, R: number, N: number): void;
  fill_rows(dst: number, src: number, R: number, N: number): void;
  transpose(dst: number, src: number, R: number, C: number): void;
  madd_peak(iterations: number): number;
}

/** The kernels' WebAssembly instance: built from a module compiled once (see ./simdModule.ts) in this thread. */
export function instantiateLstmWasm(module: WebAssembly.Module): LstmWasmExports {
  const abort = () => {
    throw new Error('internal: the CPU WebAssembly kernels aborted');
  };
  return new WebAssembly.Instance(module, { env: { abort } }).exports as unknown as LstmWasmExports;
}

/** A Float32 tensor in the module's memory: its byte address and (after layout) a view on it. */
interface Slot {
  at: number;
  floats: number;
  view: F32;
}

/**
 * Forward and backward of the whole network for batches of up to `capacity` windows, as ./fast.ts's FastModel
 * (same methods, same results to Float32 rounding), with all tensors in WebAssembly memory laid out once per capacity.
 */
export class SimdModel {
  private capacity = 0;
  private slots: Slot[] = [];
  private params!: Slot;
  private grads!: Slot;
  private x!: Slot; // (T,B,I) time-major
  private hseq: Slot[] = []; // per layer (T,B,H)
  private cseq: Slot[] = [];
  private tanhC: Slot[] = [];
  private gates: Slot[] = []; // per layer (T,B,4H)
  private dG!: Slot; // (T,B,4H)
  private dh: Slot[] = []; // the gradient reaching a layer's h: (B,H) for one layer, else two (T,B,H) ping-ponged
  private dhNext!: Slot;
  private dcNext!: Slot;
  private out!: Slot; // (B,O)
  private dout!: Slot;
  private whT: Slot[] = []; // per layer W_h transposed (4H,H), for dh = dG·W_hᵀ
  private wxT: Slot[] = []; // per layer W_x transposed (4H,I), for the gradient into the layer below
  private wdT!: Slot; // W_d transposed (O,H)

  constructor(
    readonly spec: FastSpec,
    readonly steps: number,
    capacity: number,
    private readonly wasm: LstmWasmExports,
    private readonly js: SimdHelpers,
  ) {
    this.ensure(capacity);
  }

  /** Lays out every tensor for batches of up to B rows, growing the memory once. */
  private ensure(B: number): void {
    if (B <= this.capacity) return;
    const { hidden, inputSize: I0, outputs: O, size } = this.spec, T = this.steps, L = hidden.length;
    const H = Math.max(...hidden), G = 4 * H, Htop = hidden[L - 1]; // scratch shared by the layers: the largest
    this.slots = [];
    const slot = (floats: number): Slot => {
      const s = { at: 0, floats, view: new Float32Array(0) };
      this.slots.push(s);
      return s;
    };
    this.params = slot(size);
    this.grads = slot(size);
    this.x = slot(T * B * I0);
    this.hseq = hidden.map((h) => slot(T * B * h));
    this.cseq = hidden.map((h) => slot(T * B * h));
    this.tanhC = hidden.map((h) => slot(T * B * h));
    this.gates = hidden.map((h) => slot(T * B * 4 * h));
    this.dG = slot(T * B * G);
    this.dh = L > 1 ? [slot(T * B * H), slot(T * B * H)] : [slot(B * H)];
    this.dhNext = slot(B * H);
    this.dcNext = slot(B * H);
    this.out = slot(B * O);
    this.dout = slot(B * O);
    this.whT = hidden.map((h) => slot(4 * h * h));
    this.wxT = hidden.map((h, l) => slot(4 * h * (l === 0 ? I0 : hidden[l - 1])));
    this.wdT = slot(O * Htop);
    let at = (this.wasm.heapBase() + 15) & ~15;
    for (const s of this.slots) {
      s.at = at;
      at += (s.floats * 4 + 15) & ~15; // 16-byte aligned: whole vectors never straddle two tensors' cache lines
    }
    const memory = this.wasm.memory, have = memory.buffer.byteLength;
    if (at > have) memory.grow(Math.ceil((at - have) / 65536));
    for (const s of this.slots) s.view = new Float32Array(memory.buffer, s.at, s.floats);
    this.capacity = B;
  }

  /** Dense-head outputs (B,O) for x (B,T,I) batch-major; the returned view is overwritten by the next call. */
  forward(params: F32, x: F32, B: number): F32 {
    this.ensure(B);
    const w = this.wasm, { hidden, inputSize: I0, outputs: O, hardSigmoid } = this.spec, T = this.steps;
    this.params.view.set(params);
    this.js.toTimeMajor(this.x.view, x, B, T, I0);
    const p = (offset: number) => this.params.at + 4 * offset;
    let input = this.x.at;
    for (let l = 0; l < this.spec.layers.length; l++) {
      const slots = this.spec.layers[l], I = l === 0 ? I0 : hidden[l - 1], H = hidden[l], G = 4 * H;
      const gates = this.gates[l].at, h = this.hseq[l].at, c = this.cseq[l].at, tc = this.tanhC[l].at;
      w.fill_rows(gates, p(slots.bias), T * B, G);
      w.gemm(gates, G, input, I, 1, p(slots.kernel), G, T * B, G, I, true); // z = x·W_x + b for all T·B rows
      for (let t = 0; t < T; t++) {
        const row = 4 * t * B, gt = gates + row * G, st = row * H; // byte offsets of step t's rows
        if (t > 0) w.gemm(gt, G, h + st - 4 * B * H, H, 1, p(slots.recurrentKernel), G, B, G, H, true); // z_t += h_{t−1}·W_h
        w.lstm_cell_forward(gt, t > 0 ? c + st - 4 * B * H : 0, c + st, tc + st, h + st, B, H, hardSigmoid);
      }
      input = h;
    }
    const H = hidden[hidden.length - 1], { denseKernel: wd, denseBias: bd } = this.spec, hLast = input + 4 * (T - 1) * B * H;
    w.fill_rows(this.out.at, p(bd), B, O);
    w.gemm(this.out.at, O, hLast, H, 1, p(wd), O, B, O, H, true);
    return this.out.view.subarray(0, B * O);
  }

  private plain: FastModel | undefined;

  /** FastModel.inputGradients: the input's gradient runs the plain JS kernels (no WebAssembly backward for it yet). */
  inputGradients(params: F32, x: F32, B: number, output: number, dx: F32): void {
    this.plain ??= new this.js.FastModel(this.spec, this.steps, B);
    this.plain.inputGradients(params, x, B, output, dx);
  }

  /**
   * Writes into grads the gradient of Σ window loss / meanOverBatch and returns that partial mean, as
   * FastModel.forwardBackward, so slices of one batch computed apart add up to the batch's mean loss and gradient.
   */
  forwardBackward(params: F32, x: F32, y: F32, B: number, grads: F32, meanOverBatch = B): number {
    const out = this.forward(params, x, B);
    const w = this.wasm, { hidden, outputs: O, layers, denseKernel: wd, denseBias: bd, hardSigmoid } = this.spec, T = this.steps;
    const L = layers.length, dout = this.dout.view;
    this.grads.view.fill(0);
    const lossValue = this.js.loss_f32(out, y, B, O, meanOverBatch, this.spec.loss, dout);
    const p = (offset: number) => this.params.at + 4 * offset, g = (offset: number) => this.grads.at + 4 * offset;

    // Dense head: dW_d += h_lastᵀ·dout, db_d += Σ dout, dh_last = dout·W_dᵀ (B,H).
    const Htop = hidden[L - 1], hLast = this.hseq[L - 1].at + 4 * (T - 1) * B * Htop;
    w.gemm(g(wd), O, hLast, 1, Htop, this.dout.at, O, Htop, O, B, true);
    w.colsum_add(g(bd), this.dout.at, B, O);
    w.transpose(this.wdT.at, p(wd), Htop, O);
    let dh = this.dh[0].at;
    w.gemm(dh, Htop, this.dout.at, O, 1, this.wdT.at, Htop, B, Htop, O, false);

    let lastStepOnly = true;
    for (let l = L - 1; l >= 0; l--) {
      const slots = layers[l], I = l === 0 ? this.spec.inputSize : hidden[l - 1], H = hidden[l], G = 4 * H, dG = this.dG.at;
      const gates = this.gates[l].at, c = this.cseq[l].at, tc = this.tanhC[l].at, whT = this.whT[l].at;
      const input = l === 0 ? this.x.at : this.hseq[l - 1].at;
      w.transpose(whT, p(slots.recurrentKernel), H, G);
      this.dhNext.view.fill(0);
      this.dcNext.view.fill(0);
      for (let t = T - 1; t >= 0; t--) {
        const row = 4 * t * B, gt = row * G, st = row * H;
        const above = lastStepOnly ? (t === T - 1 ? dh : 0) : dh + st;
        w.lstm_cell_backward(dG + gt, this.dhNext.at, this.dcNext.at, above, gates + gt, t > 0 ? c + st - 4 * B * H : 0, tc + st, B, H, hardSigmoid);
        if (t > 0) w.gemm(this.dhNext.at, H, dG + gt, G, 1, whT, H, B, H, G, false); // dh_{t−1} = dG_t·W_hᵀ
      }
      w.gemm(g(slots.kernel), G, input, 1, I, dG, G, I, G, T * B, true); // dW_x += inputᵀ·dG
      w.gemm(g(slots.recurrentKernel), G, this.hseq[l].at, 1, H, dG + 4 * B * G, G, H, G, (T - 1) * B, true); // dW_h += h_{t−1}ᵀ·dG_t
      w.colsum_add(g(slots.bias), dG, T * B, G);
      if (l > 0) {
        dh = this.dh[(L - l) % 2].at;
        w.transpose(this.wxT[l].at, p(slots.kernel), I, G);
        w.gemm(dh, I, dG, G, 1, this.wxT[l].at, I, T * B, I, G, false); // d(input) = dG·W_xᵀ, for the layer below
      }
      lastStepOnly = false;
    }
    grads.set(this.grads.view);
    return lossValue;
  }
}
