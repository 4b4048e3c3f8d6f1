import type { Session, SessionShape, StepHyper } from '../backend.js';
import { check, UserError } from '../errors.js';
import { layerInputSize, paramLayout, targetsPerWindow, type ModelConfig } from '../model.js';
import type { EngineStats } from '../train/types.js';
import { adam } from './adam.js';
import { denseLoss } from './denseLoss.js';
import { checkNotLost, gpuContext, inNode, subgroupsOf4, type GpuContext } from './device.js';
import { fusedFits, lstmBackward, lstmBackwardSteps, lstmForward, lstmForwardSteps, wideTiling } from './lstm.js';
import { lstmBackwardNarrow, lstmForwardNarrow, NARROW_MAX_HIDDEN, narrowEligible, narrowRows, unitRowTexture, type UnitRowTexture } from './lstmNarrow.js';
import { colsum, matmul } from './matmul.js';
import { MAX_BLOCK_ROWS, matmulNarrowTN, narrowHasSpareRow } from './matmulNarrow.js';
import { encodeDispatches, type Dispatch } from './program.js';

const LOSS_LOG = 256; // training steps whose losses can wait on the GPU before a read-back

/**
 * The `backend: 'webgpu'` engine. Everything a training step touches lives in GPU buffers made once here;
 * a step is one command buffer (upload, forward, backward, clip, Adam) and one submit.
 */
export class GpuSession implements Session {
  readonly stats: EngineStats;
  private pending = 0; // steps whose loss sits in lossLog, unread
  private pendingSince = 0; // when the first of them was queued
  private msPerStep = 0; // wall time a training step has taken, for the Node read-back below
  private xHost: Float32Array; // (T,B,I) staging for the time-major upload
  private yHost: Float32Array;

  private constructor(
    private ctx: GpuContext,
    private config: ModelConfig,
    private shape: SessionShape,
    private buf: Record<'params' | 'grads' | 'm' | 'v' | 'x' | 'y' | 'headOut' | 'lossLog', GPUBuffer>,
    private owned: { destroy(): void }[],
    private forwardPass: Dispatch[],
    private head: Awaited<ReturnType<typeof denseLoss>>,
    private backwardPass: Dispatch[],
    private optimizer: Awaited<ReturnType<typeof adam>>,
    kernelChoice: Record<string, string>,
  ) {
    this.xHost = new Float32Array(shape.steps * shape.batchSize * config.inputSize);
    this.yHost = new Float32Array(shape.batchSize * targetsPerWindow(config));
    const dispatches = forwardPass.length + 1 + backwardPass.length + optimizer.dispatches.length;
    this.stats = { backend: 'webgpu', adapter: ctx.adapterName + (ctx.isFallback ? ' (fallback)' : ''), dispatchesPerStep: dispatches, submitsPerStep: 1, kernelChoice };
  }

  static async open(config: ModelConfig, shape: SessionShape, forced?: KernelChoice): Promise<GpuSession> {
    const ctx = await gpuContext();
    checkNotLost(ctx);
    const { device } = ctx;
    const layout = paramLayout(config);
    const { batchSize: B, steps: T } = shape;
    const H = config.hiddenSize, O = config.outputs, G = 4 * H;
    check(Number.isInteger(B) && B > 0, `batch size must be a positive integer (got ${B})`);
    check(Number.isInteger(T) && T > 0, `window length must be a positive integer (got ${T})`);
    const biggest = T * B * G * 4;
    const maxBinding = device.limits.maxStorageBufferBindingSize;
    check(biggest <= maxBinding, `steps x batch x 4·hidden = ${T}x${B}x${G} needs a ${biggest}-byte buffer; this adapter allows ${maxBinding}. Use a smaller batch or window`);

    const owned: { destroy(): void }[] = [];
    // GPUBufferUsage exists only once gpuContext() has run (Dawn for Node installs the globals).
    const make = (label: string, floats: number, usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST) => {
      const b = device.createBuffer({ label, size: Math.max(16, Math.ceil((floats * 4) / 16) * 16), usage });
      owned.push(b);
      return b;
    };
    const buf = {
      params: make('params', layout.size),
      grads: make('grads', layout.size),
      m: make('adam.m', layout.size),
      v: make('adam.v', layout.size),
      x: make('x', T * B * config.inputSize),
      y: make('y', B * targetsPerWindow(config)),
      headOut: make('headOut', 2 * B * O),
      lossLog: make('lossLog', LOSS_LOG),
    };
    const norm = make('gradNorm', 1);
    const dhLast = make('dhLast', B * H);
    const dG = make('dG', T * B * G);
    const dX = config.layers > 1 ? make('dX', T * B * H) : null;
    const acts = layout.layers.map((_, l) => ({ gates: make(`gates.${l}`, T * B * G), hseq: make(`hseq.${l}`, T * B * H), cseq: make(`cseq.${l}`, T * B * H) }));

    const top = acts[acts.length - 1];
    const head = denseLoss(ctx, {
      B, H, O, T, loss: config.loss, params: buf.params, wOffset: layout.denseKernel.offset, bOffset: layout.denseBias.offset,
      hseq: top.hseq, y: buf.y, out: buf.headOut, grads: buf.grads, dh: dhLast, lossLog: buf.lossLog,
    });
    const optimizer = adam(ctx, { n: layout.size, params: buf.params, grads: buf.grads, m: buf.m, v: buf.v, norm });
    const dcState = make('dcState', B * H);
    const candidates = kernelCandidates(ctx, config, T * B, forced);
    // The narrow kernels pass gates (per layer) and dG in textures (see unitRowTexture).
    const texture = (label: string) => {
      const t = unitRowTexture(ctx, label, T * B, H);
      owned.push(t.texture);
      return t;
    };
    const narrow = candidates.some((c) => c.recurrent === 'narrow');
    const gatesTextures = narrow ? layout.layers.map((_, l) => texture(`gates texture.${l}`)) : null;
    const dGTexture = candidates.some(narrowPair) ? texture('dG texture') : null;
    const passes = (choice: KernelChoice) => buildPasses(ctx, config, shape, { ...buf, dG, dGTexture, gatesTextures, dX, dhLast, dcState, acts }, choice);
    const key = `${ctx.adapterName}|${JSON.stringify(config)}|${B}x${T}`;
    let choice = chosen.get(key) ?? candidates[0];
    if (candidates.length > 1 && !chosen.has(key) && !forced) {
      choice = await fastest(ctx, candidates, passes, await head);
      chosen.set(key, choice);
    }
    const { forward, backward } = await passes(choice);
    const session = new GpuSession(ctx, config, shape, buf, owned, forward, await head, backward, await optimizer, {
      recurrent: {
        wide: `wide(rows=${wideTiling(ctx, H).rows},lanes=${wideTiling(ctx, H).lanes})`,
        narrow: `narrow(subgroup of 4,rows=${narrowRows(B)})`,
        stepwise: `stepwise(${T} dispatches a pass)`,
      }[choice.recurrent],
      gradients: choice.gradients === 'tiled' ? 'tiled64x64' : `narrow(blocks up to ${MAX_BLOCK_ROWS}x64, dG from ${narrowPair(choice) ? 'texture' : 'buffer'})`,
    });
    if (T === 1) {
      // With one step W_h meets only h_{-1} = 0: its gradient is zero and no GEMM writes it.
      for (const l of layout.layers) device.queue.writeBuffer(buf.grads, l.recurrentKernel.offset * 4, new Float32Array(l.recurrentKernel.size));
    }
    return session;
  }

  setParams(params: Float32Array): void {
    const q = this.ctx.device.queue;
    q.writeBuffer(this.buf.params, 0, params);
    const zeros = new Float32Array(params.length);
    q.writeBuffer(this.buf.m, 0, zeros);
    q.writeBuffer(this.buf.v, 0, zeros);
  }

  readParams(): Promise<Float32Array> {
    return this.read(this.buf.params, 0, this.buf.params.size / 4).then((a) => a.subarray(0, paramLayout(this.config).size));
  }

  /** Uploads a (b,T,I) batch time-major and its targets, zero-padding rows b..B-1. */
  private upload(x: Float32Array, y: Float32Array | null, b: number): void {
    const { steps: T, batchSize: B } = this.shape;
    const I = this.config.inputSize, Y = targetsPerWindow(this.config);
    check(b > 0 && b <= B, `batch of ${b} windows does not fit this session's batch size ${B}`);
    check(x.length === b * T * I, `batch x has ${x.length} values, expected ${b}x${T}x${I}`);
    const xt = this.xHost;
    if (b < B) xt.fill(0);
    for (let r = 0; r < b; r++) for (let t = 0; t < T; t++) xt.set(x.subarray((r * T + t) * I, (r * T + t + 1) * I), (t * B + r) * I);
    const q = this.ctx.device.queue;
    q.writeBuffer(this.buf.x, 0, xt);
    if (y) {
      check(y.length === b * Y, `batch y has ${y.length} values, expected ${b}x${Y}`);
      this.yHost.fill(1); // padding rows need a finite, positive target (QLIKE takes its log)
      this.yHost.set(y);
      q.writeBuffer(this.buf.y, 0, this.yHost);
    }
  }

  private submit(dispatches: Dispatch[]): void {
    checkNotLost(this.ctx);
    const encoder = this.ctx.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    encodeDispatches(pass, dispatches);
    pass.end();
    this.ctx.device.queue.submit([encoder.finish()]);
  }

  private async read(src: GPUBuffer, offsetFloats: number, floats: number): Promise<Float32Array> {
    const { device } = this.ctx;
    const bytes = Math.ceil((floats * 4) / 4) * 4;
    const staging = device.createBuffer({ size: Math.max(bytes, 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(src, offsetFloats * 4, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(staging.getMappedRange().slice(0));
    } finally {
      checkNotLost(this.ctx);
      staging.destroy();
    }
  }

  trainStep(x: Float32Array, y: Float32Array, b: number, hp: StepHyper): void {
    check(this.pending < LOSS_LOG, `internal: more than ${LOSS_LOG} training steps queued without reading their losses`);
    this.upload(x, y, b);
    if (this.pending === 0) this.pendingSince = performance.now();
    this.head.setStep(b, this.pending++, 'train');
    this.optimizer.setHyper(hp);
    this.submit(this.stepDispatches());
  }

  /** The dispatches of one training step, in order (for profiling as well as for trainStep). */
  stepDispatches(): Dispatch[] {
    return [...this.forwardPass, this.head.dispatch, ...this.backwardPass, ...this.optimizer.dispatches];
  }

  async drainLosses(): Promise<number[]> {
    if (this.pending === 0) return [];
    const n = this.pending;
    this.pending = 0;
    // Dawn for Node polls in a busy loop while a map is pending, taking a core from a CPU adapter such as SwiftShader
    // (2 cores: ~90 ms a step instead of ~50). So Node first sleeps through 3/4 of the time the queued steps took
    // last time: an estimate that runs long shrinks by 3/4 a read, one that runs short leaves the poll a short tail.
    const left = 0.75 * n * this.msPerStep - (performance.now() - this.pendingSince);
    if (inNode && left > 1) await new Promise((done) => setTimeout(done, left));
    const losses = await this.read(this.buf.lossLog, 0, n);
    this.msPerStep = (performance.now() - this.pendingSince) / n;
    return Array.from(losses);
  }

  async lossAndGradients(x: Float32Array, y: Float32Array, b: number) {
    const losses = await this.drainLosses(); // keeps the loss slots of queued steps
    check(losses.length === 0, 'internal: lossAndGradients called with training steps unread');
    this.upload(x, y, b);
    this.head.setStep(b, 0, 'train');
    this.submit([...this.forwardPass, this.head.dispatch, ...this.backwardPass]);
    const [loss] = await this.read(this.buf.lossLog, 0, 1);
    const grads = await this.read(this.buf.grads, 0, paramLayout(this.config).size);
    return { loss, grads };
  }

  async forward(x: Float32Array, b: number): Promise<Float32Array> {
    this.upload(x, null, b);
    this.head.setStep(b, 0, 'forward');
    this.submit([...this.forwardPass, this.head.dispatch]);
    return this.read(this.buf.headOut, 0, b * this.config.outputs);
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
  }
}

export function openGpuSession(config: ModelConfig, shape: SessionShape, kernels?: KernelChoice): Promise<Session> {
  return GpuSession.open(config, shape, kernels);
}

/** Which variant of each kernel family a session runs. */
export interface KernelChoice {
  // lstm_forward/backward.wgsl fused over T; their _narrow twins (input projection fused); or their per-step
  // entry points, one dispatch a step, for H too large for the fused kernels' workgroup memory
  recurrent: 'wide' | 'narrow' | 'stepwise';
  gradients: 'tiled' | 'narrow'; // matmul.wgsl, or matmul_narrow.wgsl, for dW_x and dW_h
}

/** The choice measured fastest per adapter, model and batch shape, kept for the life of the page or process. */
const chosen = new Map<string, KernelChoice>();

function kernelCandidates(ctx: GpuContext, config: ModelConfig, rows: number, forced?: KernelChoice): KernelChoice[] {
  if (forced) {
    if (forced.recurrent === 'narrow' && !narrowEligible(ctx, config.hiddenSize, rows)) {
      throw new UserError(`the narrow recurrent kernels need the 'subgroups' feature, hidden size <= ${NARROW_MAX_HIDDEN} and steps x batch within the adapter's texture limits`);
    }
    if (forced.gradients === 'narrow' && !subgroupsOf4(ctx)) {
      throw new UserError("the narrow weight-gradient kernel needs the 'subgroups' feature with subgroups of at least 4 lanes");
    }
    if (forced.recurrent === 'wide' && !fusedFits(ctx, config.hiddenSize)) {
      throw new UserError(`hidden size ${config.hiddenSize} does not fit the fused recurrent kernels' workgroup memory on this adapter; use the stepwise kernels`);
    }
    return [forced];
  }
  const fused = fusedFits(ctx, config.hiddenSize);
  const all: KernelChoice[] = fused
    ? [
        { recurrent: 'wide', gradients: 'tiled' },
        { recurrent: 'narrow', gradients: 'narrow' },
        { recurrent: 'wide', gradients: 'narrow' },
      ]
    : [
        { recurrent: 'stepwise', gradients: 'tiled' },
        { recurrent: 'stepwise', gradients: 'narrow' },
      ];
  return all.filter((c) => (c.recurrent !== 'narrow' || narrowEligible(ctx, config.hiddenSize, rows)) && (c.gradients === 'tiled' || subgroupsOf4(ctx)));
}

/** The narrow recurrence and the narrow GEMM together: dG can then pass between them in a texture. */
const narrowPair = (c: KernelChoice) => c.recurrent === 'narrow' && c.gradients === 'narrow';

interface PassBuffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  x: GPUBuffer;
  dG: GPUBuffer;
  dGTexture: UnitRowTexture | null;
  gatesTextures: UnitRowTexture[] | null; // per layer, where the narrow kernels are candidates
  dX: GPUBuffer | null;
  dhLast: GPUBuffer;
  dcState: GPUBuffer;
  acts: { gates: GPUBuffer; hseq: GPUBuffer; cseq: GPUBuffer }[];
}

/** The forward and backward dispatches of every layer for one kernel choice, over the session's buffers. */
async function buildPasses(ctx: GpuContext, config: ModelConfig, shape: SessionShape, b: PassBuffers, choice: KernelChoice) {
  const layout = paramLayout(config);
  const { batchSize: B, steps: T } = shape;
  const H = config.hiddenSize, G = 4 * H;
  const forward: Promise<Dispatch>[] = [];
  layout.layers.forEach((slots, l) => {
    const input = l === 0 ? b.x : b.acts[l - 1].hseq;
    const I = layerInputSize(config, l);
    const state = { T, B, H, params: b.params, ...b.acts[l] };
    if (choice.recurrent === 'narrow') {
      forward.push(lstmForwardNarrow(ctx, `lstm_forward_narrow.${l}`, { ...state, gates: b.gatesTextures![l], I, x: input, kernelOffset: slots.kernel.offset, recurrentOffset: slots.recurrentKernel.offset, biasOffset: slots.bias.offset }));
    } else {
      forward.push(matmul(ctx, `xproj.${l}`, { M: T * B, N: G, K: I, a: input, b: b.params, bOffset: slots.kernel.offset, biasOffset: slots.bias.offset, c: b.acts[l].gates }));
      const args = { ...state, whOffset: slots.recurrentKernel.offset };
      if (choice.recurrent === 'wide') forward.push(lstmForward(ctx, `lstm_forward.${l}`, args, wideTiling(ctx, H)));
      else forward.push(...lstmForwardSteps(ctx, `lstm_forward_step.${l}`, args));
    }
  });
  const backward: Promise<Dispatch>[] = [];
  const narrowGemm = choice.gradients === 'narrow'; // kernelCandidates offers it only where the adapter runs it
  const texture = narrowPair(choice) ? b.dGTexture : null;
  // dG from row `firstRow` on, times A [R, M], into grads at cOffset.
  const weightGradient = (label: string, M: number, R: number, a: GPUBuffer, firstRow: number, cOffset: number, onesOffset?: number) =>
    texture
      ? matmulNarrowTN(ctx, label, { M, N: G, R, a, b: texture, bOffset: firstRow, c: b.grads, cOffset, onesOffset })
      : narrowGemm
        ? matmulNarrowTN(ctx, label, { M, N: G, R, a, b: b.dG, bOffset: firstRow * G, c: b.grads, cOffset, onesOffset })
        : matmul(ctx, label, { M, N: G, K: R, a, transA: true, b: b.dG, bOffset: firstRow * G, c: b.grads, cOffset });
  for (let l = layout.layers.length - 1; l >= 0; l--) {
    const slots = layout.layers[l], a = b.acts[l], I = layerInputSize(config, l);
    const input = l === 0 ? b.x : b.acts[l - 1].hseq;
    const isTop = l === layout.layers.length - 1;
    const args = { T, B, H, params: b.params, gates: a.gates, cseq: a.cseq, dhAbove: isTop ? b.dhLast : b.dX!, lastStepOnly: isTop, dG: b.dG };
    // db = Σ dG rides along with dW_x in the narrow GEMM where its last block row has a spare row.
    const biasInGemm = narrowGemm && narrowHasSpareRow(I);
    if (choice.recurrent === 'narrow') {
      const dGBufferRead = !texture || !biasInGemm || l > 0; // by colsum, dX or a GEMM
      backward.push(lstmBackwardNarrow(ctx, `lstm_backward_narrow.${l}`, { ...args, gates: b.gatesTextures![l], dG: dGBufferRead ? b.dG : null, dGTexture: texture, recurrentOffset: slots.recurrentKernel.offset }));
    } else if (choice.recurrent === 'wide') backward.push(lstmBackward(ctx, `lstm_backward.${l}`, { ...args, whOffset: slots.recurrentKernel.offset }, wideTiling(ctx, H)));
    else backward.push(...lstmBackwardSteps(ctx, `lstm_backward_step.${l}`, { ...args, whOffset: slots.recurrentKernel.offset, dcState: b.dcState }));
    backward.push(weightGradient(`dW_x${biasInGemm ? '+db' : ''}.${l}`, I, T * B, input, 0, slots.kernel.offset, biasInGemm ? slots.bias.offset : undefined));
    // W_h meets h_{t-1}: rows t >= 1 of dG pair with rows t-1 of hseq.
    if (T > 1) backward.push(weightGradient(`dW_h.${l}`, H, (T - 1) * B, a.hseq, B, slots.recurrentKernel.offset));
    if (!biasInGemm) backward.push(colsum(ctx, `db.${l}`, { M: T * B, N: G, a: b.dG, c: b.grads, cOffset: slots.bias.offset }));
    if (l > 0) backward.push(matmul(ctx, `dX.${l}`, { M: T * B, N: I, K: G, a: b.dG, b: b.params, bOffset: slots.kernel.offset, transB: true, c: b.dX! }));
  }
  return { forward: await Promise.all(forward), backward: await Promise.all(backward) };
}

/**
 * Times forward + backward of each candidate on the session's own buffers and returns the fastest: the median of
 * three runs after one warm-up, a candidate dropped as soon as one run takes twice the best median so far.
 */
async function fastest(ctx: GpuContext, candidates: KernelChoice[], passes: (c: KernelChoice) => ReturnType<typeof buildPasses>, head: { dispatch: Dispatch }): Promise<KernelChoice> {
  let best = { choice: candidates[0], ms: Infinity };
  for (const choice of candidates) {
    const { forward, backward } = await passes(choice);
    const times: number[] = [];
    for (let r = 0; r < 4; r++) {
      const t0 = performance.now();
      const encoder = ctx.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      encodeDispatches(pass, [...forward, head.dispatch, ...backward]);
      pass.end();
      ctx.device.queue.submit([encoder.finish()]);
      await ctx.device.queue.onSubmittedWorkDone();
      const ms = performance.now() - t0;
      if (ms > 2 * best.ms) break;
      if (r > 0) times.push(ms); // the first run pays for first-use costs
    }
    if (times.length < 3) continue;
    const median = times.sort((a, b) => a - b)[1];
    if (median < best.ms) best = { choice, ms: median };
  }
  return best.choice;
}
