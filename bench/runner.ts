import type { AdapterReport } from './adapter.js';
import type { SimdCeiling } from './ceiling.js';
import type { RunOutcome, RunSpec } from './plan.js';

/** Where the contenders run: the browser page, or this Node process on Dawn. */
export interface Runner {
  where: string;
  adapter(): Promise<AdapterReport | null>;
  ceiling(): Promise<SimdCeiling | null>; // a WebAssembly SIMD multiply-add loop where the contenders run
  run(spec: RunSpec): Promise<RunOutcome>;
  close(): Promise<void>;
}

/** This engine in Node on Dawn for Node (the npm `webgpu` package), and TF.js's wasm backend; its other backends are left to the page. */
export async function openNodeRunner(): Promise<Runner> {
  const { probeAdapter } = await import('./adapter.js');
  const { simdCeiling } = await import('./ceiling.js');
  const { runEngine } = await import('./contenders/engine.js');
  const { runTfjs } = await import('./contenders/tfjs.js');
  const { runGuarded } = await import('./jobs.js');
  return {
    where: `node ${process.version} on Dawn (npm webgpu)`,
    adapter: probeAdapter,
    ceiling: simdCeiling,
    run: (spec) => runGuarded(spec, spec.contender.startsWith('tfjs') ? runTfjs : runEngine),
    close: async () => {},
  };
}
