import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { modelTextFromFiles } from '../src/app/modelFile.js';
import { fromTfjsLayersModel, modelFileToTfjs, tfjsMetadata, toTfjsLayersModel, type TfjsModelJson, type TfjsWeightSpec } from '../src/io/tfjs.js';
import { createModel, modelToJSON, type ModelConfig, type RecurrentActivation } from '../src/model.js';
import { Rng } from '../src/rng.js';
import { predict } from '../src/train/trainer.js';
import { relErr } from './helpers/compare.js';

// Models made by TensorFlow.js (random weights, saved through its IO API) are read here and must predict what
// TF.js predicts; models written here must load in TF.js and predict what the engine predicts. Float32 on both
// sides: within 1e-5 relative (‖a−b‖/‖b‖).

const T = 7;

/** What TF.js's IO API hands a save handler, as the model.json + weights a directory would hold. */
async function saveTfjs(model: tf.LayersModel): Promise<{ modelJson: TfjsModelJson; weightData: ArrayBuffer }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const { modelTopology, format, generatedBy, convertedBy, weightSpecs, weightData } = saved!;
  const modelJson = { modelTopology, format, generatedBy, convertedBy, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weightSpecs! }] } as TfjsModelJson;
  return { modelJson, weightData: weightData as ArrayBuffer };
}

/** tf.loadLayersModel on model.json + weights, as a TF.js user would. */
function loadTfjs(modelJson: TfjsModelJson, weightData: ArrayBuffer): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[], weightData }));
}

function tfjsPredict(model: tf.LayersModel, x: Float32Array, count: number, features: number): Float32Array {
  const input = tf.tensor3d(x, [count, T, features]);
  const out = model.predict(input) as tf.Tensor;
  const values = Float32Array.from(out.dataSync());
  tf.dispose([input, out]);
  return values;
}

const randomInit = () => ({
  kernelInitializer: tf.initializers.randomUniform({ minval: -0.6, maxval: 0.6, seed: 1 }),
  recurrentInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 2 }),
  biasInitializer: tf.initializers.randomUniform({ minval: -0.4, maxval: 0.4, seed: 3 }),
});

/** A TF.js model of `layers` LSTM layers and a Dense head, Sequential or functional. */
function tfjsLstm(I: number, H: number | number[], layers: number, O: number, functional: boolean, gate: RecurrentActivation = 'sigmoid'): tf.LayersModel {
  const recurrentActivation = gate === 'hard_sigmoid' ? 'hardSigmoid' : 'sigmoid'; // TF.js's spelling in code
  const units = (l: number) => (Array.isArray(H) ? H[l] : H);
  const lstm = (l: number) => tf.layers.lstm({ units: units(l), recurrentActivation, returnSequences: l < layers - 1, ...randomInit() });
  const dense = tf.layers.dense({ units: O, biasInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 4 }) });
  if (!functional) {
    const model = tf.sequential();
    for (let l = 0; l < layers; l++) model.add(l === 0 ? tf.layers.lstm({ units: units(0), recurrentActivation, returnSequences: layers > 1, inputShape: [T, I], ...randomInit() }) : lstm(l));
    model.add(dense);
    return model;
  }
  const input = tf.input({ shape: [T, I] });
  let h: tf.SymbolicTensor = input;
  for (let l = 0; l < layers; l++) h = lstm(l).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: dense.apply(h) as tf.SymbolicTensor });
}

const inputs = (count: number, I: number, seed = 7) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: count * T * I }, () => rng.normal());
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TF.js LayersModel → engine', () => {
  const cases = [
    { I: 3, H: 5, layers: 1, O: 1, functional: false },
    { I: 2, H: 8, layers: 2, O: 2, functional: false },
    { I: 4, H: 6, layers: 3, O: 1, functional: true },
    { I: 3, H: [8, 4], layers: 2, O: 1, functional: false }, // the common Keras recipe LSTM(64) → LSTM(32), smaller
    { I: 3, H: 5, layers: 2, O: 1, functional: false, recurrentActivation: 'hard_sigmoid' as const }, // TF.js's default
  ];
  for (const c of cases) {
    const gate = c.recurrentActivation ?? 'sigmoid';
    const backends = ['cpu', 'webgpu'] as const;
    it(`${c.layers} layer(s), I=${c.I} H=${String(c.H)} O=${c.O}, ${c.functional ? 'functional' : 'Sequential'}, ${gate}: predictions equal TF.js's on ${backends.join(' and ')}`, async () => {
      const made = tfjsLstm(c.I, c.H, c.layers, c.O, c.functional, gate);
      const { modelJson, weightData } = await saveTfjs(made);
      const model = fromTfjsLayersModel(JSON.stringify(modelJson), weightData);
      expect(model.config).toEqual({ inputSize: c.I, hiddenSize: c.H, layers: c.layers, outputs: c.O, loss: 'mse', ...(c.recurrentActivation ? { recurrentActivation: gate } : {}) });
      const count = 5;
      const x = inputs(count, c.I);
      const expected = tfjsPredict(made, x, count, c.I);
      for (const backend of backends) {
        const ours = await predict(model, { x, count, steps: T }, { backend });
        expect(relErr(ours, expected), backend).toBeLessThan(1e-5);
      }
      made.dispose();
    });
  }

  it('reads the Keras form tensorflowjs_converter writes (model_config wrapper, InputLayer, cell weight names)', async () => {
    const made = tfjsLstm(2, 4, 2, 1, false);
    const { modelJson, weightData } = await saveTfjs(made);
    const layers = (modelJson.modelTopology as any).config.layers;
    delete layers[0].config.batch_input_shape;
    const keras = {
      ...modelJson,
      modelTopology: {
        keras_version: '2.15.0', backend: 'tensorflow',
        model_config: { class_name: 'Sequential', config: { name: 'sequential', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, T, 2], dtype: 'float32', sparse: false, ragged: false, name: 'input_1' } }, ...layers] } },
      },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: modelJson.weightsManifest[0].weights.map((w) => ({ ...w, name: w.name.replace(/^(lstm_\w+)\//, '$1/lstm_cell/') })) }],
    };
    expect(keras.weightsManifest[0].weights[0].name).toMatch(/^lstm_LSTM\d+\/lstm_cell\/kernel$/);
    const x = inputs(3, 2);
    const ours = await predict(fromTfjsLayersModel(keras, weightData), { x, count: 3, steps: T }, { backend: 'cpu' });
    expect(relErr(ours, tfjsPredict(made, x, 3, 2))).toBeLessThan(1e-5);
    made.dispose();
  });

  it('reads a Keras 3 functional graph (class Functional, batch_shape, keras_history inbound nodes)', async () => {
    const made = tfjsLstm(2, 4, 2, 1, true);
    const { modelJson, weightData } = await saveTfjs(made);
    const config = (modelJson.modelTopology as any).config;
    const keras3Layers = config.layers.map((layer: any) => {
      const inbound = layer.inbound_nodes.map((node: any[]) => ({
        args: node.map(([name, i, j]: [string, number, number]) => ({ class_name: '__keras_tensor__', config: { shape: [null, T, 2], dtype: 'float32', keras_history: [name, i, j] } })),
        kwargs: { training: false, mask: null },
      }));
      const c = { ...layer.config, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } } };
      if (layer.class_name === 'InputLayer') {
        c.batch_shape = c.batch_input_shape;
        delete c.batch_input_shape;
      }
      return { module: 'keras.layers', class_name: layer.class_name, config: c, registered_name: null, name: layer.name, inbound_nodes: inbound };
    });
    const keras3 = {
      ...modelJson,
      modelTopology: {
        keras_version: '3.5.0', backend: 'tensorflow',
        model_config: { class_name: 'Functional', config: { name: 'functional', layers: keras3Layers, input_layers: config.input_layers[0], output_layers: config.output_layers[0] } },
      },
    };
    const x = inputs(3, 2);
    const ours = await predict(fromTfjsLayersModel(keras3, weightData), { x, count: 3, steps: T }, { backend: 'cpu' });
    expect(relErr(ours, tfjsPredict(made, x, 3, 2))).toBeLessThan(1e-5);
    made.dispose();
  });

  it('dequantizes float16 and uint8 weights as TF.js does', async () => {
    const made = tfjsLstm(3, 4, 2, 1, false);
    const { modelJson, weightData } = await saveTfjs(made);
    made.dispose();
    const floats = new Float32Array(weightData);
    const specs = modelJson.weightsManifest[0].weights;
    // re-encode: kernels as float16 (truncated mantissa), biases as uint8 with a scale and min
    const parts: ArrayBuffer[] = [];
    const quantized: TfjsWeightSpec[] = [];
    let offset = 0;
    for (const spec of specs) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const values = floats.subarray(offset, offset + n);
      offset += n;
      if (spec.name.endsWith('bias')) {
        const min = -0.5, scale = 1 / 255;
        parts.push(Uint8Array.from(values, (v) => Math.max(0, Math.min(255, Math.round((v - min) / scale)))).buffer);
        quantized.push({ ...spec, quantization: { dtype: 'uint8', min, scale } });
      } else {
        const bits = new Uint32Array(Float32Array.from(values, (v) => (Math.abs(v) < 1e-4 ? 0 : v)).buffer);
        const half = Uint16Array.from(bits, (b) => (b === 0 ? 0 : ((b >>> 16) & 0x8000) | ((((b >>> 23) & 0xff) - 112) << 10) | ((b >>> 13) & 0x3ff)));
        parts.push(half.buffer);
        quantized.push({ ...spec, quantization: { dtype: 'float16' } });
      }
    }
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    parts.reduce((at, p) => (bytes.set(new Uint8Array(p), at), at + p.byteLength), 0);
    const qJson = { ...modelJson, weightsManifest: [{ paths: ['q.bin'], weights: quantized }] };
    const reference = await loadTfjs(qJson, bytes.buffer); // TF.js dequantizes on its own
    const x = inputs(4, 3);
    const expected = tfjsPredict(reference, x, 4, 3);
    reference.dispose();
    const ours = await predict(fromTfjsLayersModel(qJson, bytes.buffer), { x, count: 4, steps: T }, { backend: 'cpu' });
    expect(relErr(ours, expected)).toBeLessThan(1e-5);
  });
});

describe('engine → TF.js LayersModel', () => {
  const cases: (Omit<ModelConfig, 'inputSize' | 'hiddenSize' | 'loss'> & { I: number; H: number | number[] })[] = [
    { I: 2, H: 6, layers: 1, outputs: 1 },
    { I: 3, H: 4, layers: 3, outputs: 2 },
    { I: 2, H: 5, layers: 2, outputs: 1, recurrentActivation: 'hard_sigmoid' },
    { I: 2, H: [6, 3], layers: 2, outputs: 1 },
  ];
  for (const { I, H, ...c } of cases) {
    const backends = ['cpu', 'webgpu'] as const;
    it(`${c.layers} layer(s), I=${I} H=${String(H)} O=${c.outputs} ${c.recurrentActivation ?? 'sigmoid'}: TF.js loads it and predicts what the engine predicts on ${backends.join(' and ')}`, async () => {
      const config: ModelConfig = { inputSize: I, hiddenSize: H, ...c, loss: 'qlike' };
      const model = createModel(config, 3);
      const rng = new Rng(2);
      for (let i = 0; i < model.params.length; i++) model.params[i] += 0.1 * rng.normal(); // biases away from 0/1
      const { modelJson, weightData } = toTfjsLayersModel(model, { note: 'risk' });
      const loaded = await loadTfjs(modelJson, weightData);
      const x = inputs(6, I, 4);
      const expected = tfjsPredict(loaded, x, 6, I);
      loaded.dispose();
      for (const backend of backends) {
        expect(relErr(await predict(model, { x, count: 6, steps: T }, { backend }), expected), backend).toBeLessThan(1e-5);
      }
      // and back: the same weights, the loss and the metadata
      const back = fromTfjsLayersModel(JSON.parse(JSON.stringify(modelJson)), weightData);
      expect(back.config).toEqual(config);
      expect(back.params).toEqual(model.params);
      expect(tfjsMetadata(modelJson)).toEqual({ note: 'risk', loss: 'qlike' });
    });
  }
});

describe('refusals name the layer and the setting', () => {
  const refuse = async (model: tf.LayersModel, message: RegExp) => {
    const { modelJson, weightData } = await saveTfjs(model);
    model.dispose();
    expect(() => fromTfjsLayersModel(modelJson, weightData)).toThrow(UserError);
    expect(() => fromTfjsLayersModel(modelJson, weightData)).toThrow(message);
  };
  const seq = (...layers: tf.layers.Layer[]) => tf.sequential({ layers });
  const lstm = (extra: Record<string, unknown> = {}) => tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', inputShape: [T, 2], ...extra });

  it('GRU, Bidirectional, Masking and unknown classes', async () => {
    await refuse(seq(tf.layers.gru({ units: 3, inputShape: [T, 2], name: 'g1' }), tf.layers.dense({ units: 1 })), /layer "g1": GRU layers are not supported/);
    await refuse(seq(tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3 }) as tf.RNN, inputShape: [T, 2], name: 'bi' }), tf.layers.dense({ units: 1 })), /layer "bi": Bidirectional/);
    await refuse(seq(tf.layers.masking({ inputShape: [T, 2], name: 'mask' }), tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid' }), tf.layers.dense({ units: 1 })), /layer "mask": Masking is not supported/);
    await refuse(seq(lstm(), tf.layers.dense({ units: 4 }), tf.layers.dense({ units: 1, name: 'second' })), /layer "second" \(Dense\) follows the Dense head/);
    await refuse(seq(lstm({ returnSequences: true }), tf.layers.flatten({ name: 'flat' }), tf.layers.dense({ units: 1 })), /layer "flat" is a Flatten, which is not supported/);
  });

  it('stateful, other activations, mixed or Keras 3 hard_sigmoid, a non-linear head, return_sequences, a dropout rate of 1', async () => {
    await refuse(seq(tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', stateful: true, batchInputShape: [4, T, 2], name: 'st' }), tf.layers.dense({ units: 1 })), /LSTM layer "st" has stateful = true/);
    await refuse(seq(lstm({ activation: 'relu', name: 'r' }), tf.layers.dense({ units: 1 })), /LSTM layer "r" has activation 'relu'; only 'tanh'/);
    await refuse(seq(lstm({ recurrentActivation: 'tanh', name: 'rt' }), tf.layers.dense({ units: 1 })), /LSTM layer "rt" has recurrent_activation 'tanh'; only 'sigmoid' and 'hard_sigmoid'/);
    await refuse(seq(lstm({ returnSequences: true }), tf.layers.lstm({ units: 3, name: 'mixed' }), tf.layers.dense({ units: 1 })), /LSTM layer "mixed" has recurrent_activation 'hard_sigmoid' and .* 'sigmoid'; all layers must use the same one/);
    // Keras 3 redefined hard_sigmoid as clip(z/6 + 0.5, 0, 1): its files are refused, not computed the TF.js way
    const keras3 = await saveTfjs(seq(tf.layers.lstm({ units: 3, inputShape: [T, 2], name: 'k3' }), tf.layers.dense({ units: 1 })));
    (keras3.modelJson.modelTopology as any).keras_version = '3.4.1';
    expect(() => fromTfjsLayersModel(keras3.modelJson, keras3.weightData)).toThrow(/LSTM layer "k3" has recurrent_activation 'hard_sigmoid' from Keras 3.4.1, where it means clip\(z\/6/);
    await refuse(seq(lstm(), tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'head' })), /Dense layer "head" has activation 'sigmoid'; only a linear head/);
    await refuse(seq(lstm({ returnSequences: true, name: 'seqs' }), tf.layers.dense({ units: 1 })), /LSTM layer "seqs" has return_sequences = true; the last LSTM layer/);
    // TF.js cannot build this one: edit a good file as a user might
    const stacked = await saveTfjs(seq(lstm({ returnSequences: true, name: 'l1' }), tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid' }), tf.layers.dense({ units: 1 })));
    (stacked.modelJson.modelTopology as any).config.layers[0].config.return_sequences = false;
    expect(() => fromTfjsLayersModel(stacked.modelJson, stacked.weightData)).toThrow(/LSTM layer "l1" has return_sequences = false; every LSTM layer but the last/);
    await refuse(seq(lstm({ dropout: 1, name: 'dr' }), tf.layers.dense({ units: 1 })), /LSTM layer "dr" has dropout = 1; it must be a rate in \[0, 1\)/);
  });

  it("Keras' dropout rates are read as training settings and written back; predictions equal TF.js's (no dropout at inference)", async () => {
    const made = seq(lstm({ dropout: 0.2, recurrentDropout: 0.3, returnSequences: true }), tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', recurrentDropout: 0.1 }), tf.layers.dense({ units: 1 }));
    const { modelJson, weightData } = await saveTfjs(made);
    const model = fromTfjsLayersModel(modelJson, weightData);
    expect(model.config).toMatchObject({ dropout: [0.2, 0], recurrentDropout: [0.3, 0.1] });
    const x = inputs(4, 2);
    expect(relErr(await predict(model, { x, count: 4, steps: T }, { backend: 'cpu' }), tfjsPredict(made, x, 4, 2))).toBeLessThan(1e-5);
    const back = toTfjsLayersModel(model).modelJson.modelTopology as any;
    const lstms = (back.config.layers ?? back.config).filter((l: any) => l.class_name === 'LSTM').map((l: any) => [l.config.dropout, l.config.recurrent_dropout]);
    expect(lstms).toEqual([[0.2, 0.3], [0, 0.1]]);
    made.dispose();
  });

  it('a model with a branch is refused; a graph model file is refused', async () => {
    const input = tf.input({ shape: [T, 2] });
    const a = tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', name: 'a' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', name: 'b' }).apply(input) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    await refuse(tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(sum) as tf.SymbolicTensor }), /layer "b" takes \[.*\], not the layer before it/);
    expect(() => fromTfjsLayersModel({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }, new ArrayBuffer(0))).toThrow(/format "graph-model"/);
    expect(() => fromTfjsLayersModel('{oops', new ArrayBuffer(0))).toThrow(/model.json is not valid JSON/);
  });
});

describe('a hand-edited manifest is a clear error', () => {
  const good = () => toTfjsLayersModel(createModel({ inputSize: 2, hiddenSize: 3, layers: 2, outputs: 1, loss: 'mse' }, 1));

  it('wrong byte count', () => {
    const { modelJson, weightData } = good();
    expect(() => fromTfjsLayersModel(modelJson, weightData.slice(0, weightData.byteLength - 4))).toThrow(/holds \d+ bytes but the manifest needs more.*does not match model.json/);
    const longer = new Uint8Array(weightData.byteLength + 8);
    longer.set(new Uint8Array(weightData));
    expect(() => fromTfjsLayersModel(modelJson, longer.buffer)).toThrow(/holds \d+ bytes but the manifest describes \d+/);
  });

  it('missing weight', () => {
    const { modelJson, weightData } = good();
    modelJson.weightsManifest[0].weights[4].name = 'lstm_2/renamed';
    expect(() => fromTfjsLayersModel(modelJson, weightData)).toThrow(/no "lstm_2\/recurrent_kernel"/);
  });

  it('shape mismatch', () => {
    const { modelJson, weightData } = good();
    modelJson.weightsManifest[0].weights[0].shape = [12, 2];
    expect(() => fromTfjsLayersModel(modelJson, weightData)).toThrow(/weight "lstm_1\/kernel" has shape \[12,2\]; layer "lstm_1" needs \[2,12\]/);
  });

  it('unused weights and non-finite values', () => {
    const { modelJson, weightData } = good();
    const extra = new Uint8Array(weightData.byteLength + 4);
    extra.set(new Uint8Array(weightData));
    modelJson.weightsManifest[0].weights.push({ name: 'stray/w', shape: [1], dtype: 'float32' });
    expect(() => fromTfjsLayersModel(modelJson, extra.buffer)).toThrow(/weights no supported layer uses: stray\/w/);
    const nan = good();
    new Float32Array(nan.weightData)[3] = NaN;
    expect(() => fromTfjsLayersModel(nan.modelJson, nan.weightData)).toThrow(/"lstm_1\/kernel" holds a non-finite value at index 3/);
  });
});

describe("the page's model files (File objects, as an <input multiple> gives them)", () => {
  it('an engine file passes through; a TF.js model.json is read with its weight files; what is missing is named', async () => {
    const model = createModel({ inputSize: 2, hiddenSize: 3, layers: 1, outputs: 1, loss: 'qlike' }, 4);
    const engineText = modelToJSON(model, { risk: { version: 1 } });
    expect(await modelTextFromFiles([new File([engineText], 'm.json')])).toBe(engineText);
    const { modelJson, weightData } = modelFileToTfjs(engineText);
    const json = new File([JSON.stringify(modelJson)], 'model.json');
    const bin = new File([weightData], 'weights.bin');
    expect(JSON.parse(await modelTextFromFiles([bin, json]))).toEqual(JSON.parse(engineText));
    await expect(modelTextFromFiles([json])).rejects.toThrow(/model.json is a TF.js model: choose its weight files with it \(missing weights.bin\)/);
    await expect(modelTextFromFiles([json, new File([engineText], 'other.json')])).rejects.toThrow(/choose one .json model file.*got 2/);
  });
});
