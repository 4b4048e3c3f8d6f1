// Output paths are checked before a run starts, and a run's outputs change together or not at all.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitOutputs, planOutputs } from '../../src/cli/files.js';
import { UsageError } from '../../src/cli/options.js';

const dir = mkdtempSync(join(tmpdir(), 'webgpu-lstm-files-'));
const file = (name: string, text?: string) => {
  const path = join(dir, name);
  if (text !== undefined) writeFileSync(path, text);
  return path;
};

async function refusedPlan(outputs: Record<string, string | undefined>, pattern: RegExp, inputs: { flag: string; path: string }[] = []) {
  const attempt = planOutputs(outputs, inputs);
  await expect(attempt).rejects.toBeInstanceOf(UsageError);
  await expect(planOutputs(outputs, inputs)).rejects.toThrow(pattern);
}

describe('planOutputs', () => {
  it('refuses two outputs that are the same file, however the paths are spelled', async () => {
    const r = file('r.json');
    await refusedPlan({ report: r, out: r }, /--report .* and --out .* are the same file/);
    await refusedPlan({ report: r, out: join(dir, '.', 'sub', '..', 'r.json') }, /are the same file/);
    await refusedPlan({ report: relative(process.cwd(), r), out: r }, /are the same file/);
    mkdirSync(join(dir, 'sub'), { recursive: true });
    symlinkSync(dir, join(dir, 'sub', 'up'));
    await refusedPlan({ report: r, out: join(dir, 'sub', 'up', 'r.json') }, /are the same file/);
    symlinkSync(file('target.json', 'x'), join(dir, 'link.json'));
    await refusedPlan({ report: join(dir, 'target.json'), out: join(dir, 'link.json') }, /are the same file/);
  });

  it('refuses an output that is an input (the data, the model), also by a symlink', async () => {
    const data = file('prices.csv', 'date,close\n');
    await refusedPlan({ out: data }, /--out .* is the data file read by this run .*choose another name/, [{ flag: 'data', path: data }]);
    const model = file('m.json', '{}');
    await refusedPlan({ report: model }, /--report .* is the model file read by this run/, [{ flag: 'model', path: model }]);
    symlinkSync(data, join(dir, 'data-link.csv'));
    await refusedPlan({ out: data }, /is the data file/, [{ flag: 'data', path: join(dir, 'data-link.csv') }]);
  });

  it('refuses a folder, a missing folder, a path under a file, a read-only file or folder', async () => {
    mkdirSync(join(dir, 'somedir'), { recursive: true });
    await refusedPlan({ out: join(dir, 'somedir') }, /--out .*somedir' is a folder; name a file inside it/);
    await refusedPlan({ out: `${join(dir, 'somedir')}/` }, /names a folder/);
    await refusedPlan({ out: join(dir, 'nope', 'model.json') }, /the folder '.*nope' does not exist; create it first/);
    const m = file('model-file.json', '{}');
    await refusedPlan({ out: join(m, 'x.json') }, /'.*model-file\.json' is a file, not a folder/);
    const ro = file('ro.json', 'keep');
    chmodSync(ro, 0o444);
    await refusedPlan({ out: ro }, /--out .*ro\.json' is read-only/);
    mkdirSync(join(dir, 'rodir'), { recursive: true });
    chmodSync(join(dir, 'rodir'), 0o555);
    await refusedPlan({ out: join(dir, 'rodir', 'm.json') }, /the folder '.*rodir' is not writable/);
  });

  it('accepts distinct files and ignores unset outputs', async () => {
    const plan = await planOutputs({ report: file('a.json'), out: file('b.json'), forecasts: undefined }, [{ flag: 'data', path: file('in.csv', 'x') }]);
    expect(plan.outputs.map((o) => o.flag)).toEqual(['report', 'out']);
  });
});

describe('commitOutputs', () => {
  it('writes every output and leaves no temporary file', async () => {
    const a = file('c1.json', 'old a');
    const b = file('c2.json');
    await commitOutputs(await planOutputs({ report: a, out: b }), { report: 'new a', out: 'new b' });
    expect([readFileSync(a, 'utf8'), readFileSync(b, 'utf8')]).toEqual(['new a', 'new b']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('changes none of the outputs when one cannot be written', async () => {
    const a = file('d1.json', 'old a');
    const b = file('d2.json', 'old b');
    const plan = await planOutputs({ report: a, out: b });
    // After the check, a folder takes the second output's place (as a full disk or a race would fail its write).
    rmSync(b);
    mkdirSync(join(b, 'inside'), { recursive: true });
    await expect(commitOutputs(plan, { report: 'new a', out: 'new b' })).rejects.toThrow(/cannot write --out .* no output was changed/);
    expect(readFileSync(a, 'utf8')).toBe('old a');
    expect(readdirSync(b)).toEqual(['inside']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
