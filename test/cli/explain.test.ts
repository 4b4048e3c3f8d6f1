import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './run.js';
import { EXPLAIN_OPTIONS } from '../../src/cli/options.js';
import { businessDays, garchCsv } from '../finance/helpers.js';


const dir = mkdtempSync(join(tmpdir(), 'webgpu-lstm-explain-'));
const data = join(dir, 'prices.csv'), model = join(dir, 'model.json'), json = join(dir, 'explain.json');

describe('webgpu-lstm explain', () => {
  beforeAll(async () => {
    writeFileSync(data, garchCsv(800));
    const r = await run('train', '--data', data, '--backend', 'cpu', '--window', '10', '--hidden', '8', '--epochs', '1', '--batch', '32', '--out', model, '-q');
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('documents every option', async () => {
    const r = await run('explain', '--help');
    expect(r.code).toBe(0);
    for (const o of EXPLAIN_OPTIONS) expect(r.stdout).toContain(`--${o.name}`);
    expect((await run('--help')).stdout).toMatch(/explain/);
  });

  it('prints one day as features x lags and writes the JSON keys', async () => {
    const day = businessDays(800)[650];
    const r = await run('explain', '--model', model, '--data', data, '--date', day, '--steps', '16', '--backend', 'cpu', '--json', json);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/feature\s+lag 0\s+lag 1\s+lag 2\s+lag 3\s+lag 4\s+lags 5-9\s+total/);
    expect(r.stdout).toContain('log mean sq. return 22d');
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    expect(doc.features).toEqual(['return', 'log squared return', 'log mean sq. return 5d', 'log mean sq. return 22d']);
    expect(doc.lags).toHaveLength(10);
    expect(doc.days).toHaveLength(1);
    expect(Object.keys(doc.days[0])).toEqual(['date', 'forecast', 'baselineForecast', 'attributions', 'completeness']);
    expect(doc.days[0].date).toBe(day);
    expect(Object.keys(doc.days[0].completeness)).toEqual(['sum', 'delta', 'relativeError']);
  });

  it('summarises a range', async () => {
    const days = businessDays(800);
    const r = await run('explain', '--model', model, '--data', data, '--from', days[600], '--to', days[609], '--steps', '8', '--backend', 'cpu', '--json', json);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/10 forecasts/);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    expect(doc.days).toHaveLength(10);
    expect(Object.keys(doc.meanAbs)).toEqual(['byFeature', 'byLag']);
    expect(doc.quadrature).toBe('gauss-legendre');
  });

  it('sums the path integral by the midpoint rule when asked', async () => {
    const day = businessDays(800)[650];
    const r = await run('explain', '--model', model, '--data', data, '--date', day, '--steps', '16', '--quadrature', 'midpoint', '--backend', 'cpu', '--json', json);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/16 midpoint steps/);
    expect(JSON.parse(readFileSync(json, 'utf8')).quadrature).toBe('midpoint');
    const bad = await run('explain', '--model', model, '--data', data, '--quadrature', 'simpson');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--quadrature must be 'gauss-legendre' or 'midpoint'/);
  });

  it('answers bad input with one line and a non-zero code, leaving the JSON alone', async () => {
    const before = readFileSync(json, 'utf8');
    const bad = await run('explain', '--model', model, '--data', data, '--date', '1999-01-04', '--backend', 'cpu', '--json', json);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/not a trading day/);
    expect((await run('explain', '--model', model, '--date', '2001-01-02', '--from', '2001-01-02')).code).toBe(2);
    expect((await run('explain', '--data', data)).code).toBe(2);
    expect(readFileSync(json, 'utf8')).toBe(before);
  });
});
