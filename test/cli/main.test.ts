import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, SMALL } from './run.js';
import { BACKTEST_OPTIONS, PREDICT_OPTIONS, TRAIN_OPTIONS } from '../../src/cli/options.js';
import { garchCsv } from '../finance/helpers.js';



/** The error is one line (the last, after any progress lines), with no stack trace. */
function oneLineError(stderr: string) {
  const lines = stderr.trimEnd().split('\n');
  expect(lines.filter((l) => l.startsWith('webgpu-lstm:'))).toEqual([lines[lines.length - 1]]);
  expect(stderr).not.toMatch(/\n\s+at /);
}

const dir = mkdtempSync(join(tmpdir(), 'webgpu-lstm-cli-'));
const file = (name: string, text?: string) => {
  const path = join(dir, name);
  if (text !== undefined) writeFileSync(path, text);
  return path;
};

describe('help and the command line', () => {
  it('prints the usage, and each command documents every option', async () => {
    expect((await run('--help')).code).toBe(0);
    const bare = await run();
    expect(bare.code).toBe(2);
    expect(bare.stdout).toMatch(/Usage: webgpu-lstm <command>/);
    const train = await run('train', '--help');
    expect(train.code).toBe(0);
    for (const o of TRAIN_OPTIONS) expect(train.stdout).toContain(`--${o.name}`);
    const predict = await run('predict', '--help');
    for (const o of PREDICT_OPTIONS) expect(predict.stdout).toContain(`--${o.name}`);
    const backtest = await run('backtest', '--help');
    for (const o of BACKTEST_OPTIONS) expect(backtest.stdout).toContain(`--${o.name}`);
    expect(backtest.stdout).toMatch(/--refit-every N\s+re-estimate the baselines every N out-of-sample days \(default: 21\)/);
    expect(backtest.stdout).toMatch(/--ensemble K\s+.*\(default: 5\)/);
  });

  it('answers an unknown flag, a bad value or an unknown command with one line and exit code 2', async () => {
    for (const argv of [['train', '--bogus'], ['train', '--window', 'abc'], ['train', '--split', '80/10/5'], ['train', '--backend', 'tpu'], ['forecast'], ['train', 'extra'], ['predict']]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      oneLineError(r.stderr);
    }
    expect((await run('train', '--bogus')).stderr).toMatch(/Unknown option '--bogus' \(see 'webgpu-lstm train --help'\)/);
  });

  it('refuses the same file for --report and --out', async () => {
    const r = await run('train', '--report', file('same.json'), '--out', file('same.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/are the same file/);
  });
});

describe('bad input: one line on stderr, exit code 1', () => {
  const cases: [string, string | undefined, RegExp][] = [
    ['missing.csv', undefined, /data file '.*missing\.csv' does not exist/],
    ['empty.csv', '', /the data file is empty/],
    ['zero.csv', 'date,close\n2020-01-01,10\n2020-01-02,0\n', /prices must be positive/],
    ['text.csv', 'date,close\n2020-01-01,10\n2020-01-02,ten\n', /holds 'ten' in data row 2, not a number/],
    ['short.csv', garchCsv(300), /too few rows: the data has 300, .* need at least \d+/],
  ];
  for (const [name, text, message] of cases) {
    it(name, async () => {
      const r = await run('train', '--data', file(name, text), ...SMALL);
      expect(r.code).toBe(1);
      oneLineError(r.stderr);
      expect(r.stderr).toMatch(message);
    });
  }

  it('a model file that is not one', async () => {
    const r = await run('predict', '--model', file('junk.json', '{"hello": 1'), '--data', file('ok.csv', garchCsv(800)), '--backend', 'cpu');
    expect(r.code).toBe(1);
    oneLineError(r.stderr);
    expect(r.stderr).toMatch(/not valid JSON/);
  });
});

describe('train and predict', () => {
  const data = file('prices.csv', garchCsv(800));
  const report = file('report.json');
  const model = file('model.json');
  let trained: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    trained = await run('train', '--data', data, ...SMALL, '--report', report, '--out', model);
  });

  it('prints the table, writes the report and the model, and leaves no temporary files', () => {
    expect(trained.code).toBe(0);
    const lines = trained.stdout.split('\n');
    expect(lines[1]).toMatch(/^model\s+QLIKE\s+MSE\s+DM p vs LSTM\s+VaR99 exc \(exp\)\s+Kupiec p\s+Christoffersen p\s+traffic light$/);
    for (const m of ['lstm', 'ewma', 'garch', 'gjr', 'har', 'loghar']) expect(trained.stdout).toMatch(new RegExp(`^${m}\\s+\\d+\\.\\d{3}\\s`, 'm'));
    // Every p-value's test is named under the table, and ~120 test days are too few for the 99% tests.
    expect(trained.stdout).toMatch(/DM p: Diebold-Mariano test .* Kupiec p:\nunconditional coverage test; Christoffersen p: independence of exceptions test/s);
    expect(trained.stdout).toMatch(/Only \d+ test days \(under 500\): at 99% the coverage tests have little power/);
    expect(trained.stdout).toMatch(/GARCH\(1,1\)-t on the training and validation splits: mu .* alpha .* beta .* nu /);
    expect(trained.stdout).toMatch(/GJR-GARCH\(1,1\)-t: mu .* gamma .* nu /);
    expect(trained.stdout).toMatch(/^Permutation importance \(the rise in QLIKE on the test split when a feature is shuffled across days\): (.+ [+-]\d\.\d{4}(, |$)){4}/m);
    expect(trained.stderr).toMatch(/member 1\/1 epoch 1\/1/); // no TTY: one line per epoch
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['data', 'forecasts', 'garch', 'var', 'es', 'timing', 'series']));
    expect(json.var.lstm['0.99']).toHaveProperty('trafficLight');
    expect(Object.keys(json.explain.permutationImportance)).toEqual(json.data.features);
    expect(JSON.parse(readFileSync(model, 'utf8')).format).toBe('webgpu-lstm-model');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('with --horizon 5 adds the 5-day VaR backtest, and predict the 5-day VaR', async () => {
    const longer = file('model5.json');
    const r = await run('train', '--data', data, ...SMALL, '--horizon', '5', '--out', longer);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[1]).toMatch(/traffic light\s+5-day VaR99 exc \(exp\)\s+5-day Kupiec p$/);
    expect(r.stdout).toMatch(/^garch\s.*\d+ \(\d+\.\d\)\s+(<0\.001|\d\.\d{3})$/m);
    expect(r.stdout).toMatch(/one-day 99% Student-t VaR \(from each model's one-day variance forecast\)/);
    expect(r.stdout).toMatch(/5-day VaR99 exc: .* non-overlapping windows\s\(one test day in 5\)/s);
    const p = await run('predict', '--model', longer, '--data', data, '--backend', 'cpu');
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/10-day ES97\.5 %\s+5-day VaR99 %$/m);
  });

  it('predicts the next day from the saved model', async () => {
    const forecastFile = file('forecast.json');
    const r = await run('predict', '--model', model, '--data', data, '--backend', 'cpu', '--report', forecastFile);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/one-day forecast for the trading day after \d{4}-\d{2}-\d{2}/);
    for (const m of ['lstm', 'ewma', 'garch', 'gjr', 'har', 'loghar']) expect(r.stdout).toMatch(new RegExp(`^${m}\\s+\\d+\\.\\d{3}`, 'm'));
    const forecast = JSON.parse(readFileSync(forecastFile, 'utf8'));
    expect(forecast.series[0].nextDay.models.lstm.var['0.99'].gaussian).toBeGreaterThan(0);
  });

  it('never overwrites the model or the report when a run fails', async () => {
    const oldReport = file('old-report.json', 'OLD REPORT');
    const oldModel = file('old-model.json', 'OLD MODEL');
    const r = await run('train', '--data', file('short.csv', garchCsv(300)), ...SMALL, '--report', oldReport, '--out', oldModel);
    expect(r.code).toBe(1);
    expect(readFileSync(oldReport, 'utf8')).toBe('OLD REPORT');
    expect(readFileSync(oldModel, 'utf8')).toBe('OLD MODEL');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('predicts from an OHLC file with a model trained on closes, using the features it was trained on', async () => {
    const ohlc = ['date,open,high,low,close', ...readFileSync(data, 'utf8').split('\n').slice(1).map((l) => {
      const [d, c] = l.split(',');
      return `${d},${c},${(Number(c) * 1.01).toFixed(4)},${(Number(c) * 0.99).toFixed(4)},${c}`;
    })].join('\n');
    const fromOhlc = await run('predict', '--model', model, '--data', file('ohlc.csv', ohlc), '--backend', 'cpu');
    const fromClose = await run('predict', '--model', model, '--data', data, '--backend', 'cpu');
    expect(fromOhlc.code).toBe(0);
    expect(fromOhlc.stdout.match(/^lstm.*$/m)?.[0]).toBe(fromClose.stdout.match(/^lstm.*$/m)?.[0]);
  });
});

describe('the data the CLI reads', () => {
  const weekly = () => {
    const lines = garchCsv(4000).split('\n');
    return [lines[0], ...lines.slice(1).filter((_, i) => i % 5 === 0)].join('\n');
  };

  it('refuses weekly data unless --frequency says it, then labels the forecasts by the week', async () => {
    const path = file('weekly.csv', weekly());
    const refused = await run('train', '--data', path, ...SMALL);
    expect(refused.code).toBe(1);
    oneLineError(refused.stderr);
    expect(refused.stderr).toMatch(/7 days apart \(median\): this is weekly data.*pass --frequency weekly/);
    const r = await run('train', '--data', path, ...SMALL, '--frequency', 'weekly');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/of the variance of the next week's returns/);
    expect(r.stdout).toMatch(/weeks the loss exceeded the one-week 99% Student-t VaR/);
    expect((await run('train', '--data', path, '--frequency', 'fortnightly')).code).toBe(2);
  });

  it('reads an Excel "Unicode text" export (UTF-16, tabs, decimal commas, dd.mm.yyyy)', async () => {
    const [, ...rows] = garchCsv(800).split('\n');
    const european = rows.map((l) => {
      const [d, c] = l.split(',');
      return `${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)}\t${c.replace('.', ',')}`;
    });
    const path = join(dir, 'unicode.txt');
    writeFileSync(path, Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(['Datum\tSchluss', ...european].join('\r\n'), 'utf16le')]));
    const r = await run('train', '--data', path, ...SMALL);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Test split 2003-\d\d-\d\d\.\.2004-\d\d-\d\d/);
  });
});

describe('backtest', () => {
  const data = file('long.csv', garchCsv(1101));
  const TINY = ['--backend', 'cpu', '--window', '5', '--hidden', '4', '--epochs', '1', '--ensemble', '1', '--refit-every', '200', '--retrain-every', '300'];

  it('prints the table, writes the report and the forecasts CSV together, and leaves no temporary files', async () => {
    const report = file('backtest.json');
    const forecasts = file('forecasts.csv');
    const r = await run('backtest', '--data', data, ...TINY, '--report', report, '--forecasts', forecasts);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Walk-forward 2003-02-1\d\.\.\d{4}-\d{2}-\d{2}: 550 one-day-ahead forecasts per model/);
    expect(r.stdout).toMatch(/^model\s+QLIKE\s+MSE\s+DM p vs LSTM\s+in MCS \(QLIKE\/MSE\)\s+VaR99 exc \(exp\)\s+Kupiec p\s+Christoffersen p\s+Z2 p \(ES97.5\)$/m);
    expect(r.stdout).toMatch(/^strategy\s+vol % \(target\)\s+vol of vol\s+Sharpe\s+max drawdown %\s+turnover$/m);
    expect(r.stdout).toMatch(/^buy and hold\s+\d/m);
    expect(r.stdout).toMatch(/DM p: Diebold-Mariano test/);
    expect(r.stdout).toMatch(/Epochs per training \(mean, range\): from scratch 1\.0 \(1-1\), [\d.]+ s each; warm-started 1\.0 \(1-1\), [\d.]+ s each/);
    expect(r.stdout).toMatch(/^Permutation importance \(the rise in QLIKE out of sample \(each training.s model on the days it forecast\) when a feature is shuffled across days\): .*log mean sq\. return 22d [+-]\d/m);
    expect(r.stderr).toMatch(/^refit 1 of 4 at 2003-02-1\d, ETA -$/m); // no TTY: a line per refit
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.walkForward).toMatchObject({ forecasts: 550, refits: 3, retrains: 2, trainings: 2 });
    expect(Object.keys(json.explain.permutationImportance)).toEqual(json.data.features);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['walkForward', 'forecasts', 'comparison', 'var', 'es', 'series', 'settings']));
    const rows = readFileSync(forecasts, 'utf8').trimEnd().split('\n');
    expect(rows).toHaveLength(551);
    expect(rows[0]).toMatch(/^series,date,return,target,lstm_variance,lstm_var95,lstm_var99,lstm_es975,/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a bad schedule with one line, and -q prints no progress', async () => {
    const bad = await run('backtest', '--data', data, ...TINY, '--test-from', '2001-03-01');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/the first fit needs 500/);
    oneLineError(bad.stderr);
    expect((await run('backtest', '--data', data, '--window-kind', 'sliding')).code).toBe(2);
    const both = await run('backtest', '--data', data, '--test-from', '2003-01-01', '--test-years', '2');
    expect(both.stderr).toMatch(/not both/);
  });
});
