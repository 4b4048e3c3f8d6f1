import { check, UserError } from '../errors.js';
import { layerDropout, layerHiddenSize, layerInputSize, layerRecurrentDropout, modelFromJSON, modelFromWeights, modelToJSON, topHiddenSize, weightsOf, type LossKind, type Model, type ModelConfig, type RecurrentActivation, type Weights } from '../model.js';

/**
 * TensorFlow.js LayersModel files (`model.json` + binary weights): what TF.js's `model.save()` writes and what
 * `tensorflowjs_converter` makes of a Keras model. Read: a Sequential model, or the same chain as a functional
 * graph, of 1-4 LSTM layers (all but the last returning sequences) and a linear Dense head. Anything the engine
 * cannot compute the same way is refused, naming the layer and the setting.
 */

/** One weight in the manifest; `quantization` marks float32 weights stored as float16 or as scaled integers. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  group?: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

/** The parsed `model.json` of a TF.js LayersModel. */
export interface TfjsModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** Where this engine keeps its own metadata in `userDefinedMetadata`: the loss, and what the caller adds. */
export const TFJS_METADATA_KEY = 'webgpu-lstm';

/** The weight file name `toTfjsLayersModel` writes in the manifest (one shard). */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

const MAX_LAYERS = 4;

type Json = Record<string, any>;

/** Keras writes an activation as a name, or (Keras 3) sometimes as a serialized function object. */
function activationName(value: unknown, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  const config = (value as Json).config;
  return typeof config === 'string' ? config : typeof config?.name === 'string' ? config.name : JSON.stringify(value);
}

/** The names of the layers feeding one layer of a functional graph, in TF.js / Keras 2 or Keras 3 form. */
function inboundNames(layer: Json): string[] {
  const nodes = layer.inbound_nodes ?? [];
  const names: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && typeof v[1] === 'number') names.push(v[0]);
      else v.forEach(walk);
    } else if (v && typeof v === 'object') {
      const history = (v as Json).config?.keras_history;
      if (Array.isArray(history)) names.push(history[0]);
      else Object.values(v).forEach(walk);
    }
  };
  walk(nodes);
  return names;
}

/** The layers of a Sequential model or of a functional graph that is one chain, input first. */
function layerChain(topology: Json): Json[] {
  const modelConfig = topology.model_config ?? topology; // tensorflowjs_converter wraps Keras's config
  const className = modelConfig?.class_name;
  const config = modelConfig?.config;
  if (className === 'Sequential') {
    const layers = Array.isArray(config) ? config : config?.layers;
    check(Array.isArray(layers), 'the Sequential model in model.json has no "layers" list');
    return layers;
  }
  if (className === 'Model' || className === 'Functional') {
    const layers: Json[] = config?.layers;
    check(Array.isArray(layers), `the ${className} in model.json has no "layers" list`);
    const inputs = config.input_layers, outputs = config.output_layers;
    const single = (v: unknown) => Array.isArray(v) && (typeof v[0] === 'string' || (v.length === 1 && Array.isArray(v[0])));
    check(single(inputs) && single(outputs), `the ${className} has several inputs or outputs; only one input and one output are supported`);
    // each layer must take exactly the layer before it: one chain, no branches
    layers.forEach((layer, i) => {
      const from = inboundNames(layer);
      if (i === 0) check(from.length === 0, `layer "${layer.name}" is listed first but has inputs; only a chain of layers is supported`);
      else check(from.length === 1 && from[0] === (layers[i - 1].name ?? layers[i - 1].config?.name),
        `layer "${layer.name ?? layer.config?.name}" takes [${from.join(', ')}], not the layer before it; only a chain of layers (input → LSTM… → Dense) is supported`);
    });
    return layers;
  }
  throw new UserError(`model.json holds a ${String(className)}; only a Sequential model or a functional Model that is one chain of layers is supported`);
}

const REFUSED: Record<string, string> = {
  GRU: 'GRU layers are not supported: the engine computes LSTM cells only',
  SimpleRNN: 'SimpleRNN layers are not supported: the engine computes LSTM cells only',
  Bidirectional: 'Bidirectional layers are not supported: the engine runs each sequence forwards only',
  Masking: 'Masking is not supported: the engine uses every time step of every window (trim or pad the windows instead)',
  ConvLSTM2D: 'ConvLSTM2D layers are not supported: the engine computes dense LSTM cells only',
  Dropout: 'a separate Dropout layer is not supported; remove it for inference',
};

interface LstmLayer {
  name: string;
  units: number;
  returnSequences: boolean;
  recurrentActivation: RecurrentActivation;
  dropout: number;
  recurrentDropout: number;
}

/** Checks one LSTM layer's settings against what the engine computes. */
function readLstm(layer: Json, name: string, kerasVersion: string): LstmLayer {
  const c = layer.config ?? {};
  const where = `LSTM layer "${name}"`;
  const units = c.units;
  check(Number.isInteger(units) && units > 0, `${where} has units = ${units}; it must be a positive integer`);
  const activation = activationName(c.activation, 'tanh');
  check(activation === 'tanh', `${where} has activation '${activation}'; only 'tanh' is supported`);
  const recurrent = activationName(c.recurrent_activation, 'hard_sigmoid');
  check(recurrent === 'sigmoid' || recurrent === 'hard_sigmoid', `${where} has recurrent_activation '${recurrent}'; only 'sigmoid' and 'hard_sigmoid' are supported`);
  check(recurrent === 'sigmoid' || !kerasVersion.startsWith('3'),
    `${where} has recurrent_activation 'hard_sigmoid' from Keras ${kerasVersion}, where it means clip(z/6 + 0.5, 0, 1); the engine computes TF.js's and Keras 2's clip(0.2·z + 0.5, 0, 1). Retrain with 'sigmoid'`);
  check(c.use_bias !== false, `${where} has use_bias = false; only LSTM layers with a bias are supported`);
  for (const key of ['stateful', 'go_backwards', 'return_state'] as const) {
    check(!c[key], `${where} has ${key} = true; the engine runs each window from a zero state, forwards, returning its last h only`);
  }
  for (const key of ['dropout', 'recurrent_dropout'] as const) {
    const rate = c[key] ?? 0;
    check(typeof rate === 'number' && rate >= 0 && rate < 1, `${where} has ${key} = ${rate}; it must be a rate in [0, 1)`);
  }
  for (const key of ['kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint'] as const) {
    check(c[key] === undefined || c[key] === null, `${where} has a ${key}; regularizers and constraints are not supported (remove it)`);
  }
  return { name, units, returnSequences: Boolean(c.return_sequences), recurrentActivation: recurrent, dropout: c.dropout ?? 0, recurrentDropout: c.recurrent_dropout ?? 0 };
}

/** The feature count from an input shape such as [null, T, I] (InputLayer or the first layer's batch_input_shape). */
function inputFeatures(config: Json): number | undefined {
  const shape = config.batch_input_shape ?? config.batch_shape ?? (config.input_shape ? [null, ...config.input_shape] : undefined);
  if (!Array.isArray(shape)) return undefined;
  check(shape.length === 3, `the model's input shape is [${shape.map(String)}]; an LSTM input must be [batch, steps, features]`);
  const features = shape[2];
  check(Number.isInteger(features) && features > 0, `the model's input has ${features} features; it must be a fixed positive integer`);
  return features;
}

interface Architecture {
  inputSize: number;
  lstm: LstmLayer[];
  dense: { name: string; units: number };
}

function readArchitecture(topology: Json): Architecture {
  let inputSize: number | undefined;
  const lstm: LstmLayer[] = [];
  let dense: Architecture['dense'] | undefined;
  for (const layer of layerChain(topology)) {
    const cls = layer.class_name;
    const name: string = layer.config?.name ?? layer.name ?? cls;
    const c = layer.config ?? {};
    if (cls === 'InputLayer') {
      check(lstm.length === 0, `InputLayer "${name}" comes after other layers`);
      check(!c.sparse && !c.ragged, `InputLayer "${name}" is sparse or ragged; only dense float inputs are supported`);
      inputSize = inputFeatures(c);
      continue;
    }
    check(!dense, `layer "${name}" (${cls}) follows the Dense head; the Dense layer must be the last layer`);
    if (cls in REFUSED) throw new UserError(`layer "${name}": ${REFUSED[cls]}`);
    if (cls === 'LSTM') {
      if (lstm.length === 0) inputSize ??= inputFeatures(c);
      lstm.push(readLstm(layer, name, String(topology.keras_version ?? '')));
    } else if (cls === 'Dense') {
      check(lstm.length > 0, `Dense layer "${name}" comes before any LSTM layer; the model must be LSTM layers then one Dense head`);
      const activation = activationName(c.activation, 'linear');
      check(activation === 'linear', `Dense layer "${name}" has activation '${activation}'; only a linear head is supported (activation: 'linear')`);
      check(c.use_bias !== false, `Dense layer "${name}" has use_bias = false; only a Dense head with a bias is supported`);
      for (const key of ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'] as const) {
        check(c[key] === undefined || c[key] === null, `Dense layer "${name}" has a ${key}; regularizers and constraints are not supported (remove it)`);
      }
      check(Number.isInteger(c.units) && c.units > 0, `Dense layer "${name}" has units = ${c.units}; it must be a positive integer`);
      dense = { name, units: c.units };
    } else {
      throw new UserError(`layer "${name}" is a ${String(cls)}, which is not supported; the model must be LSTM layers then one linear Dense head`);
    }
  }
  check(lstm.length > 0, 'the model has no LSTM layer');
  check(lstm.length <= MAX_LAYERS, `the model has ${lstm.length} LSTM layers; at most ${MAX_LAYERS} are supported`);
  check(dense, 'the model has no Dense head after its LSTM layers; add Dense(outputs) with a linear activation');
  lstm.forEach((l, i) => {
    const last = i === lstm.length - 1;
    check(l.returnSequences === !last, last
      ? `LSTM layer "${l.name}" has return_sequences = true; the last LSTM layer must return its last h only (the Dense head reads it)`
      : `LSTM layer "${l.name}" has return_sequences = false; every LSTM layer but the last must return sequences to feed the next`);
    check(l.recurrentActivation === lstm[0].recurrentActivation, `LSTM layer "${l.name}" has recurrent_activation '${l.recurrentActivation}' and "${lstm[0].name}" '${lstm[0].recurrentActivation}'; all layers must use the same one`);
  });
  check(inputSize !== undefined, 'the model.json does not say the input shape (no InputLayer and no batch_input_shape on the first LSTM layer)');
  return { inputSize, lstm, dense };
}

/** IEEE 754 half precision to a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Every weight of the manifest by name, dequantized to float32, checking the bytes add up. */
function decodeWeights(manifest: TfjsModelJson['weightsManifest'], data: ArrayBuffer): Map<string, { spec: TfjsWeightSpec; values: Float32Array }> {
  check(Array.isArray(manifest), 'model.json has no "weightsManifest" list');
  const specs = manifest.flatMap((group) => group.weights ?? []);
  const out = new Map<string, { spec: TfjsWeightSpec; values: Float32Array }>();
  const bytes = new DataView(data);
  const sizes: Record<string, number> = { float32: 4, float16: 2, uint16: 2, uint8: 1 };
  let offset = 0;
  for (const spec of specs) {
    const count = (spec.shape ?? []).reduce((a, b) => a * b, 1);
    check(spec.dtype === 'float32', `weight "${spec.name}" has dtype ${spec.dtype}; only float32 weights are supported`);
    const stored = spec.quantization?.dtype ?? 'float32';
    const size = sizes[stored];
    check(size !== undefined, `weight "${spec.name}" is quantized as ${stored}; only float16, uint8 and uint16 are supported`);
    if (stored === 'uint8' || stored === 'uint16') {
      const { scale, min } = spec.quantization!;
      check(Number.isFinite(scale) && Number.isFinite(min), `weight "${spec.name}" is quantized as ${stored} but the manifest lacks its scale and min`);
    }
    check(offset + count * size <= data.byteLength,
      `the weight data holds ${data.byteLength} bytes but the manifest needs more (weight "${spec.name}" ends at byte ${offset + count * size}); the weights file does not match model.json`);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const at = offset + i * size;
      if (stored === 'float32') values[i] = bytes.getFloat32(at, true);
      else if (stored === 'float16') values[i] = halfToNumber(bytes.getUint16(at, true));
      else values[i] = (stored === 'uint8' ? bytes.getUint8(at) : bytes.getUint16(at, true)) * spec.quantization!.scale! + spec.quantization!.min!;
    }
    const bad = values.findIndex((v) => !Number.isFinite(v));
    check(bad < 0, `weight "${spec.name}" holds a non-finite value at index ${bad}`);
    offset += count * size;
    if (spec.group !== 'optimizer') out.set(spec.name, { spec, values }); // TF.js may append optimizer state
  }
  check(offset === data.byteLength, `the weight data holds ${data.byteLength} bytes but the manifest describes ${offset}; the weights file does not match model.json`);
  return out;
}

/** The weight of `layer` whose name ends in `/suffix` (TF.js: "lstm_1/kernel"; Keras 3: "lstm/lstm_cell/kernel"). */
function takeWeight(weights: ReturnType<typeof decodeWeights>, used: Set<string>, layer: string, suffix: string, shape: number[]): Float32Array {
  const found = [...weights.keys()].filter((n) => n.startsWith(`${layer}/`) && n.replace(/:\d+$/, '').endsWith(`/${suffix}`));
  check(found.length > 0, `the weights manifest has no "${layer}/${suffix}"; the weights file does not match the layers in model.json`);
  check(found.length === 1, `the weights manifest has several weights for "${layer}/${suffix}": ${found.join(', ')}`);
  const { spec, values } = weights.get(found[0])!;
  check(JSON.stringify(spec.shape) === JSON.stringify(shape), `weight "${spec.name}" has shape [${spec.shape}]; layer "${layer}" needs [${shape}]`);
  used.add(found[0]);
  return values;
}

/** The weight files a model.json names, in manifest order (their bytes, joined, are the model's weight data). */
export function tfjsWeightPaths(modelJson: TfjsModelJson): string[] {
  const groups = modelJson.weightsManifest;
  check(Array.isArray(groups) && groups.every((g) => Array.isArray(g?.paths) && g.paths.every((p) => typeof p === 'string')),
    'model.json has no valid "weightsManifest" (a list of { paths, weights })');
  return groups.flatMap((g) => g.paths);
}

/** Weight shards joined into the one buffer fromTfjsLayersModel reads. */
export function joinShards(shards: Uint8Array[]): ArrayBuffer {
  const bytes = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  shards.reduce((at, s) => (bytes.set(s, at), at + s.length), 0);
  return bytes.buffer;
}

/** A parsed model.json when `text` is a TF.js model, else undefined (the engine's own parser judges it). */
export function asTfjsModelJson(text: string): TfjsModelJson | undefined {
  try {
    const doc = JSON.parse(text);
    return doc && typeof doc === 'object' && 'modelTopology' in doc ? doc : undefined;
  } catch {
    return undefined;
  }
}

function parseModelJson(modelJson: TfjsModelJson | string): TfjsModelJson {
  if (typeof modelJson !== 'string') return modelJson;
  try {
    return JSON.parse(modelJson);
  } catch (e) {
    throw new UserError(`model.json is not valid JSON (${(e as Error).message})`);
  }
}

/** The engine's metadata in a TF.js model.json (the loss and what toTfjsLayersModel's caller added), or {}. */
export function tfjsMetadata(modelJson: TfjsModelJson | string): Record<string, unknown> {
  const meta = parseModelJson(modelJson).userDefinedMetadata?.[TFJS_METADATA_KEY];
  return meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : {};
}

/**
 * A model from a TF.js LayersModel: `modelJson` is model.json (parsed or as text), `weightData` the manifest's
 * weights in order, all shards concatenated (as TF.js's IO handlers give them). The loss comes from this engine's
 * metadata when the file was written here, else it is 'mse'.
 */
export function fromTfjsLayersModel(modelJson: TfjsModelJson | string, weightData: ArrayBuffer): Model {
  const doc = parseModelJson(modelJson);
  check(doc && typeof doc === 'object' && doc.modelTopology && typeof doc.modelTopology === 'object',
    'model.json has no "modelTopology"; pass a TF.js LayersModel (a graph model from tensorflowjs_converter --output_format tfjs_graph_model cannot be read)');
  check(doc.format === undefined || doc.format === 'layers-model', `model.json has format "${doc.format}"; only "layers-model" files are supported (convert with --output_format tfjs_layers_model)`);
  const arch = readArchitecture(doc.modelTopology as Json);
  const loss = (tfjsMetadata(doc).loss ?? 'mse') as LossKind;
  const sizes = arch.lstm.map((l) => l.units);
  const oneSize = sizes.every((h) => h === sizes[0]);
  const config: ModelConfig = { inputSize: arch.inputSize, hiddenSize: oneSize ? sizes[0] : sizes, layers: sizes.length, outputs: arch.dense.units, loss };
  if (arch.lstm[0].recurrentActivation === 'hard_sigmoid') config.recurrentActivation = 'hard_sigmoid';
  // Keras' dropout rates are training settings: kept, for training further here (one mask for the four gates).
  for (const [key, rates] of [['dropout', arch.lstm.map((l) => l.dropout)], ['recurrentDropout', arch.lstm.map((l) => l.recurrentDropout)]] as const) {
    if (rates.some((r) => r > 0)) config[key] = rates.every((r) => r === rates[0]) ? rates[0] : rates;
  }
  const weights = decodeWeights(doc.weightsManifest, weightData);
  const used = new Set<string>();
  const named: Weights = {
    layers: arch.lstm.map((l, i) => ({
      kernel: takeWeight(weights, used, l.name, 'kernel', [layerInputSize(config, i), 4 * l.units]),
      recurrentKernel: takeWeight(weights, used, l.name, 'recurrent_kernel', [l.units, 4 * l.units]),
      bias: takeWeight(weights, used, l.name, 'bias', [4 * l.units]),
    })),
    denseKernel: takeWeight(weights, used, arch.dense.name, 'kernel', [topHiddenSize(config), arch.dense.units]),
    denseBias: takeWeight(weights, used, arch.dense.name, 'bias', [arch.dense.units]),
  };
  const unused = [...weights.keys()].filter((n) => !used.has(n));
  check(unused.length === 0, `the weights manifest has weights no supported layer uses: ${unused.join(', ')}`);
  return modelFromWeights(config, named);
}

/**
 * The model as a TF.js LayersModel that `tf.loadLayersModel(tf.io.fromMemory(...))` loads: a Sequential of LSTM
 * layers and a linear Dense head, float32 weights in one buffer. `metadata` travels in userDefinedMetadata beside the
 * loss (the CLI puts the risk model's settings there).
 */
export function toTfjsLayersModel(model: Model, metadata: Record<string, unknown> = {}): { modelJson: TfjsModelJson; weightData: ArrayBuffer } {
  const { inputSize: I, layers: L, outputs: O } = model.config;
  const w = weightsOf(model.config, model.params);
  const layers: Json[] = [];
  const specs: TfjsWeightSpec[] = [];
  const tensors: Float32Array[] = [];
  const add = (name: string, shape: number[], values: Float32Array) => {
    specs.push({ name, shape, dtype: 'float32' });
    tensors.push(values);
  };
  for (let l = 0; l < L; l++) {
    const name = `lstm_${l + 1}`, H = layerHiddenSize(model.config, l);
    layers.push({
      class_name: 'LSTM',
      config: {
        name, trainable: true, dtype: 'float32', ...(l === 0 ? { batch_input_shape: [null, null, I] } : {}),
        units: H, activation: 'tanh', recurrent_activation: model.config.recurrentActivation ?? 'sigmoid', use_bias: true,
        // the engine's initialisers, for a model trained further from scratch elsewhere
        kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } },
        recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} }, unit_forget_bias: true,
        dropout: layerDropout(model.config, l), recurrent_dropout: layerRecurrentDropout(model.config, l), return_sequences: l < L - 1, return_state: false, go_backwards: false, stateful: false, unroll: false,
      },
    });
    add(`${name}/kernel`, [layerInputSize(model.config, l), 4 * H], w.layers[l].kernel);
    add(`${name}/recurrent_kernel`, [H, 4 * H], w.layers[l].recurrentKernel);
    add(`${name}/bias`, [4 * H], w.layers[l].bias);
  }
  layers.push({
    class_name: 'Dense',
    config: {
      name: 'dense', trainable: true, dtype: 'float32', units: O, activation: 'linear', use_bias: true,
      kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
    },
  });
  add('dense/kernel', [topHiddenSize(model.config), O], w.denseKernel);
  add('dense/bias', [O], w.denseBias);
  const weightData = new Float32Array(tensors.reduce((n, t) => n + t.length, 0));
  let offset = 0;
  for (const t of tensors) {
    weightData.set(t, offset);
    offset += t.length;
  }
  return {
    modelJson: {
      modelTopology: { class_name: 'Sequential', config: { name: 'sequential', layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
      format: 'layers-model',
      generatedBy: 'webgpu-lstm',
      convertedBy: null,
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
      userDefinedMetadata: { [TFJS_METADATA_KEY]: { ...metadata, loss: model.config.loss } },
    },
    weightData: weightData.buffer,
  };
}

/** An engine model file (text) as a TF.js LayersModel; the file's metadata (such as a risk section) travels along. */
export function modelFileToTfjs(modelFileText: string): { modelJson: TfjsModelJson; weightData: ArrayBuffer } {
  const { model, extra } = modelFromJSON(modelFileText);
  return toTfjsLayersModel(model, extra);
}

/** A TF.js LayersModel as an engine model file (text), its engine metadata restored beside the weights. */
export function tfjsToModelFile(modelJson: TfjsModelJson | string, weightData: ArrayBuffer): string {
  const model = fromTfjsLayersModel(modelJson, weightData);
  // the file's own keys are never taken from the metadata
  const { loss: _loss, format: _format, version: _version, config: _config, tensors: _tensors, ...extra } = tfjsMetadata(modelJson);
  return modelToJSON(model, extra);
}
