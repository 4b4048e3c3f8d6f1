import { check, UserError } from './errors.js';
import { Rng } from './rng.js';

/**
 * Training loss. 'qlike' treats the output as log-variance: L = y/exp(out) - log(y/exp(out)) - 1.
 * 'student-t' is the negative log-likelihood of the return y under a unit-variance Student-t scaled by e^{s/2}:
 * two outputs, s = log-variance and u with ν = 2 + softplus(u), and one target (the return) per window.
 */
export type LossKind = 'mse' | 'qlike' | 'student-t';

export const LOSS_KINDS: readonly LossKind[] = ['mse', 'qlike', 'student-t'];

/**
 * The LSTM gates' activation (i, f, o). 'hard_sigmoid' is TF.js's default and its definition,
 * clip(0.2·z + 0.5, 0, 1) (Keras 3 redefined it as clip(z/6 + 0.5, 0, 1); that one is not offered).
 */
export type RecurrentActivation = 'sigmoid' | 'hard_sigmoid';

export interface ModelConfig {
  inputSize: number; // I: features per time step
  hiddenSize: number | number[]; // H: units of every LSTM layer, or one size per layer (e.g. [64, 32])
  layers: number; // stacked LSTM layers; layer l > 0 takes layer l-1's h as input
  outputs: number; // O: dense head outputs, read from the last time step's h
  loss: LossKind;
  recurrentActivation?: RecurrentActivation; // default 'sigmoid'
  /**
   * Keras' dropout, in training only: the fraction of a layer's inputs x_t (dropout) and of h_{t-1} where it meets
   * W_h (recurrentDropout) zeroed, one number for every layer or one per layer; default 0. One mask per window,
   * shared by every time step and by the four gates (Keras draws one per gate); kept units scaled by 1/(1 − p).
   */
  dropout?: number | number[];
  recurrentDropout?: number | number[];
}

/** One LSTM layer in the Keras / TensorFlow.js layout; gate blocks are ordered i, f, c(g), o. */
export interface LayerWeights {
  kernel: Float32Array; // [in, 4H]
  recurrentKernel: Float32Array; // [H, 4H]
  bias: Float32Array; // [4H]
}

export interface Weights {
  layers: LayerWeights[];
  denseKernel: Float32Array; // [H of the last layer, O]
  denseBias: Float32Array; // [O]
}

/** Where each tensor lives in the one flat parameter buffer (the GPU's Adam updates it in one dispatch). */
export interface TensorSlot {
  name: string;
  offset: number;
  shape: number[];
  size: number;
}

export interface ParamLayout {
  slots: TensorSlot[];
  size: number;
  layers: { kernel: TensorSlot; recurrentKernel: TensorSlot; bias: TensorSlot }[];
  denseKernel: TensorSlot;
  denseBias: TensorSlot;
}

export interface Model {
  config: ModelConfig;
  params: Float32Array; // flat, laid out by paramLayout(config)
}

export const MODEL_FORMAT = 'webgpu-lstm-model';
export const MODEL_FORMAT_VERSION = 1;

/** The units of LSTM layer `layer`. */
export function layerHiddenSize(config: ModelConfig, layer: number): number {
  return Array.isArray(config.hiddenSize) ? config.hiddenSize[layer] : config.hiddenSize;
}

/** The units of the last LSTM layer, whose h the dense head reads. */
export function topHiddenSize(config: ModelConfig): number {
  return layerHiddenSize(config, config.layers - 1);
}

/** A per-layer dropout setting of layer `layer` (0 when unset). */
function perLayer(value: number | number[] | undefined, layer: number): number {
  return Array.isArray(value) ? value[layer] : (value ?? 0);
}

export function layerDropout(config: ModelConfig, layer: number): number {
  return perLayer(config.dropout, layer);
}

export function layerRecurrentDropout(config: ModelConfig, layer: number): number {
  return perLayer(config.recurrentDropout, layer);
}

/** Whether training draws any dropout mask. */
export function hasDropout(config: ModelConfig): boolean {
  for (let l = 0; l < config.layers; l++) if (layerDropout(config, l) > 0 || layerRecurrentDropout(config, l) > 0) return true;
  return false;
}

export function layerInputSize(config: ModelConfig, layer: number): number {
  return layer === 0 ? config.inputSize : layerHiddenSize(config, layer - 1);
}

export function validateConfig(config: ModelConfig): void {
  const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  check(positiveInt(config.inputSize), `inputSize must be a positive integer (got ${config.inputSize})`);
  check(positiveInt(config.layers), `layers must be a positive integer (got ${config.layers})`);
  if (Array.isArray(config.hiddenSize)) {
    check(config.hiddenSize.length === config.layers, `hiddenSize lists ${config.hiddenSize.length} sizes for ${config.layers} layers; give one per layer, or one number for all`);
    check(config.hiddenSize.every(positiveInt), `hiddenSize must hold positive integers (got [${config.hiddenSize.map(String)}])`);
  } else {
    check(positiveInt(config.hiddenSize), `hiddenSize must be a positive integer (got ${config.hiddenSize}); use 16..256 for typical series`);
  }
  check(positiveInt(config.outputs), `outputs must be a positive integer (got ${config.outputs})`);
  check(LOSS_KINDS.includes(config.loss), `loss must be one of ${LOSS_KINDS.join(', ')} (got ${String(config.loss)})`);
  check(config.loss !== 'student-t' || config.outputs === 2, `loss 'student-t' needs outputs: 2 (log-variance and the tail parameter; got ${config.outputs})`);
  const gate = config.recurrentActivation;
  check(gate === undefined || gate === 'sigmoid' || gate === 'hard_sigmoid', `recurrentActivation must be 'sigmoid' or 'hard_sigmoid' (got ${String(gate)})`);
  for (const key of ['dropout', 'recurrentDropout'] as const) {
    const value = config[key];
    if (value === undefined) continue;
    const rate = (v: unknown) => typeof v === 'number' && v >= 0 && v < 1;
    if (Array.isArray(value)) {
      check(value.length === config.layers, `${key} lists ${value.length} rates for ${config.layers} layers; give one per layer, or one number for all`);
      check(value.every(rate), `${key} rates must be in [0, 1) (got [${value.map(String)}])`);
    } else {
      check(rate(value), `${key} must be a rate in [0, 1), e.g. 0.2 (got ${String(value)})`);
    }
  }
}

/** Values of y per window: the one return for 'student-t' (its two outputs describe a distribution), else one per output. */
export function targetsPerWindow(config: ModelConfig): number {
  return config.loss === 'student-t' ? 1 : config.outputs;
}

export function paramLayout(config: ModelConfig): ParamLayout {
  validateConfig(config);
  const slots: TensorSlot[] = [];
  let offset = 0;
  const add = (name: string, shape: number[]): TensorSlot => {
    const size = shape.reduce((a, b) => a * b, 1);
    const slot = { name, offset, shape, size };
    slots.push(slot);
    offset += size;
    return slot;
  };
  const layers = [];
  for (let l = 0; l < config.layers; l++) {
    const H = layerHiddenSize(config, l);
    layers.push({
      kernel: add(`layers.${l}.kernel`, [layerInputSize(config, l), 4 * H]),
      recurrentKernel: add(`layers.${l}.recurrentKernel`, [H, 4 * H]),
      bias: add(`layers.${l}.bias`, [4 * H]),
    });
  }
  const denseKernel = add('denseKernel', [topHiddenSize(config), config.outputs]);
  const denseBias = add('denseBias', [config.outputs]);
  return { slots, size: offset, layers, denseKernel, denseBias };
}

/** Views (no copies) of the flat parameter buffer as named tensors. */
export function weightsOf(config: ModelConfig, flat: Float32Array): Weights {
  const layout = paramLayout(config);
  check(flat.length === layout.size, `parameter buffer has ${flat.length} values, the config needs ${layout.size}`);
  const view = (s: TensorSlot) => flat.subarray(s.offset, s.offset + s.size);
  return {
    layers: layout.layers.map((l) => ({ kernel: view(l.kernel), recurrentKernel: view(l.recurrentKernel), bias: view(l.bias) })),
    denseKernel: view(layout.denseKernel),
    denseBias: view(layout.denseBias),
  };
}

/** Glorot-uniform for a [fanIn, fanOut] kernel, as Keras does. */
function glorotUniform(out: Float32Array, fanIn: number, fanOut: number, rng: Rng): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
}

/**
 * Keras' Orthogonal initializer for a [rows, cols] matrix: QR of a normal matrix (of the transpose when
 * rows < cols), with q's columns signed by diag(r). Modified Gram-Schmidt gives the same q.
 */
function orthogonal(out: Float32Array, rows: number, cols: number, rng: Rng): void {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // the tall matrix is [m, n], m >= n
  const n = tall ? cols : rows;
  const a = new Float64Array(m * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += a[i * n + j] * a[i * n + k];
      for (let i = 0; i < m; i++) a[i * n + j] -= dot * a[i * n + k];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) a[i * n + j] /= norm;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      if (tall) out[i * cols + j] = a[i * n + j];
      else out[j * cols + i] = a[i * n + j];
    }
  }
}

/** A new model initialised as Keras would: Glorot-uniform kernels, orthogonal recurrent kernels, forget bias 1. */
export function createModel(config: ModelConfig, seed = 1): Model {
  const layout = paramLayout(config);
  const params = new Float32Array(layout.size);
  const w = weightsOf(config, params);
  const rng = new Rng(seed);
  w.layers.forEach((layer, l) => {
    const H = layerHiddenSize(config, l);
    glorotUniform(layer.kernel, layerInputSize(config, l), 4 * H, rng);
    orthogonal(layer.recurrentKernel, H, 4 * H, rng);
    layer.bias.fill(0, 0, 4 * H);
    layer.bias.fill(1, H, 2 * H);
  });
  glorotUniform(w.denseKernel, topHiddenSize(config), config.outputs, rng);
  return { config: { ...config }, params };
}

/** Builds a model from Keras-layout weights (one entry per layer). */
export function modelFromWeights(config: ModelConfig, weights: Weights): Model {
  const layout = paramLayout(config);
  const params = new Float32Array(layout.size);
  const put = (slot: TensorSlot, values: ArrayLike<number>) => {
    check(values.length === slot.size, `${slot.name} has ${values.length} values, expected ${slot.size} (shape [${slot.shape}])`);
    params.set(values, slot.offset);
  };
  check(weights.layers.length === config.layers, `weights have ${weights.layers.length} layers, config says ${config.layers}`);
  layout.layers.forEach((slots, l) => {
    put(slots.kernel, weights.layers[l].kernel);
    put(slots.recurrentKernel, weights.layers[l].recurrentKernel);
    put(slots.bias, weights.layers[l].bias);
  });
  put(layout.denseKernel, weights.denseKernel);
  put(layout.denseBias, weights.denseBias);
  return { config: { ...config }, params };
}

/** Serialises a model (config + weights + format version) as one JSON text. `extra` carries app metadata. */
export function modelToJSON(model: Model, extra: Record<string, unknown> = {}): string {
  const layout = paramLayout(model.config);
  const tensors: Record<string, { shape: number[]; values: number[] }> = {};
  for (const s of layout.slots) tensors[s.name] = { shape: s.shape, values: Array.from(model.params.subarray(s.offset, s.offset + s.size)) };
  return JSON.stringify({ format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, config: model.config, tensors, ...extra });
}

/**
 * Sizes a model file may declare, checked before anything is allocated (a hand-edited hiddenSize of 1e9 would
 * otherwise ask for petabytes): far above any model this engine trains.
 */
export const MODEL_FILE_LIMITS = { inputSize: 4096, hiddenSize: 4096, layers: 16, outputs: 4096 } as const;

/** Float32's largest finite value: a larger weight would load as Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

const describe = (v: unknown) => (typeof v === 'string' ? `the string ${JSON.stringify(v)}` : JSON.stringify(v) ?? String(v));

function checkFileConfig(config: Record<string, unknown>): void {
  for (const [key, limit] of Object.entries(MODEL_FILE_LIMITS)) {
    // hiddenSize may list one size per layer.
    const values = key === 'hiddenSize' && Array.isArray(config[key]) ? (config[key] as unknown[]) : [config[key]];
    for (const v of values) {
      if (!Number.isInteger(v) || (v as number) < 1) throw new UserError(`model file: "config.${key}" must be a positive whole number (got ${describe(config[key])})`);
      if ((v as number) > limit) throw new UserError(`model file: "config.${key}" is ${describe(config[key])}, above the ${limit} this build reads; the file is damaged or not from 'webgpu-lstm train'`);
    }
  }
}

/** Parses and validates a model file; every problem is a UserError naming the field that is wrong. */
export function modelFromJSON(text: string): { model: Model; extra: Record<string, unknown> } {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UserError(`model file is not valid JSON (${(e as Error).message}); pass a file written by 'webgpu-lstm train --out'`);
  }
  if (!doc || typeof doc !== 'object' || doc.format !== MODEL_FORMAT) throw new UserError(`not a webgpu-lstm model file (missing "format": "${MODEL_FORMAT}")`);
  if (typeof doc.version !== 'number') throw new UserError(`model file: "version" must be the number ${MODEL_FORMAT_VERSION} (got ${describe(doc.version)})`);
  if (doc.version !== MODEL_FORMAT_VERSION) throw new UserError(`model file: "version" ${doc.version} is not supported (this build reads version ${MODEL_FORMAT_VERSION})`);
  const { format: _f, version: _v, config, tensors, ...extra } = doc;
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new UserError('model file has no "config" object');
  checkFileConfig(config);
  validateConfig(config);
  if (!tensors || typeof tensors !== 'object') throw new UserError('model file has no "tensors" object');
  const layout = paramLayout(config);
  const params = new Float32Array(layout.size);
  const needs = `config (inputSize ${config.inputSize}, hiddenSize ${config.hiddenSize}, outputs ${config.outputs})`;
  for (const s of layout.slots) {
    const t = tensors[s.name];
    if (!t || !Array.isArray(t.values)) throw new UserError(`model file is missing tensor "${s.name}"`);
    if (JSON.stringify(t.shape) !== JSON.stringify(s.shape)) throw new UserError(`tensor "${s.name}" has shape ${JSON.stringify(t.shape) ?? 'none'}, the ${needs} needs [${s.shape}]`);
    if (t.values.length !== s.size) throw new UserError(`tensor "${s.name}" has ${t.values.length} values; its shape [${s.shape}] needs ${s.size} (the file is truncated or edited)`);
    for (let i = 0; i < s.size; i++) {
      const v = t.values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`tensor "${s.name}" holds a non-finite value at index ${i}`);
      if (Math.abs(v) > FLOAT32_MAX) throw new UserError(`tensor "${s.name}" holds ${v} at index ${i}, beyond the range of Float32 (about 3.4e38)`);
      params[s.offset + i] = v;
    }
  }
  return { model: { config: { ...config }, params }, extra };
}
