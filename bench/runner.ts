import type { AdapterReport } from './adapter.js';
import type { RunOutcome, RunSpec } from './plan.js';

/** Where the contenders run: the browser page, or this Node process on Dawn. */
export interface Runner {
  where: string;
  adapter(): Promise<AdapterReport | null>;
  run(spec: RunSpec): Promise<RunOutcome>;
  close(): Promise<void>;
}

/** This engine in Node on Dawn for Node (the npm `webgpu` package), and TF.js's wasm backend; its other backends are left to the page. */
export async function openNodeRunner(): Promise<Runner> {
  const { probeAdapter } = await import('./adapter.js');
  const { runEngine } = await import('./contenders/engine.js');
  const { runTfjs } = await import('./contenders/tfjs.js');
  const { runGuarded } = await import('./jobs.js');
  return {
    where: `node ${process.version} on Dawn (npm webgpu)`,
    adapter: probeAdapter,
    run: (spec) => runGuarded(spec, spec.contender.startsWith('tfjs') ? runTfjs : runEngine),
    close: async () => {},
  };
}
