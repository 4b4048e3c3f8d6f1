// Keras' dropout masks for one training step: one mask per window and layer, shared by every time step
// (inverted dropout: kept units scaled by 1/(1 − p), so nothing changes at inference, where no mask is applied).
import type { DropoutMasks } from './engine.js';
import { check } from './errors.js';
import { hasDropout, layerDropout, layerHiddenSize, layerInputSize, layerRecurrentDropout, type ModelConfig } from './model.js';
import type { Rng } from './rng.js';

function mask(n: number, rate: number, rng: Rng): Float32Array | null {
  if (rate === 0) return null;
  const keep = 1 / (1 - rate);
  return Float32Array.from({ length: n }, () => (rng.next() < rate ? 0 : keep));
}

/** The masks of a batch of b windows, drawn from rng (input then recurrent, layer by layer; null where a rate is 0). */
export function drawDropoutMasks(config: ModelConfig, b: number, rng: Rng): DropoutMasks {
  const masks: DropoutMasks = { input: [], recurrent: [] };
  for (let l = 0; l < config.layers; l++) {
    masks.input.push(mask(b * layerInputSize(config, l), layerDropout(config, l), rng));
    masks.recurrent.push(mask(b * layerHiddenSize(config, l), layerRecurrentDropout(config, l), rng));
  }
  return masks;
}

/** Every session's check of a step's masks: only for a model with dropout, one row per window of the batch. */
export function checkDropoutMasks(config: ModelConfig, masks: DropoutMasks | undefined, b: number): void {
  if (!masks) return;
  check(hasDropout(config), 'dropout masks were given for a model without dropout; set dropout or recurrentDropout in its config');
  for (let l = 0; l < config.layers; l++) {
    for (const [m, width] of [[masks.input[l], layerInputSize(config, l)], [masks.recurrent[l], layerHiddenSize(config, l)]] as const) {
      check(!m || m.length === b * width, `a dropout mask of layer ${l} has ${m?.length} values, the batch needs ${b}x${width}`);
    }
  }
}

/** The masks of windows [from, to) of a batch of b, for a thread that computes that slice. */
export function sliceDropoutMasks(masks: DropoutMasks, b: number, from: number, to: number): DropoutMasks {
  const rows = (m: Float32Array | null) => m && m.slice((m.length / b) * from, (m.length / b) * to);
  return { input: masks.input.map(rows), recurrent: masks.recurrent.map(rows) };
}
