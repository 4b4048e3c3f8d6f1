import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, SMALL } from './run.js';
import { fromTfjsLayersModel, toTfjsLayersModel, type TfjsModelJson } from '../../src/io/tfjs.js';
import { modelFromJSON } from '../../src/model.js';
import { Rng } from '../../src/rng.js';
import { predict, train } from '../../src/train/trainer.js';
import { relErr } from '../helpers/compare.js';
import { garchCsv } from '../finance/helpers.js';

// The README's "Coming from Keras / TF.js" commands, run as written in a scratch folder (the Python converter's
// output is a TF.js model saved by TF.js itself), then the conversion's errors.

const T = 6;


/** The `webgpu-lstm ...` lines of the README section's shell block. */
function readmeCommands(): string[][] {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const section = readme.split('## Coming from Keras / TF.js')[1].split('\n## ')[0];
  const shell = section.split('```sh\n')[1].split('```')[0];
  return shell.split('\n').filter((l) => l.startsWith('webgpu-lstm ')).map((l) => l.trim().split(/\s+/).slice(1));
}

/** A TF.js model written as a folder the way TF.js's file handlers and tensorflowjs_converter lay it out. */
async function saveTfjsFolder(model: tf.LayersModel, folder: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (a) => {
    mkdirSync(folder, { recursive: true });
    const modelJson = { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
    writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson));
    writeFileSync(join(folder, 'group1-shard1of1.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

function readTfjsFolder(folder: string): { modelJson: TfjsModelJson; weightData: ArrayBuffer } {
  const modelJson = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as TfjsModelJson;
  const bytes = readFileSync(join(folder, modelJson.weightsManifest[0].paths[0]));
  return { modelJson, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
}

const dir = mkdtempSync(join(tmpdir(), 'webgpu-lstm-convert-'));
const at = (name: string) => join(dir, name);
const cwd = process.cwd();

beforeAll(async () => {
  await tf.setBackend('cpu');
  process.chdir(dir);
  writeFileSync('prices.csv', garchCsv(800));
  const keras = tf.sequential({
    layers: [
      tf.layers.lstm({ units: 5, recurrentActivation: 'sigmoid', returnSequences: true, inputShape: [T, 3], biasInitializer: 'randomNormal' }),
      tf.layers.lstm({ units: 5, recurrentActivation: 'sigmoid', biasInitializer: 'randomNormal' }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  await saveTfjsFolder(keras, 'tfjs-model');
  keras.dispose();
});

afterAll(() => process.chdir(cwd));

describe('the README commands', () => {
  const results: Record<string, Awaited<ReturnType<typeof run>>> = {};
  beforeAll(async () => {
    for (const argv of readmeCommands()) {
      const extra = argv[0] === 'train' ? ['--data', 'prices.csv', ...SMALL] : argv[0] === 'predict' ? ['--data', 'prices.csv', '--backend', 'cpu'] : [];
      const r = await run(...argv, ...extra);
      results[argv.join(' ')] = r;
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  it('are the five commands of the section, and all succeed', () => {
    expect(Object.keys(results)).toEqual([
      'convert --from tfjs-model/ --to engine-model.json',
      'convert --from engine-model.json --to tfjs-again/',
      'train --out risk-model.json',
      'convert --from risk-model.json --to risk-tfjs/',
      'predict --model risk-tfjs/',
    ]);
  });

  it('TF.js -> engine -> TF.js keeps every weight', () => {
    const fromTfjs = fromTfjsLayersModel(readTfjsFolder(at('tfjs-model')).modelJson, readTfjsFolder(at('tfjs-model')).weightData);
    const engine = modelFromJSON(readFileSync(at('engine-model.json'), 'utf8')).model;
    expect(engine.params).toEqual(fromTfjs.params);
    expect(engine.config).toEqual({ inputSize: 3, hiddenSize: 5, layers: 2, outputs: 1, loss: 'mse' });
    expect(existsSync(at('tfjs-again/weights.bin'))).toBe(true);
    const again = readTfjsFolder(at('tfjs-again'));
    expect(fromTfjsLayersModel(again.modelJson, again.weightData).params).toEqual(fromTfjs.params);
  });

  it('predict forecasts the same from the converted risk model as from the original', async () => {
    const original = await run('predict', '--model', 'risk-model.json', '--data', 'prices.csv', '--backend', 'cpu');
    expect(original.code).toBe(0);
    expect(results['predict --model risk-tfjs/'].stdout).toBe(original.stdout);
    const back = await run('convert', '--from', 'risk-tfjs/model.json', '--to', 'risk-back.json');
    expect(back.code).toBe(0);
    const a = JSON.parse(readFileSync(at('risk-model.json'), 'utf8')), b = JSON.parse(readFileSync(at('risk-back.json'), 'utf8'));
    expect(b).toEqual(a);
  });

  it('predict refuses a plain TF.js LSTM, saying what it lacks', async () => {
    const r = await run('predict', '--model', 'tfjs-model', '--data', 'prices.csv', '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the model has no risk section \(the features, their scaler, the window .*userDefinedMetadata\["webgpu-lstm"\].risk/);
  });
});

describe('the same steps in code: load, fine-tune, export, load in TF.js', () => {
  for (const backend of ['cpu', 'webgpu'] as const) {
    it(`on ${backend}`, async () => {
      const { modelJson, weightData } = readTfjsFolder(at('tfjs-model'));
      const model = fromTfjsLayersModel(JSON.stringify(modelJson), weightData);
      const before = model.params.slice();
      const rng = new Rng(3);
      const x = Float32Array.from({ length: 64 * T * 3 }, () => rng.normal());
      const y = Float32Array.from({ length: 64 }, () => rng.normal());
      await train(model, { x, y, count: 64, steps: T }, { backend, epochs: 2, batchSize: 16, learningRate: 1e-2 });
      expect(model.params).not.toEqual(before);
      const out = toTfjsLayersModel(model);
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: out.modelJson.modelTopology as object, weightSpecs: out.modelJson.weightsManifest[0].weights as tf.io.WeightsManifestEntry[], weightData: out.weightData }));
      const input = tf.tensor3d(x.subarray(0, 8 * T * 3), [8, T, 3]);
      const expected = Float32Array.from((tfModel.predict(input) as tf.Tensor).dataSync());
      tfModel.dispose();
      expect(relErr(await predict(model, { x: x.subarray(0, 8 * T * 3), count: 8, steps: T }, { backend }), expected)).toBeLessThan(1e-5);
    });
  }
});

describe('conversion errors: one line, nothing overwritten', () => {
  it('missing flags, a missing model, a missing weights file, a folder for an engine file', async () => {
    expect((await run('convert', '--from', 'risk-model.json')).code).toBe(2);
    expect((await run('convert', '--help')).stdout).toMatch(/Usage: webgpu-lstm convert --from PATH --to PATH/);
    const missing = await run('convert', '--from', 'nope.json', '--to', 'x/');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--from model 'nope.json' does not exist/);
    mkdirSync('broken-tfjs');
    writeFileSync('broken-tfjs/model.json', readFileSync(at('tfjs-model/model.json')));
    writeFileSync('target.json', 'OLD');
    const shard = await run('convert', '--from', 'broken-tfjs', '--to', 'target.json');
    expect(shard.code).toBe(1);
    expect(shard.stderr).toMatch(/weights file '.*group1-shard1of1.bin' does not exist/);
    expect(readFileSync('target.json', 'utf8')).toBe('OLD');
    const folder = await run('convert', '--from', 'tfjs-model', '--to', 'tfjs-again');
    expect(folder.code).toBe(1);
    expect(folder.stderr).toMatch(/--to 'tfjs-again' is a folder/);
    const junk = await run('convert', '--from', 'prices.csv', '--to', 'y/');
    expect(junk.code).toBe(1);
    expect(junk.stderr).toMatch(/not valid JSON/);
  });
});
