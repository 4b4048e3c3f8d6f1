import { makeData, type BenchData } from './data.js';
import type { RunOutcome, RunRecord, RunSpec } from './plan.js';

const cache = new Map<string, BenchData>();

/** The synthetic data of a spec, made once per shape and shared by every contender in this process or page. */
export function dataFor(spec: RunSpec): BenchData {
  const key = `${spec.dataSeed}:${spec.samples}:${spec.steps}:${spec.inputSize}`;
  let data = cache.get(key);
  if (!data) {
    data = makeData(spec.dataSeed, spec.samples, spec.steps, spec.inputSize);
    cache.set(key, data);
  }
  return data;
}

/** Runs one spec; a failure comes back as { error } so one bad sweep point does not end the benchmark. */
export async function runGuarded(spec: RunSpec, run: (spec: RunSpec, data: BenchData) => Promise<RunRecord>): Promise<RunOutcome> {
  try {
    return await run(spec, dataFor(spec));
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
