import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { UserError } from '../src/index.js';
import { trainingFlopsPerStep } from './flops.js';
import { CONTENDERS, H_SWEEP_CONTENDERS, makePlan, sweepShapes, sweepSpec, type ContenderName, type RunOutcome, type RunSpec, type SweepAxis } from './plan.js';
import { sweepSvg } from './plot.js';
import { checks, contenderResult, fmt, formatAdapter, formatReport, sweepResult, type Report } from './report.js';
import { openNodeRunner, type Runner } from './runner.js';

/** What bench/run.mjs provides: the Vite server that serves bench/index.html. */
export interface Host {
  serve(): Promise<string>; // starts listening on 127.0.0.1 and gives the page's URL
}

const USAGE = `usage: npm run bench -- [--quick] [--node] [--json PATH] [--contenders LIST] [--sweep-t|--sweep-h|--sweep-b LIST]
  --quick        a smaller run (fewer samples, 2 epochs, a tiny sweep) that finishes in under two minutes
  --node         run in Node on Dawn (npm webgpu) instead of headless Chromium: the engine and TF.js wasm only
  --json PATH    also write the results as JSON to PATH and the sweep plot as SVG beside it (PATH with .svg)
  --contenders   which to run, comma-separated (default: all that the mode runs): ${CONTENDERS.join(', ')}
  --sweep-t, --sweep-h, --sweep-b   the values of that sweep axis, comma-separated (e.g. --sweep-h 32,64,128,256,512)`;

interface Options {
  quick: boolean;
  node: boolean;
  json?: string;
  contenders?: ContenderName[];
  sweep: Partial<Record<SweepAxis, number[]>>;
  help: boolean;
}

function listArg(flag: string, value: string | undefined): string[] {
  if (!value || value.startsWith('--')) throw new UserError(`${flag} needs a comma-separated list, e.g. ${flag} ${flag === '--contenders' ? 'engine-cpu,tfjs-wasm' : '32,64'}`);
  return value.split(',');
}

export function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, node: false, sweep: {}, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const sweepFlag = /^--sweep-([thb])$/.exec(a);
    if (sweepFlag) {
      const values = listArg(a, argv[++i]).map(Number);
      if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new UserError(`${a} takes positive whole numbers, e.g. ${a} 32,64`);
      o.sweep[sweepFlag[1].toUpperCase() as SweepAxis] = values;
    } else if (a === '--contenders') {
      const names = listArg(a, argv[++i]);
      const unknown = names.find((n) => !(CONTENDERS as readonly string[]).includes(n));
      if (unknown) throw new UserError(`unknown contender '${unknown}': choose from ${CONTENDERS.join(', ')}`);
      o.contenders = names as ContenderName[];
    } else if (a === '--quick') o.quick = true;
    else if (a === '--node') o.node = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--json' || a.startsWith('--json=')) {
      const path = a === '--json' ? argv[++i] : a.slice('--json='.length);
      if (!path || path.startsWith('--')) throw new UserError('--json needs a file path, e.g. --json artifacts/bench.json');
      o.json = path;
    } else throw new UserError(`unknown argument '${a}': use --quick, --node, --json PATH (or --help)`);
  }
  return o;
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function timed(runner: Runner, spec: RunSpec, what: string): Promise<RunOutcome> {
  log(`${what}: T=${spec.steps} H=${spec.hiddenSize} B=${spec.batchSize}, ${spec.samples} samples x ${spec.epochs} epochs...`);
  const started = performance.now();
  const outcome = await runner.run(spec);
  const secs = (performance.now() - started) / 1000;
  log('error' in outcome ? `${what}: FAILED after ${fmt(secs)} s: ${outcome.error}` : `${what}: done in ${fmt(secs)} s (epochs ${outcome.epochSeconds.map((s) => fmt(s)).join(', ')} s)`);
  return outcome;
}

export async function main(argv: string[], host: Host): Promise<void> {
  const opts = parseArgs(argv);
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const plan = makePlan(opts.quick);
  plan.sweep = { ...plan.sweep, ...opts.sweep };
  const loadAverageBefore = loadavg()[0];
  const runner = opts.node ? await openNodeRunner() : await (await import('./browser.js')).openBrowserRunner(host.serve, log);
  try {
    const adapter = await runner.adapter();
    if (!adapter) {
      throw new UserError(
        opts.node
          ? 'no WebGPU adapter in Node: install your GPU\'s Vulkan driver, or on a machine without a GPU `apt-get install -y chromium libvulkan1` (its SwiftShader driver is then found by itself)'
          : 'Chromium found no WebGPU adapter: install your GPU\'s Vulkan driver (or Debian\'s chromium, which ships SwiftShader), or set PUPPETEER_EXECUTABLE_PATH to Chrome 113+',
      );
    }
    log(`adapter: ${formatAdapter(adapter)}; ${runner.where}`);
    const ceiling = await runner.ceiling();

    const available: readonly ContenderName[] = opts.node ? ['engine-webgpu', 'engine-cpu', 'tfjs-wasm'] : CONTENDERS;
    const outside = opts.contenders?.find((n) => !available.includes(n));
    if (outside) throw new UserError(`${outside} runs only in the browser mode (without --node)`);
    const names = opts.contenders ?? available;
    const reference = new Map<ContenderName, RunOutcome>();
    const results = [];
    for (const name of names) {
      const spec = { ...plan.reference, contender: name };
      const outcome = await timed(runner, spec, name);
      reference.set(name, outcome);
      results.push(contenderResult(spec, outcome));
    }

    const sweep = [];
    for (const { shape, axes } of sweepShapes(plan)) {
      const isReference = shape.T === plan.reference.steps && shape.H === plan.reference.hiddenSize && shape.B === plan.reference.batchSize;
      const contenders = (['engine-webgpu', ...(axes.includes('H') ? H_SWEEP_CONTENDERS : [])] as const).filter((c) => names.includes(c));
      for (const contender of contenders) {
        const measured = reference.get(contender);
        if (isReference && measured && !('error' in measured)) {
          sweep.push(sweepResult({ ...plan.reference, contender }, axes, measured)); // the reference run is the sweep's centre
          continue;
        }
        const spec = sweepSpec(plan, shape, contender);
        sweep.push(sweepResult(spec, axes, await timed(runner, spec, `sweep ${contender} ${axes.join(',')}`)));
      }
    }

    const ref = plan.reference;
    const report: Report = {
      adapter,
      runtime: runner.where,
      host: { cpus: cpus().length, loadAverageBefore, loadAverageAfter: loadavg()[0], simdCeiling: ceiling },
      config: {
        ...ref, layers: 1, outputs: 1, loss: 'mse', optimizer: 'adam', quick: plan.quick,
        flopsPerStep: trainingFlopsPerStep({ inputSize: ref.inputSize, hiddenSize: ref.hiddenSize, layers: 1, outputs: 1, steps: ref.steps, batch: ref.batchSize }),
        sweep: { values: plan.sweep, stepsPerEpoch: plan.sweepStepsPerEpoch, epochs: plan.sweepEpochs },
      },
      results,
      sweep,
      checks: checks(results, sweep),
    };
    console.log(formatReport(report));
    if (opts.json) {
      const svgPath = opts.json.replace(/(\.json)?$/i, '.svg');
      mkdirSync(dirname(opts.json), { recursive: true });
      writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n');
      writeFileSync(svgPath, sweepSvg(report));
      log(`wrote ${opts.json} and ${svgPath}`);
    }
  } finally {
    await runner.close();
  }
}
