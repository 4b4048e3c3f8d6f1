import { fromTimeMajor, toTimeMajor } from '../cpu/fast.js';
import type { DropoutMasks, EngineStats, KernelChoice, Session, SessionShape, StepHyper } from '../engine.js';
import { checkDropoutMasks } from '../dropout.js';
import { check } from '../errors.js';
import { hasDropout, layerDropout, layerHiddenSize, layerInputSize, layerRecurrentDropout, paramLayout, targetsPerWindow, topHiddenSize, type ModelConfig } from '../model.js';
import { adam, NORM_PARTIALS } from './adam.js';
import { denseLoss, headOutFloats } from './denseLoss.js';
import { checkNotLost, gpuContext, inNode, type GpuContext } from './device.js';
import { chooseKernels, describeKernels, kernelCandidates, narrowPair } from './kernelChoice.js';
import { unitRowTexture } from './unitRowTexture.js';
import { encodeDispatches, type Dispatch } from './program.js';
import { backwardPass, forwardPass, gradientScratchFloats, inputGradientPass, type DropoutBuffers, type StepBuffers } from './step.js';

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
    private forwardDispatches: Dispatch[], // inference: no dropout masks
    private trainForwardDispatches: Dispatch[], // training: the masks of ./step.ts' DropoutBuffers, where the model has dropout
    private dropout: DropoutBuffers | null,
    private head: Awaited<ReturnType<typeof denseLoss>>,
    private backwardDispatches: Dispatch[],
    private optimizer: Awaited<ReturnType<typeof adam>>,
    private inputGradientDispatches: () => Promise<{ dispatches: Dispatch[]; dInput: GPUBuffer }>,
    kernelChoice: Record<string, string>,
  ) {
    this.xHost = new Float32Array(shape.steps * shape.batchSize * config.inputSize);
    this.yHost = new Float32Array(shape.batchSize * targetsPerWindow(config));
    const dispatches = trainForwardDispatches.length + head.dispatches.length + backwardDispatches.length + optimizer.dispatches.length;
    this.stats = { backend: 'webgpu', adapter: ctx.adapterName + (ctx.isFallback ? ' (fallback)' : ''), dispatchesPerStep: dispatches, submitsPerStep: 1, kernelChoice };
  }

  static async open(config: ModelConfig, shape: SessionShape): Promise<GpuSession> {
    const ctx = await gpuContext();
    checkNotLost(ctx);
    const { device } = ctx;
    const layout = paramLayout(config);
    const { batchSize: B, steps: T } = shape;
    // per-layer tensors take their layer's H; scratch shared by the layers, the largest
    const hidden = layout.layers.map((_, l) => layerHiddenSize(config, l));
    const H = Math.max(...hidden), Htop = topHiddenSize(config), O = config.outputs, G = 4 * H;
    check(Number.isInteger(B) && B > 0, `batch size must be a positive integer (got ${B})`);
    check(Number.isInteger(T) && T > 0, `window length must be a positive integer (got ${T})`);
    const biggest = T * B * G * 4;
    const maxBinding = device.limits.maxStorageBufferBindingSize;
    check(biggest <= maxBinding, `steps x batch x 4·hidden = ${T}x${B}x${G} needs a ${biggest}-byte buffer; this adapter allows ${maxBinding}. Use a smaller batch or window`);

    shape.onSetup?.({ stage: 'compiling', done: 0, total: 0 });
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
      headOut: make('headOut', headOutFloats(B, O)),
      lossLog: make('lossLog', LOSS_LOG),
    };
    const norm = make('gradNorm', 1);
    const dhLast = make('dhLast', B * Htop);
    const dG = make('dG', T * B * G);
    const dX = config.layers > 1 ? make('dX', T * B * H) : null;
    const acts = hidden.map((h, l) => ({ gates: make(`gates.${l}`, T * B * 4 * h), hseq: make(`hseq.${l}`, T * B * h), cseq: make(`cseq.${l}`, T * B * h) }));

    const top = acts[acts.length - 1];
    const head = denseLoss(ctx, {
      B, H: Htop, O, T, loss: config.loss, params: buf.params, wOffset: layout.denseKernel.offset, bOffset: layout.denseBias.offset,
      hseq: top.hseq, y: buf.y, out: buf.headOut, grads: buf.grads, dh: dhLast, lossLog: buf.lossLog,
    });
    const optimizer = adam(ctx, { n: layout.size, params: buf.params, grads: buf.grads, m: buf.m, v: buf.v, norm, partials: make('gradNorm partials', NORM_PARTIALS) });
    const dcState = make('dcState', B * H);
    const candidates = kernelCandidates(ctx, config, T * B, shape.kernels);
    // The narrow kernels pass gates (per layer) and dG in textures (see unitRowTexture).
    const texture = (label: string, width: number) => {
      const t = unitRowTexture(ctx, label, T * B, width);
      owned.push(t.texture);
      return t;
    };
    const narrow = candidates.some((c) => c.recurrent === 'narrow');
    const gatesTextures = narrow ? hidden.map((h, l) => texture(`gates texture.${l}`, h)) : null;
    const dGTexture = candidates.some(narrowPair) ? texture('dG texture', H) : null;
    const whT = make('W_hᵀ', H * G);
    const splitK = make('split-K slices', gradientScratchFloats(config, shape));
    const dropout: DropoutBuffers | null = hasDropout(config)
      ? {
          inputMasks: hidden.map((_, l) => (layerDropout(config, l) > 0 ? make(`input mask.${l}`, B * layerInputSize(config, l)) : null)),
          dropped: hidden.map((_, l) => (l > 0 && layerDropout(config, l) > 0 ? make(`dropped input.${l}`, T * B * layerInputSize(config, l)) : null)),
          recurrent: hidden.map((h, l) => (layerRecurrentDropout(config, l) > 0 ? { rmask: make(`recurrent mask.${l}`, B * h), hrec: make(`hrec.${l}`, T * B * h) } : null)),
        }
      : null;
    const stepBuffers: StepBuffers = { ...buf, dG, dGTexture, gatesTextures, dX, dhLast, dcState, whT, splitK, acts, dropout };
    const passes = (choice: KernelChoice) => Promise.all([forwardPass(ctx, config, shape, stepBuffers, choice, true), backwardPass(ctx, config, shape, stepBuffers, choice)]);
    const headDispatches = (await head).dispatches;
    const key = `${ctx.adapterName}|${JSON.stringify(config)}|${B}x${T}`;
    const choice = await chooseKernels(
      ctx,
      key,
      candidates,
      async (c) => {
        const [forward, backward] = await passes(c);
        return [...forward, ...headDispatches, ...backward];
      },
      { onTimed: (done, total) => shape.onSetup?.({ stage: 'choosing', done, total }), signal: shape.signal },
    );
    const [trainForward, backward] = await passes(choice);
    const forward = dropout ? await forwardPass(ctx, config, shape, stepBuffers, choice, false) : trainForward;
    // Input gradients' backward pass is built (and its pipelines compiled) on first use: training never needs it.
    let inputGradients: Promise<{ dispatches: Dispatch[]; dInput: GPUBuffer }> | undefined;
    const inputGradientDispatches = () =>
      (inputGradients ??= (async () => {
        const dInput = make('dInput', T * B * config.inputSize);
        return { dInput, dispatches: await inputGradientPass(ctx, config, shape, stepBuffers, dInput, choice) };
      })());
    const session = new GpuSession(ctx, config, shape, buf, owned, forward, trainForward, dropout, await head, backward, await optimizer, inputGradientDispatches, describeKernels(ctx, choice, H, B, T));
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
    toTimeMajor(this.xHost, x, b, T, I, B);
    const q = this.ctx.device.queue;
    q.writeBuffer(this.buf.x, 0, this.xHost);
    if (y) {
      check(y.length === b * Y, `batch y has ${y.length} values, expected ${b}x${Y}`);
      this.yHost.fill(1); // padding rows need a finite, positive target (QLIKE takes its log)
      this.yHost.set(y);
      q.writeBuffer(this.buf.y, 0, this.yHost);
    }
  }

  /** A training step's dropout masks, rows b..B-1 zero; no masks (a step without dropout) uploads ones. */
  private uploadMasks(masks: DropoutMasks | undefined, b: number): void {
    checkDropoutMasks(this.config, masks, b);
    if (!this.dropout) return;
    const B = this.shape.batchSize;
    const put = (buffer: GPUBuffer | undefined, mask: Float32Array | null | undefined, width: number) => {
      if (!buffer) return;
      const host = new Float32Array(B * width);
      if (mask) host.set(mask);
      else host.fill(1, 0, b * width);
      this.ctx.device.queue.writeBuffer(buffer, 0, host);
    };
    this.dropout.inputMasks.forEach((m, l) => put(m ?? undefined, masks?.input[l], layerInputSize(this.config, l)));
    this.dropout.recurrent.forEach((r, l) => put(r?.rmask, masks?.recurrent[l], layerHiddenSize(this.config, l)));
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

  trainStep(x: Float32Array, y: Float32Array, b: number, hp: StepHyper, masks?: DropoutMasks): void {
    check(this.pending < LOSS_LOG, `internal: more than ${LOSS_LOG} training steps queued without reading their losses`);
    this.upload(x, y, b);
    this.uploadMasks(masks, b);
    if (this.pending === 0) this.pendingSince = performance.now();
    this.head.setStep(b, this.pending++, 'train');
    this.optimizer.setHyper(hp);
    this.submit(this.stepDispatches());
  }

  /** The dispatches of one training step, in order (for profiling as well as for trainStep). */
  stepDispatches(): Dispatch[] {
    return [...this.trainForwardDispatches, ...this.head.dispatches, ...this.backwardDispatches, ...this.optimizer.dispatches];
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

  async lossAndGradients(x: Float32Array, y: Float32Array, b: number, masks?: DropoutMasks) {
    const losses = await this.drainLosses(); // keeps the loss slots of queued steps
    check(losses.length === 0, 'internal: lossAndGradients called with training steps unread');
    this.upload(x, y, b);
    this.uploadMasks(masks, b);
    this.head.setStep(b, 0, 'train');
    this.submit([...this.trainForwardDispatches, ...this.head.dispatches, ...this.backwardDispatches]);
    const [loss] = await this.read(this.buf.lossLog, 0, 1);
    const grads = await this.read(this.buf.grads, 0, paramLayout(this.config).size);
    return { loss, grads };
  }

  async inputGradients(x: Float32Array, b: number, output: number): Promise<Float32Array> {
    const { steps: T, batchSize: B } = this.shape, I = this.config.inputSize;
    check(Number.isInteger(output) && output >= 0 && output < this.config.outputs, `output must be an integer from 0 to ${this.config.outputs - 1} (got ${output})`);
    const pass = await this.inputGradientDispatches();
    this.upload(x, null, b);
    this.head.setStep(b, 0, 'seed', output);
    this.submit([...this.forwardDispatches, ...this.head.dispatches, ...pass.dispatches]);
    const dx = new Float32Array(b * T * I);
    fromTimeMajor(dx, await this.read(pass.dInput, 0, T * B * I), b, T, I, B);
    return dx;
  }

  async forward(x: Float32Array, b: number): Promise<Float32Array> {
    this.upload(x, null, b);
    this.head.setStep(b, 0, 'forward');
    this.submit([...this.forwardDispatches, ...this.head.dispatches]);
    return this.read(this.buf.headOut, 0, b * this.config.outputs);
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
  }
}

export function openGpuSession(config: ModelConfig, shape: SessionShape): Promise<Session> {
  return GpuSession.open(config, shape);
}
