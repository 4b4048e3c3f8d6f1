// Results that cannot be right are not printed as if they were: the end-to-end cases of the sanity checks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledDataPath } from '../../src/cli/files.js';
import { trainTable } from '../../src/cli/table.js';
import { MODEL_NAMES } from '../../src/finance/evaluate.js';
import type { RiskOptions } from '../../src/finance/options.js';
import { runRiskPipeline } from '../../src/finance/pipeline.js';
import { businessDays, pricesFrom, simulateGarch, TYPICAL } from './helpers.js';

const SMALL: Partial<RiskOptions> = { backend: 'cpu', window: 10, hidden: 8, epochs: 2, batchSize: 32 };
const csv = (dates: string[], prices: number[]) => ['date,close', ...dates.map((d, i) => `${d},${prices[i].toFixed(6)}`)].join('\n');

describe('results that cannot be right', () => {
  it('training that diverges without a NaN (--lr 0.5, the largest allowed, on the bundled data): the LSTM is not valid, the baselines are', async () => {
    const run = await runRiskPipeline({ csvText: readFileSync(bundledDataPath(), 'utf8'), options: { backend: 'cpu', epochs: 4, learningRate: 0.5 } });
    const r = run.report;
    expect(r.series[0].sanity.lstm.valid).toBe(false);
    expect(r.series[0].sanity.lstm.problems.join('; ')).toMatch(/validation forecasts: variance .* outside the plausible/);
    for (const m of MODEL_NAMES.filter((m) => m !== 'lstm')) expect(r.series[0].sanity[m], m).toEqual({ valid: true, problems: [] });
    expect(r.warnings).toEqual([expect.stringMatching(/^lstm: .*; its VaR and ES are not valid$/)]);
    expect(r.var.lstm['0.99']).toMatchObject({ trafficLight: null, trafficLightReason: 'the model failed its sanity checks (see warnings)' });
    expect(r.var.garch['0.99'].trafficLight).not.toBeNull();
    const table = trainTable(r);
    expect(table).toMatch(/^lstm \(not valid\)\s+\S+\s+\S+\s+\S+\s+-\s+-\s+-\s+not valid$/m);
    expect(table).toMatch(/^garch\s+\d+\.\d{3}.*(green|yellow|red)$/m);
    // The same file's data quality: the open artefact drops Garman-Klass from the features.
    expect(r.dataQuality.dropRangeFeatures).toBe(true);
    expect(r.data.features).toEqual(['return', 'log squared return', 'log mean sq. return 5d', 'log mean sq. return 22d', 'log Parkinson']);
    expect(r.data.warnings).toContainEqual(expect.stringMatching(/open equals the previous close on 1,760 days/));
  }, 300_000);

  it('an unadjusted 1000:1 split: every model is not valid, and the report says why', async () => {
    const dates = businessDays(800);
    const prices = pricesFrom(simulateGarch(TYPICAL, 799, 7)).map((p, i) => (i >= 300 ? p / 1000 : p));
    const r = (await runRiskPipeline({ csvText: csv(dates, prices), options: SMALL })).report;
    for (const m of MODEL_NAMES) expect(r.series[0].sanity[m].problems[0], m).toMatch(/implausible jump \(2002-02-25: -69\d\.\d%\)/);
    expect(r.warnings).toHaveLength(MODEL_NAMES.length);
    expect(r.dataQuality.implausibleJumps).toHaveLength(1);
    expect(trainTable(r).match(/not valid\)/g)).toHaveLength(MODEL_NAMES.length);
  }, 120_000);

  it('a mostly stale series: every model is not valid', async () => {
    const dates = businessDays(800);
    const moving = pricesFrom(simulateGarch(TYPICAL, 799, 8));
    const prices = moving.map((_, i) => moving[i - (i % 3)]); // two of three prices repeat the one before
    const r = (await runRiskPipeline({ csvText: csv(dates, prices), options: SMALL })).report;
    for (const m of MODEL_NAMES) expect(r.series[0].sanity[m].valid, m).toBe(false);
    expect(r.data.warnings).toContainEqual(expect.stringMatching(/mostly stale: 67% of the returns are exactly zero/));
    expect(r.warnings.every((w) => /mostly stale/.test(w))).toBe(true);
  }, 120_000);

  it('a clean file: no warnings, every model valid', async () => {
    const dates = businessDays(800);
    const r = (await runRiskPipeline({ csvText: csv(dates, pricesFrom(simulateGarch(TYPICAL, 799, 9))), options: SMALL })).report;
    expect(r.warnings).toEqual([]);
    for (const m of MODEL_NAMES) expect(r.series[0].sanity[m].valid, m).toBe(true);
    expect(r.dataQuality.frequency).toMatchObject({ inferred: 'daily', used: 'daily' });
  }, 120_000);
});
