// "A good file is never overwritten by a failed run": every output is checked before any work starts.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, SMALL } from './run.js';
import { createModel, modelToJSON } from '../../src/model.js';
import { garchCsv } from '../finance/helpers.js';



const dir = mkdtempSync(join(tmpdir(), 'webgpu-lstm-outputs-'));
const file = (name: string, text?: string) => {
  const path = join(dir, name);
  if (text !== undefined) writeFileSync(path, text);
  return path;
};
const data = file('prices.csv', garchCsv(800));

/** Refused with exit code 2 and one line, before any work (no progress line), and every named file kept. */
async function refusedBeforeWork(argv: string[], message: RegExp, kept: string[]) {
  const before = kept.map((k) => readFileSync(k, 'utf8'));
  const r = await run(...argv);
  expect(r.code, argv.join(' ')).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(message)]);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(kept.map((k) => readFileSync(k, 'utf8'))).toEqual(before);
}

describe('outputs are checked before any work starts', () => {
  it('backtest --report and --forecasts: the data file, or one file twice', async () => {
    await refusedBeforeWork(['backtest', '--data', data, '--forecasts', data], /--forecasts .* is the data file read by this run/, [data]);
    const r = file('bt.json', 'OLD REPORT');
    await refusedBeforeWork(['backtest', '--data', data, '--report', r, '--forecasts', join(dir, '.', 'bt.json')], /are the same file/, [r]);
  });

  it('convert --to naming the model file it reads', async () => {
    const text = modelToJSON(createModel({ inputSize: 4, hiddenSize: 8, layers: 1, outputs: 1, loss: 'qlike' }, 3));
    const model = file('engine.json', text);
    const r = await run('convert', '--from', model, '--to', join(dir, '.', 'engine.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to .* is the from file read by this run/);
    expect(readFileSync(model, 'utf8')).toBe(text);
  });

  it('predict --report naming the model file', async () => {
    const model = file('m.json', '{"format":"webgpu-lstm-model"}');
    await refusedBeforeWork(['predict', '--model', model, '--data', data, '--report', model], /--report .* is the model file read by this run/, [model]);
  });

  it('train --report r.json --out ./r.json (and other spellings of one file)', async () => {
    const r = file('r.json', 'OLD REPORT');
    await refusedBeforeWork(['train', '--data', data, ...SMALL, '--report', r, '--out', join(dir, '.', 'r.json')], /are the same file/, [r]);
    mkdirSync(join(dir, 'sub'), { recursive: true });
    await refusedBeforeWork(['train', '--data', data, ...SMALL, '--report', r, '--out', join(dir, 'sub', '..', 'r.json')], /are the same file/, [r]);
    symlinkSync(r, join(dir, 'r-link.json'));
    await refusedBeforeWork(['train', '--data', data, ...SMALL, '--report', r, '--out', join(dir, 'r-link.json')], /are the same file/, [r]);
  });

  it('train --report r.json --out somedir: refused before the report is touched', async () => {
    const r = file('r2.json', 'OLD REPORT');
    mkdirSync(join(dir, 'somedir'), { recursive: true });
    await refusedBeforeWork(['train', '--data', data, ...SMALL, '--report', r, '--out', join(dir, 'somedir')], /--out .*somedir' is a folder/, [r]);
  });

  it('--out m.json/x.json where m.json is a file', async () => {
    const m = file('model-file.json', 'OLD MODEL');
    await refusedBeforeWork(['train', '--data', data, ...SMALL, '--out', join(m, 'x.json')], /'.*model-file\.json' is a file, not a folder/, [m]);
  });

  it('--out naming the input data, or a read-only file', async () => {
    await refusedBeforeWork(['train', '--data', data, ...SMALL, '--out', data], /--out .* is the data file read by this run/, [data]);
    const ro = file('ro.json', 'KEEP');
    chmodSync(ro, 0o444);
    await refusedBeforeWork(['train', '--data', data, ...SMALL, '--out', ro], /--out .*ro\.json' is read-only/, [ro]);
  });

  it('a folder that does not exist', async () => {
    await refusedBeforeWork(['train', '--data', data, ...SMALL, '--out', join(dir, 'nope', 'model.json')], /the folder '.*nope' does not exist/, []);
  });
});

describe('explain --json', () => {
  it('refuses to write over the model it explains', async () => {
    const model = file('explained.json', '{"format":"webgpu-lstm-model"}');
    await refusedBeforeWork(['explain', '--model', model, '--data', data, '--json', model], /--json .* is the model file read by this run/, [model]);
  });
});
