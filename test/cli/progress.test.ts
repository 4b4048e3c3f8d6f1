// The terminal ETA comes from measured step times, not from the first step (which includes kernel compilation).
import { describe, expect, it } from 'vitest';
import { etaEstimator, formatDuration, progressView } from '../../src/cli/progress.js';
import type { PipelineProgress } from '../../src/finance/steps.js';

describe('ETA', () => {
  it('waits for measured steps, then extrapolates their rate, ignoring the slow first step', () => {
    let t = 0;
    const eta = etaEstimator(() => t);
    t = 8; // the first step arrives after 8 s of compiling and timing kernels
    expect(eta(1, 1001)).toBeNull();
    t = 9; // then 100 steps a second
    expect(eta(101, 1001)).toBeCloseTo(9, 10);
    t = 13;
    expect(eta(501, 1001)).toBeCloseTo(1.25 * 4, 10); // 500 steps in 4 s since the first: 500 more take 4 s
  });

  it('formats durations', () => {
    expect([formatDuration(45.2), formatDuration(130), formatDuration(7500)]).toEqual(['45s', '2m 10s', '2h 05m']);
  });

  it('prints the time left on each epoch line when not on a terminal', () => {
    let text = '';
    const stream = { write: (s: string) => ((text += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    let t = 0;
    const view = progressView(stream, false, () => t);
    const report = (epoch: number, step: number, phase: 'step' | 'epoch'): PipelineProgress => ({
      stage: 'training',
      message: 'training',
      training: { member: 1, members: 1, train: { phase, epoch, epochs: 10, step, stepsPerEpoch: 10, trainLoss: 1, valLoss: phase === 'epoch' ? 1 : undefined, samplesPerSecond: 100 } as never },
    });
    t = 40; // H = 256 on SwiftShader: 40 s before the first step
    view.update(report(1, 1, 'step'));
    for (let step = 2; step <= 10; step++) {
      t += 1.5;
      view.update(report(1, step, step === 10 ? 'epoch' : 'step'));
    }
    // 9 steps in 13.5 s: 90 more steps take 135 s.
    expect(text).toMatch(/^member 1\/1 epoch 1\/10: loss 1\.0000, validation 1\.0000, 100 windows\/s, at most 2m 15s left$/m);
  });
});
