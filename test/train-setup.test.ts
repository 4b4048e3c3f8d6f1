// Before the first step on WebGPU: the set-up says what it does (compiling, choosing among kernel variants), and a
// stop during it ends training cleanly with nothing trained.
import { describe, expect, it } from 'vitest';
import type { SetupProgress } from '../src/engine.js';
import { createModel } from '../src/model.js';
import { train } from '../src/train/trainer.js';
import { requireGpu } from './helpers/gpu.js';
import { garchWindows } from './helpers/synthetic.js';

// A shape no other test in this file uses, so its kernel choice is not cached yet.
const config = { inputSize: 2, hiddenSize: 12, layers: 1, outputs: 1, loss: 'mse' as const };

describe('WebGPU set-up progress and stop', () => {
  it('reports compiling, then choosing kernels k of n, before the first step', async () => {
    await requireGpu();
    const data = garchWindows(64, 6, 3);
    const events: string[] = [];
    await train(createModel(config, 1), data, {
      backend: 'webgpu',
      epochs: 1,
      batchSize: 16,
      onSetup: (p: SetupProgress) => events.push(p.stage === 'compiling' ? 'compiling' : `choosing ${p.done + 1} of ${p.total}`),
      onProgress: (p) => events.push(`step ${p.step}`),
    });
    expect(events[0]).toBe('compiling');
    const choosing = events.filter((e) => e.startsWith('choosing'));
    // One candidate needs no choice; several are each timed once, in order.
    expect(choosing).toEqual(choosing.map((_, k) => `choosing ${k + 1} of ${choosing.length}`));
    expect(events.findIndex((e) => e.startsWith('step'))).toBeGreaterThan(choosing.length);
  });

  it('a stop during set-up ends training cleanly: no step, the initial weights kept, stopReason aborted', async () => {
    await requireGpu();
    const data = garchWindows(64, 6, 4);
    const model = createModel({ ...config, hiddenSize: 10 }, 2);
    const before = model.params.slice();
    const stop = new AbortController();
    const result = await train(model, data, { backend: 'webgpu', epochs: 3, batchSize: 16, signal: stop.signal, onSetup: () => stop.abort() });
    expect(result.stopReason).toBe('aborted');
    expect(result.history).toEqual([]);
    expect(model.params).toEqual(before);
  });
});
