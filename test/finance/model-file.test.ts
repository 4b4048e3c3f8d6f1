// Models used on new files, and hand-edited model files: each mistake gets a message naming the field.
import jStat from 'jstat';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseMarketData } from '../../src/finance/data.js';
import { explainForecast } from '../../src/finance/explain.js';
import { featureNames } from '../../src/finance/features.js';
import { forecastNextDay, readRiskMeta } from '../../src/finance/forecast.js';
import type { RiskModelMeta } from '../../src/finance/report.js';
import { createModel, modelFromJSON, modelToJSON } from '../../src/model.js';
import { predictTable } from '../../src/cli/table.js';
import { garchCsv } from './helpers.js';

const config = { inputSize: 4, hiddenSize: 8, layers: 1, outputs: 1, loss: 'qlike' as const };
const fileText = () => modelToJSON(createModel(config, 3));
const edited = (edit: (doc: any) => void) => {
  const doc = JSON.parse(fileText());
  edit(doc);
  return JSON.stringify(doc);
};
const refused = (text: string, message: RegExp) => {
  expect(() => modelFromJSON(text)).toThrow(UserError);
  expect(() => modelFromJSON(text)).toThrow(message);
};

describe('hand-edited model files', () => {
  it('a truncated tensor: how many values it has and how many its shape needs', () => {
    refused(edited((d) => d.tensors['layers.0.recurrentKernel'].values.splice(100)), /^tensor "layers\.0\.recurrentKernel" has 100 values; its shape \[8,32\] needs 256 \(the file is truncated or edited\)$/);
    refused(edited((d) => (d.tensors['layers.0.kernel'].shape = [5, 32])), /^tensor "layers\.0\.kernel" has shape \[5,32\], the config \(inputSize 4, hiddenSize 8, outputs 1\) needs \[4,32\]$/);
  });

  it('a hiddenSize of 1e9 is bounded before anything is allocated', () => {
    refused(edited((d) => (d.config.hiddenSize = 1e9)), /^model file: "config\.hiddenSize" is 1000000000, above the 4096 this build reads/);
    refused(
      edited((d) => Object.assign(d.config, { hiddenSize: [8, 1e9], layers: 2 })),
      /^model file: "config\.hiddenSize" is \[8,1000000000\], above the 4096 this build reads/,
    );
    refused(edited((d) => (d.config.layers = 0.5)), /^model file: "config\.layers" must be a positive whole number \(got 0\.5\)$/);
  });

  it('a version written as a string', () => {
    refused(edited((d) => (d.version = '1')), /^model file: "version" must be the number 1 \(got the string "1"\)$/);
    refused(edited((d) => (d.version = 2)), /^model file: "version" 2 is not supported \(this build reads version 1\)$/);
  });

  it('a weight beyond Float32 (1e300 would load as Infinity)', () => {
    const text = fileText().replace(/("denseBias":\{"shape":\[1\],"values":\[)[^\]]*\]/, '$11e300]');
    refused(text, /^tensor "denseBias" holds 1e\+300 at index 0, beyond the range of Float32/);
  });
});

/** 200 standardised residuals at the Gaussian's quantiles: a well-fitted model's. */
const GAUSSIAN_RESIDUALS = Array.from({ length: 200 }, (_, i) => jStat.normal.inv((i + 0.5) / 200, 0, 1));

/** A hand-made risk section around an untrained close-only network: what `train --out` writes. */
function riskModel(edit: (risk: RiskModelMeta) => void = () => {}): string {
  const risk: RiskModelMeta = {
    version: 1,
    features: featureNames(false),
    window: 10,
    horizon: 1,
    loss: 'qlike',
    scaler: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
    calibration: [1],
    nu: 8,
    garchDist: 't',
    residuals: GAUSSIAN_RESIDUALS,
    ensembleParams: [],
    dataOptions: {},
    trainedOn: { source: 'test', kind: 'prices', series: ['close'], firstDate: '2001-01-01', lastDate: '2004-01-01' },
  };
  edit(risk);
  return modelToJSON(createModel(config, 3), { risk });
}

const closeOnly = garchCsv(400);
const ohlc = ['date,open,high,low,close', ...closeOnly.split('\n').slice(1).map((l) => {
  const [d, c] = l.split(',');
  return `${d},${c},${(Number(c) * 1.01).toFixed(4)},${(Number(c) * 0.99).toFixed(4)},${c}`;
})].join('\n');

describe('models on new files', () => {
  it('a close-only model forecasts from an OHLC file with the features it was trained on', async () => {
    expect(parseMarketData(ohlc).kind).toBe('ohlc');
    const fromClose = await forecastNextDay({ modelText: riskModel(), csvText: closeOnly });
    const fromOhlc = await forecastNextDay({ modelText: riskModel(), csvText: ohlc });
    expect(fromOhlc.series[0].nextDay.models.lstm.variance).toBe(fromClose.series[0].nextDay.models.lstm.variance);
  });

  it('an OHLC model refuses a close-only file, saying what the file lacks', async () => {
    const text = riskModel((r) => {
      r.features = featureNames(true);
      r.scaler = { mean: [0, 0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1, 1] };
    });
    const six = modelToJSON(createModel({ ...config, inputSize: 6 }, 3), { risk: JSON.parse(text).risk });
    await expect(forecastNextDay({ modelText: six, csvText: closeOnly })).rejects.toThrow(/trained on open\/high\/low\/close features .* has no open\/high\/low\/close columns/);
  });

  it('a model file written with the former feature names (realised-variance wording) loads and forecasts as today', async () => {
    const former = ['return', 'log squared return (RV 1d)', 'log RV 5d', 'log RV 22d'];
    const old = riskModel((r) => (r.features = former));
    expect(JSON.parse(old).risk.features).toEqual(former);
    const [fromOld, fromNew] = await Promise.all([old, riskModel()].map((modelText) => forecastNextDay({ modelText, csvText: closeOnly })));
    expect(fromOld.series[0].nextDay).toEqual(fromNew.series[0].nextDay);
    expect((await explainForecast({ modelText: old, csvText: closeOnly, steps: 4, backend: 'cpu' })).features).toEqual(featureNames(false));
    // With the range features, whose names did not change.
    const { model, extra } = modelFromJSON(riskModel());
    const risk = { ...(extra.risk as RiskModelMeta), features: [...former, 'log Parkinson', 'log Garman-Klass'], scaler: { mean: Array(6).fill(0), std: Array(6).fill(1) } };
    expect(readRiskMeta({ risk }, { ...model, config: { ...model.config, inputSize: 6 } }).features).toEqual(featureNames(true));
  });

  it('a zero standard deviation in the scaler is blamed on the model file, naming the field', async () => {
    const text = riskModel((r) => (r.scaler.std[2] = 0));
    await expect(forecastNextDay({ modelText: text, csvText: closeOnly })).rejects.toThrow(/risk section has "risk\.scaler\.std\[2\]" = 0 \(feature 'log mean sq\. return 5d'\); a standard deviation must be positive/);
  });

  it('a window or ensemble weights beyond reason', async () => {
    await expect(forecastNextDay({ modelText: riskModel((r) => (r.window = 1e9)), csvText: closeOnly })).rejects.toThrow(/"risk\.window" 1000000000; it must be a whole number from 1 to 250/);
    await expect(forecastNextDay({ modelText: riskModel((r) => { r.ensembleParams = [Array(createModel(config, 3).params.length).fill(1e300)]; r.calibration = [1, 1]; }), csvText: closeOnly })).rejects.toThrow(/broken ensemble weights/);
  });
});

describe('predict shows no risk figure as valid that cannot be', () => {
  it('a diverged model (variance 1e40 times too large, absurd FHS tails): the LSTM is not valid, the baselines are', async () => {
    const text = riskModel((r) => {
      r.calibration = [1e40];
      r.residuals = GAUSSIAN_RESIDUALS.map((z) => z * 2e-4);
    });
    const f = await forecastNextDay({ modelText: text, csvText: closeOnly });
    expect(f.series[0].sanity.lstm.valid).toBe(false);
    expect(f.series[0].sanity.lstm.problems).toEqual([expect.stringMatching(/the lstm forecast: variance .*e\+\d+ \(percent²\), outside the plausible/), expect.stringMatching(/1% quantile of -0\.000\d+/)]);
    expect(f.series[0].sanity.garch).toEqual({ valid: true, problems: [] });
    expect(f.warnings).toEqual([expect.stringMatching(/^lstm: .*; its VaR and ES are not valid$/)]);
    const table = predictTable(f);
    expect(table).toMatch(/^lstm \(not valid\)\s+\S+(\s+-){8}$/m);
    expect(table).toMatch(/^garch\s+\d+\.\d{3}\s+\d+\.\d{3}/m);
    expect(table).toMatch(/^lstm is not valid: /m);
  });

  it('a 1000:1 split in the file voids every model', async () => {
    const lines = closeOnly.split('\n');
    const split = [lines[0], ...lines.slice(1).map((l, i) => (i < 300 ? l : l.replace(/,([\d.]+)$/, (_, p) => `,${(Number(p) / 1000).toFixed(6)}`)))].join('\n');
    const f = await forecastNextDay({ modelText: riskModel(), csvText: split });
    for (const m of ['lstm', 'har', 'garch', 'ewma'] as const) expect(f.series[0].sanity[m].problems[0]).toMatch(/implausible jump/);
    expect(f.data.warnings).toContainEqual(expect.stringMatching(/1 implausible jump in the prices/));
  });
});
