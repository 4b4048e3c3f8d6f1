// The page's model files: this engine's model file, or a TF.js LayersModel chosen as model.json with its weight files.
import { UserError } from '../errors.js';
import { asTfjsModelJson, joinShards, tfjsToModelFile, tfjsWeightPaths } from '../io/tfjs.js';

/**
 * The chosen files as engine model-file text. One .json file that is not a TF.js model is read as this engine's
 * model file; a TF.js model.json needs its weight files chosen with it (the names its manifest lists).
 */
export async function modelTextFromFiles(files: File[]): Promise<string> {
  const jsons = files.filter((f) => f.name.endsWith('.json'));
  if (jsons.length !== 1) throw new UserError(`choose one .json model file (and, for a TF.js model, its weight files with it); got ${jsons.length} .json files`);
  const text = await jsons[0].text();
  const tfjs = asTfjsModelJson(text);
  if (!tfjs) return text;
  const byName = new Map(files.map((f) => [f.name, f]));
  const paths = tfjsWeightPaths(tfjs);
  const missing = paths.filter((p) => !byName.has(p.split('/').pop()!));
  if (missing.length) throw new UserError(`${jsons[0].name} is a TF.js model: choose its weight files with it (missing ${missing.join(', ')})`);
  const shards = await Promise.all(paths.map(async (p) => new Uint8Array(await byName.get(p.split('/').pop()!)!.arrayBuffer())));
  return tfjsToModelFile(tfjs, joinShards(shards));
}
