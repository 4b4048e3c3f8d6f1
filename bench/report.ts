import type { AdapterReport } from './adapter.js';
import type { SimdCeiling } from './ceiling.js';
import { trainingFlopsPerStep } from './flops.js';
import type { ContenderName, Plan, RunOutcome, RunSpec, SweepAxis, WasmRun } from './plan.js';

export interface ContenderResult {
  name: ContenderName;
  backend: 'webgpu' | 'cpu' | 'wasm';
  secondsPerEpoch: number | null; // median of the timed epochs
  samplesPerSecond: number | null;
  warmupSeconds: number | null; // the first epoch, reported apart
  setupSeconds: number | null;
  epochSeconds: number[];
  finalLoss: number | null;
  dispatchesPerStep?: number;
  submitsPerStep?: number;
  gflops?: number;
  kernelChoice?: Record<string, string>;
  wasm?: WasmRun; // tfjs-wasm: the build it loaded, the threads it ran on and each count tried
  error?: string;
}

export interface SweepResult {
  contender: ContenderName;
  axes: SweepAxis[]; // the panels this point belongs to
  T: number;
  H: number;
  B: number;
  I: number;
  samples: number;
  msPerStep: number | null;
  gflops: number | null;
  dispatchesPerStep?: number;
  submitsPerStep?: number;
  setupSeconds?: number;
  kernelChoice?: Record<string, string>;
  wasm?: WasmRun;
  error?: string;
}

export interface Check {
  name: string;
  measured: number | null;
  target: string;
  pass: boolean | null; // null: not measured in this run
  detail: string;
}

export interface Report {
  adapter: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean };
  runtime: string;
  host: { cpus: number; loadAverageBefore: number; loadAverageAfter: number; simdCeiling: SimdCeiling | null }; // other work on the machine skews times
  config: Plan['reference'] & {
    layers: 1; outputs: 1; loss: 'mse'; optimizer: 'adam'; quick: boolean; flopsPerStep: number;
    sweep: { values: Plan['sweep']; stepsPerEpoch: number; epochs: number };
  };
  results: ContenderResult[];
  sweep: SweepResult[];
  checks: Check[];
}

const median = (a: number[]) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** FLOPs of one epoch: the per-row count is linear in B, so a short last batch counts only its rows. */
function epochFlops(spec: RunSpec): number {
  const perRow = trainingFlopsPerStep({ inputSize: spec.inputSize, hiddenSize: spec.hiddenSize, layers: 1, outputs: 1, steps: spec.steps, batch: 1 });
  return perRow * spec.samples;
}

function timedSeconds(spec: RunSpec, epochSeconds: number[]): number {
  const timed = epochSeconds.slice(spec.warmupEpochs);
  if (timed.length === 0) throw new Error(`internal: ${spec.contender} ran no timed epoch`);
  return median(timed);
}

const backendOf = (name: ContenderName) => (name.endsWith('webgpu') ? 'webgpu' : name.endsWith('wasm') ? 'wasm' : 'cpu');

export function contenderResult(spec: RunSpec, outcome: RunOutcome): ContenderResult {
  const backend = backendOf(spec.contender);
  if ('error' in outcome) {
    return { name: spec.contender, backend, secondsPerEpoch: null, samplesPerSecond: null, warmupSeconds: null, setupSeconds: null, epochSeconds: [], finalLoss: null, error: outcome.error };
  }
  const seconds = timedSeconds(spec, outcome.epochSeconds);
  const result: ContenderResult = {
    name: spec.contender,
    backend,
    secondsPerEpoch: seconds,
    samplesPerSecond: spec.samples / seconds,
    warmupSeconds: outcome.epochSeconds.slice(0, spec.warmupEpochs).reduce((a, b) => a + b, 0),
    setupSeconds: outcome.setupSeconds,
    epochSeconds: outcome.epochSeconds,
    finalLoss: outcome.finalLoss,
  };
  if (outcome.wasm) result.wasm = outcome.wasm;
  if (outcome.engine) {
    result.dispatchesPerStep = outcome.engine.dispatchesPerStep;
    result.submitsPerStep = outcome.engine.submitsPerStep;
    result.gflops = epochFlops(spec) / seconds / 1e9;
    result.kernelChoice = outcome.engine.kernelChoice;
  }
  return result;
}

export function sweepResult(spec: RunSpec, axes: SweepAxis[], outcome: RunOutcome): SweepResult {
  const base = { contender: spec.contender, axes, T: spec.steps, H: spec.hiddenSize, B: spec.batchSize, I: spec.inputSize, samples: spec.samples };
  if ('error' in outcome) return { ...base, msPerStep: null, gflops: null, error: outcome.error };
  const seconds = timedSeconds(spec, outcome.epochSeconds);
  return {
    ...base,
    msPerStep: (1000 * seconds) / Math.ceil(spec.samples / spec.batchSize),
    gflops: epochFlops(spec) / seconds / 1e9,
    wasm: outcome.wasm,
    dispatchesPerStep: outcome.engine?.dispatchesPerStep,
    submitsPerStep: outcome.engine?.submitsPerStep,
    setupSeconds: outcome.setupSeconds,
    kernelChoice: outcome.engine?.kernelChoice,
  };
}

/** The engine's speed targets (against TF.js, GFLOP/s on SwiftShader, dispatches per step), each measured in this run (or null where this run could not measure it). */
export function checks(results: ContenderResult[], sweep: SweepResult[]): Check[] {
  const get = (n: ContenderName) => results.find((r) => r.name === n && r.secondsPerEpoch !== null);
  const ratio = (fast: ContenderName, slow: ContenderName, min: number): Check => {
    const a = get(fast), b = get(slow);
    const measured = a && b ? b.secondsPerEpoch! / a.secondsPerEpoch! : null;
    return {
      name: `${fast} speed-up over ${slow}`,
      measured,
      target: `>= ${min}x`,
      pass: measured === null ? null : measured >= min,
      detail: a && b ? `${fmt(b.secondsPerEpoch!)} s / ${fmt(a.secondsPerEpoch!)} s per epoch` : `needs both (browser mode runs TF.js)`,
    };
  };
  const gpu = get('engine-webgpu');
  const overT = sweep.filter((p) => p.contender === 'engine-webgpu' && p.axes.includes('T') && p.dispatchesPerStep !== undefined).sort((p, q) => p.T - q.T);
  const dispatches = overT.map((p) => p.dispatchesPerStep!);
  const constant = dispatches.length > 1 && dispatches.every((d) => d === dispatches[0]);
  return [
    ratio('engine-webgpu', 'tfjs-webgpu', 40),
    {
      name: 'engine-webgpu GFLOP/s (target set for SwiftShader)',
      measured: gpu?.gflops ?? null,
      target: '>= 8',
      pass: gpu?.gflops === undefined ? null : gpu.gflops >= 8,
      detail: 'forward + backward FLOPs of the reference shape / median timed epoch',
    },
    ratio('engine-cpu', 'tfjs-cpu', 5),
    {
      name: 'dispatches per step, constant in T and < 15',
      measured: dispatches.length ? Math.max(...dispatches) : null,
      target: 'same for every T, < 15',
      pass: dispatches.length > 1 ? constant && Math.max(...dispatches) < 15 : null,
      detail: overT.map((p) => `T=${p.T}: ${p.dispatchesPerStep}`).join(', ') || 'no T sweep points ran',
    },
    ...WASM_TARGET_H.map((H) => overWasm(sweep, H, 5)),
  ];
}

/** Hidden sizes where the engine's faster backend must beat TF.js's wasm backend (the strongest peer without a GPU). */
export const WASM_TARGET_H = [64, 128, 256];

/** The engine's faster backend at H (the sweep's H axis, measured side by side) against tfjs-wasm's ms per step. */
function overWasm(sweep: SweepResult[], H: number, min: number): Check {
  const at = (c: ContenderName) => sweep.find((p) => p.contender === c && p.axes.includes('H') && p.H === H && p.msPerStep !== null);
  const engines = [at('engine-webgpu'), at('engine-cpu')].filter((p): p is SweepResult => p !== undefined).sort((p, q) => p.msPerStep! - q.msPerStep!);
  const wasm = at('tfjs-wasm'), best = engines[0];
  const measured = best && wasm ? wasm.msPerStep! / best.msPerStep! : null;
  return {
    name: `engine (faster backend) speed-up over tfjs-wasm at H=${H}`,
    measured,
    target: `>= ${min}x`,
    pass: measured === null ? null : measured >= min,
    detail: best && wasm ? `${fmt(wasm.msPerStep)} ms / ${fmt(best.msPerStep)} ms per step (${best.contender})` : `needs the H sweep to reach H=${H} for tfjs-wasm and the engine`,
  };
}

export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a >= 10 ** digits) return v.toFixed(0); // toPrecision would switch to e-notation
  return v.toPrecision(digits);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** e.g. `threaded-simd build, 2 threads (tried: 1 thread 455 ms/step, 2 threads 380 ms/step)`. */
export function formatWasm(w: WasmRun): string {
  const tried = w.tried.length ? ` (tried: ${w.tried.map((t) => `${t.threads} thread(s) ${fmt(t.msPerStep)} ms/step`).join(', ')})` : '';
  return `${w.build} build, ${w.threads} thread(s)${tried}`;
}

export function formatAdapter(a: AdapterReport): string {
  return `${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}${a.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
}

export function formatReport(r: Report): string {
  const c = r.config;
  const out: string[] = [];
  out.push(`adapter: ${formatAdapter(r.adapter)}; ran in ${r.runtime}`);
  const { cpus, loadAverageBefore: before, loadAverageAfter: after } = r.host;
  const busy = Math.max(before, after) > cpus ? ' - the machine was busy with other work: times are inflated, compare ratios' : '';
  out.push(`host: ${cpus} CPU cores, 1-minute load average ${fmt(before, 2)} before, ${fmt(after, 2)} after${busy}`);
  const ceiling = r.host.simdCeiling, cpu = r.results.find((x) => x.name === 'engine-cpu' && x.gflops !== undefined);
  if (ceiling) {
    const threads = cpu?.kernelChoice?.workers !== undefined ? Number(cpu.kernelChoice.workers) + 1 : 1;
    const share = cpu ? `; engine-cpu reached ${fmt(cpu.gflops)} GFLOP/s on ${threads} thread(s), ${fmt((100 * cpu.gflops!) / (threads * ceiling.gflopsPerThread), 2)}% of ${threads} x that` : '';
    out.push(`WebAssembly SIMD ceiling (a multiply-add loop, ${ceiling.relaxedSimd ? 'relaxed SIMD, fused' : 'plain SIMD, multiply then add'}): ${fmt(ceiling.gflopsPerThread)} GFLOP/s per thread${share}`);
  }
  out.push(
    `reference: 1 LSTM layer, H=${c.hiddenSize}, T=${c.steps}, I=${c.inputSize}, 1 output, batch ${c.batchSize}, ${c.samples} samples, ` +
      `Adam (lr ${c.learningRate}), MSE, ${c.epochs} epochs (${c.warmupEpochs} warm-up, reported apart); ${fmt(c.flopsPerStep / 1e6)} MFLOP per step${c.quick ? ' [--quick: a smaller run that proves the harness works; ratios are indicative]' : ''}`,
  );
  out.push('');
  out.push(
    table(
      ['contender', 's/epoch', 'samples/s', 'warm-up s', 'setup s', 'GFLOP/s', 'dispatches/step', 'submits/step', 'final loss'],
      r.results.map((x) => [x.name, fmt(x.secondsPerEpoch), fmt(x.samplesPerSecond), fmt(x.warmupSeconds), fmt(x.setupSeconds), fmt(x.gflops), fmt(x.dispatchesPerStep), fmt(x.submitsPerStep), fmt(x.finalLoss)]),
    ),
  );
  for (const x of r.results) {
    if (x.wasm) out.push(`${x.name}: ${formatWasm(x.wasm)}`);
    if (x.kernelChoice) out.push(`${x.name} kernels: ${Object.entries(x.kernelChoice).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    if (x.error) out.push(`${x.name} FAILED: ${x.error}`);
  }
  out.push('');
  out.push(`sweep: one axis at a time around T=${c.steps} H=${c.hiddenSize} B=${c.batchSize}, engine-webgpu on every axis and the others on H; up to ${c.sweep.stepsPerEpoch} steps per epoch (fewer for dearer shapes), ${c.sweep.epochs} epochs (${c.warmupEpochs} warm-up); the reference shape's points are the runs above`);
  out.push(
    table(
      ['contender', 'axis', 'T', 'H', 'B', 'steps/epoch', 'ms/step', 'GFLOP/s', 'dispatches/step', 'setup s', 'kernels'],
      r.sweep.map((p) => [
        p.contender, p.axes.join(','), String(p.T), String(p.H), String(p.B), String(Math.ceil(p.samples / p.B)), fmt(p.msPerStep), fmt(p.gflops), fmt(p.dispatchesPerStep), fmt(p.setupSeconds),
        p.error ? `FAILED: ${p.error}` : p.wasm ? formatWasm(p.wasm) : Object.values(p.kernelChoice ?? {}).join(' '),
      ]),
    ),
  );
  out.push('');
  out.push('targets:');
  out.push(
    table(
      ['target', 'measured', 'wanted', 'result', 'how'],
      r.checks.map((k) => [k.name, fmt(k.measured), k.target, k.pass === null ? 'not measured' : k.pass ? 'PASS' : 'FAIL', k.detail]),
    ),
  );
  return out.join('\n');
}
