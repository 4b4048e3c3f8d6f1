// The benchmark page: Node drives it through Puppeteer (bench/browser.ts), one run per call, all on this page.
import { probeAdapter } from './adapter.js';
import { simdCeiling } from './ceiling.js';
import { runEngine } from './contenders/engine.js';
import { runTfjs } from './contenders/tfjs.js';
import { runGuarded } from './jobs.js';
import type { RunOutcome, RunSpec } from './plan.js';

export interface PageApi {
  adapter: typeof probeAdapter;
  ceiling: typeof simdCeiling;
  run(spec: RunSpec): Promise<RunOutcome>;
}

declare global {
  interface Window {
    bench?: PageApi;
  }
}

window.bench = {
  adapter: probeAdapter,
  ceiling: simdCeiling,
  run: (spec) => runGuarded(spec, spec.contender.startsWith('tfjs') ? runTfjs : runEngine),
};
