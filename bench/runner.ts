import type { AdapterReport } from './adapter.js';
import type { RunOutcome, RunSpec } from './plan.js';

/** Where the contenders run: the browser page, or this Node process on Dawn. */
export interface Runner {
  where: string;
  adapter(): Promise<AdapterReport | null>;
  run(spec: RunSpec): Promise<RunOutcome>;
  close(): Promise<void>;
}

/** This engine in Node on Dawn for Node (the npm `webgpu` package); TF.js is left to the browser mode. */
export async function openNodeRunner(): Promise<Runner> {
  const { probeAdapter } = await import('./adapter.js');
  const { runEngine } = await import('./contenders/engine.js');
  const { runGuarded } = await import('./jobs.js');
  return {
    where: `node ${process.version} on Dawn (npm webgpu)`,
    adapter: probeAdapter,
    run: (spec) => runGuarded(spec, runEngine),
    close: async () => {},
  };
}
