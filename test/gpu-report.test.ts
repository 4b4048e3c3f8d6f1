import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// scripts/gpu-report.sh is meant for a machine with a real GPU; --dry-run takes the same steps at small shapes, so
// here (SwiftShader) it shows that the script runs end to end and writes the report it promises.

const dir = mkdtempSync(join(tmpdir(), 'gpu-report-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('bash', ['scripts/gpu-report.sh', ...args]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('scripts/gpu-report.sh', () => {
  it('refuses an unknown argument', async () => {
    const r = await run(['--fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown argument '--fast'.*--dry-run/);
  });

  it('--dry-run runs the GPU tests, bench --node and the profile, and writes one JSON', async () => {
    const out = join(dir, 'report.json');
    const r = await run(['--dry-run', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report).toMatchObject({ kind: 'gpu-report', dryRun: true, adapter: { vendor: expect.any(String), architecture: expect.any(String) } });
    expect(report.tests.passed).toBeGreaterThan(0); // --dry-run runs a few of them (-t), the others count as left out
    expect(report.tests.failed).toBe(0);
    expect(report.tests.passed + report.tests.skipped).toBe(report.tests.total);
    expect(report.bench.results.map((x: { name: string }) => x.name)).toEqual(['engine-webgpu', 'engine-cpu']);
    for (const x of report.bench.results) expect(x.secondsPerEpoch, x.name).toBeGreaterThan(0);
    const hs = report.bench.sweep.filter((p: { axes: string[] }) => p.axes.includes('H')).map((p: { H: number }) => p.H);
    expect(new Set(hs)).toEqual(new Set([16, 32]));
    expect(report.profiles).toHaveLength(1);
    expect(report.profiles[0].shape).toBe('H=16 T=10 B=8 reps=2');
    expect(report.profiles[0].lines.join('\n')).toMatch(/device total\s+[\d.]+ ms/);
  }, 1_800_000); // kernel compilation on SwiftShader in three processes (tests, bench, profile): minutes on a busy machine
});
