// Model files for the CLI: this engine's JSON model file, or a TF.js LayersModel (model.json + weight shards).
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { asTfjsModelJson, joinShards, modelFileToTfjs, tfjsToModelFile, tfjsWeightPaths } from '../io/tfjs.js';
import { commitOutputs, planOutputs, readBytes, readText, type InputFile } from './files.js';

export type ModelFormat = 'engine' | 'tfjs';

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * A model as this engine's model-file text, from an engine model file, a TF.js model.json, or a folder holding a
 * TF.js model.json (its weight files are read from beside it); `format` says which it was.
 */
export async function readModel(path: string, what: string): Promise<{ text: string; format: ModelFormat }> {
  const file = (await isDirectory(path)) ? join(path, 'model.json') : path;
  const text = await readText(file, what);
  const tfjs = asTfjsModelJson(text);
  if (!tfjs) return { text, format: 'engine' };
  const shards = [];
  for (const p of tfjsWeightPaths(tfjs)) shards.push(await readBytes(join(dirname(file), p), 'weights file'));
  return { text: tfjsToModelFile(tfjs, joinShards(shards)), format: 'tfjs' };
}

/**
 * Writes an engine model file as a TF.js model: `path` is a folder (made if missing) that gets model.json and its
 * weights, or a path ending in .json, whose weights go beside it. Nothing is replaced unless every file is written.
 */
export async function writeTfjsModel(path: string, modelFileText: string, flag: string, inputs: InputFile[] = []): Promise<string[]> {
  const { modelJson, weightData } = modelFileToTfjs(modelFileText);
  const modelPath = path.endsWith('.json') ? path : join(path, 'model.json');
  if (!path.endsWith('.json')) {
    await mkdir(path, { recursive: true }).catch((e) => {
      throw new UserError(`cannot make the folder ${flag} '${path}': ${(e as Error).message}`);
    });
  }
  const weightsPath = join(dirname(modelPath), modelJson.weightsManifest[0].paths[0]);
  const name = flag.replace(/^--/, '');
  const plan = await planOutputs({ [name]: modelPath, [`${name} (weights)`]: weightsPath }, inputs);
  await commitOutputs(plan, { [name]: `${JSON.stringify(modelJson)}\n`, [`${name} (weights)`]: new Uint8Array(weightData) });
  return [modelPath, weightsPath];
}

/** `webgpu-lstm convert`: an engine model file to a TF.js model, or a TF.js model to an engine model file. */
export async function convertModel(from: string, to: string): Promise<{ format: ModelFormat; written: string[] }> {
  const source = await readModel(from, '--from model');
  // The file read: an output may not replace it.
  const inputs = [{ flag: 'from', path: (await isDirectory(from)) ? join(from, 'model.json') : from }];
  if (source.format === 'engine') return { format: 'tfjs', written: await writeTfjsModel(to, source.text, '--to', inputs) };
  if (await isDirectory(to)) throw new UserError(`--to '${to}' is a folder; a TF.js model becomes one engine model file: name the .json file to write`);
  await commitOutputs(await planOutputs({ to }, inputs), { to: source.text });
  return { format: 'engine', written: [to] };
}
