import { instantiateLstmWasm } from '../src/cpu/simd.js';
import { compileLstmWasm } from '../src/cpu/simdModule.js';

/** What one thread can do with the CPU path's own instructions: the ceiling its GFLOP/s are held against. */
export interface SimdCeiling {
  gflopsPerThread: number;
  relaxedSimd: boolean; // the build the engine runs here (fused multiply-add) or plain SIMD (multiply, then add)
}

/**
 * A plain WebAssembly SIMD multiply-add loop (wasm/lstm_cpu.ts madd_peak: eight independent f32x4 chains, no memory
 * traffic), from the same build the engine's CPU path uses here; the best of five runs of 0.2 GFLOP each.
 */
export async function simdCeiling(): Promise<SimdCeiling | null> {
  const compiled = await compileLstmWasm();
  if (!compiled) return null;
  const w = instantiateLstmWasm(compiled.module);
  const rounds = 2e8 / 64;
  w.madd_peak(rounds); // warm-up: the engine compiles the loop's optimised code on first use
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    w.madd_peak(rounds);
    best = Math.min(best, performance.now() - start);
  }
  return { gflopsPerThread: (64 * rounds) / best / 1e6, relaxedSimd: compiled.relaxedSimd };
}
