// Which variant of each kernel family a session runs: the candidates this adapter and shape allow, the one measured
// fastest (cached per adapter, model and batch shape), and how the choice is reported.
import type { KernelChoice } from '../engine.js';
import { UserError } from '../errors.js';
import { hasDropout, layerHiddenSize, type ModelConfig } from '../model.js';
import { subgroupsOf4, type GpuContext } from './device.js';
import { fusedFits, wideTiling } from './lstm.js';
import { NARROW_MAX_HIDDEN, narrowEligible, narrowRows } from './lstmNarrow.js';
import { choiceTiling, PERSISTENT_MAX_HIDDEN } from './lstmPersistent.js';
import { MAX_BLOCK_ROWS } from './matmulNarrow.js';
import { encodeDispatches, type Dispatch } from './program.js';

/** The narrow recurrence and the narrow GEMM together: dG can then pass between them in a texture. */
export const narrowPair = (c: KernelChoice) => c.recurrent === 'narrow' && c.gradients === 'narrow';

/** The recurrent kernels that read W_h from memory every step (and so may read its packed f16 copy). */
const readsWeights = (c: KernelChoice) => c.recurrent === 'wide' || c.recurrent === 'stepwise';

/** The most batch rows a lane of the wide or stepwise recurrence carries (the kernels unroll over them). */
export const MAX_ROWS_PER_LANE = 8;

/** The variants that run here for `rows` = T·B rows, fastest-first guess first; only `forced` if given (or why not). */
export function kernelCandidates(ctx: GpuContext, config: ModelConfig, rows: number, forced?: KernelChoice): KernelChoice[] {
  const hidden = Array.from({ length: config.layers }, (_, l) => layerHiddenSize(config, l));
  // The narrow recurrent kernels take no dropout masks: a model with dropout declines them.
  const narrowRuns = hidden.every((H) => narrowEligible(ctx, H, rows)) && !hasDropout(config);
  const fused = hidden.every((H) => fusedFits(ctx, H));
  if (forced) {
    if (forced.recurrent === 'narrow' && !narrowRuns) {
      throw new UserError(`the narrow recurrent kernels need the 'subgroups' feature, hidden size <= ${NARROW_MAX_HIDDEN}, steps x batch within the adapter's texture limits and a model without dropout`);
    }
    if (forced.gradients === 'narrow' && !subgroupsOf4(ctx)) {
      throw new UserError("the narrow weight-gradient kernel needs the 'subgroups' feature with subgroups of at least 4 lanes");
    }
    const R = forced.rowsPerLane ?? 1;
    if (!Number.isInteger(R) || R < 1 || R > MAX_ROWS_PER_LANE || (R > 1 && forced.recurrent === 'narrow')) {
      throw new UserError(`rowsPerLane must be an integer from 1 to ${MAX_ROWS_PER_LANE}, for the wide, stepwise or persistent recurrent kernels only (got ${forced.rowsPerLane} with '${forced.recurrent}')`);
    }
    if (forced.reduction !== undefined && (forced.recurrent !== 'persistent' || !['subgroup', 'workgroup'].includes(forced.reduction))) {
      throw new UserError(`reduction is 'subgroup' or 'workgroup', for the persistent recurrent kernels only (got ${forced.reduction} with '${forced.recurrent}')`);
    }
    if (forced.recurrent === 'persistent' && !hidden.every((H) => choiceTiling(ctx, H, forced))) {
      throw new UserError(`the persistent recurrent kernels need hidden size <= ${PERSISTENT_MAX_HIDDEN}, their rows a lane within the adapter's workgroup memory, and for the subgroup reduction the 'subgroups' feature`);
    }
    if (forced.recurrentWeights === 'f16-packed' && !readsWeights(forced)) {
      throw new UserError("recurrentWeights 'f16-packed' is for the wide or stepwise recurrent kernels only (the others hold W_h in registers)");
    }
    if (forced.recurrent === 'wide' && !hidden.every((H) => fusedFits(ctx, H, R))) {
      throw new UserError(`hidden size ${Math.max(...hidden)} does not fit the fused recurrent kernels' workgroup memory on this adapter; use the stepwise kernels`);
    }
    return [forced];
  }
  // Several rows a lane, with W_h in f32 or packed f16: for GPUs only (a CPU adapter such as SwiftShader would spend
  // its time compiling and timing them, and its weight reads are not what limits it).
  const multiRowChoice: KernelChoice = hidden.every((H) => fusedFits(ctx, H, 4)) ? { recurrent: 'wide', gradients: 'wide', rowsPerLane: 4 } : { recurrent: 'stepwise', gradients: 'wide', rowsPerLane: 4 };
  const multiRow: KernelChoice[] = ctx.isFallback ? [] : [multiRowChoice, { ...multiRowChoice, recurrentWeights: 'f16-packed' }];
  // W_h in registers: on GPUs wherever H allows; on a fallback adapter it measured about as fast as the wide kernels
  // (slower than the narrow ones), so only where the narrow kernels do not run, at a compile's cost.
  const persistentRuns = hidden.every((H) => choiceTiling(ctx, H, {})) && (!ctx.isFallback || !narrowRuns);
  const persistent: KernelChoice[] = persistentRuns ? [{ recurrent: 'persistent', gradients: 'wide' }] : [];
  const all: KernelChoice[] = fused
    ? [
        { recurrent: 'wide', gradients: 'wide' },
        { recurrent: 'narrow', gradients: 'narrow' },
        { recurrent: 'wide', gradients: 'narrow' },
        ...persistent,
        ...multiRow,
      ]
    : [
        { recurrent: 'stepwise', gradients: 'wide' },
        { recurrent: 'stepwise', gradients: 'narrow' },
        ...persistent,
        ...multiRow,
      ];
  return all.filter((c) => (c.recurrent !== 'narrow' || narrowRuns) && (c.gradients === 'wide' || subgroupsOf4(ctx)));
}

/** The choice measured fastest per adapter, model and batch shape, kept for the life of the page or process. */
const chosen = new Map<string, KernelChoice>();

/**
 * The only candidate, or the one measured fastest for this key (measured on first use, then cached); `step` gives a
 * candidate's forward + head + backward dispatches on the session's own buffers.
 */
export async function chooseKernels(
  ctx: GpuContext,
  key: string,
  candidates: KernelChoice[],
  step: (c: KernelChoice) => Promise<Dispatch[]>,
  hooks: { onTimed?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<KernelChoice> {
  if (candidates.length === 1) return candidates[0];
  let choice = chosen.get(key);
  if (!choice) {
    const { best, complete } = await fastest(ctx, candidates, step, hooks);
    choice = best;
    // A choice cut short by a stop is used once, not remembered.
    if (complete) chosen.set(key, choice);
  }
  return choice;
}

/**
 * The fastest candidate: the median of three runs after one warm-up, a candidate dropped as soon as one run takes
 * twice the best median so far.
 */
async function fastest(
  ctx: GpuContext,
  candidates: KernelChoice[],
  step: (c: KernelChoice) => Promise<Dispatch[]>,
  hooks: { onTimed?: (done: number, total: number) => void; signal?: AbortSignal },
): Promise<{ best: KernelChoice; complete: boolean }> {
  let best = { choice: candidates[0], ms: Infinity };
  for (const [k, choice] of candidates.entries()) {
    if (hooks.signal?.aborted) return { best: best.choice, complete: false };
    hooks.onTimed?.(k, candidates.length);
    const dispatches = await step(choice);
    const times: number[] = [];
    for (let r = 0; r < 4; r++) {
      const t0 = performance.now();
      const encoder = ctx.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      encodeDispatches(pass, dispatches);
      pass.end();
      ctx.device.queue.submit([encoder.finish()]);
      await ctx.device.queue.onSubmittedWorkDone();
      const ms = performance.now() - t0;
      if (ms > 2 * best.ms) break;
      if (r > 0) times.push(ms); // the first run pays for first-use costs
    }
    if (times.length < 3) continue;
    const median = times.sort((a, b) => a - b)[1];
    if (median < best.ms) best = { choice, ms: median };
  }
  return { best: best.choice, complete: true };
}

function persistentWords(ctx: GpuContext, choice: KernelChoice, H: number, R: number): string {
  const t = choice.recurrent === 'persistent' ? choiceTiling(ctx, H, choice) : null;
  return t ? `persistent(${t.reduction} reduction,lanes=${t.lanes},W_h rows a lane=${t.slice},rows a lane=${R})` : '';
}

/** What a choice runs, in words, for EngineStats.kernelChoice. */
export function describeKernels(ctx: GpuContext, choice: KernelChoice, H: number, B: number, T: number): Record<string, string> {
  const R = choice.rowsPerLane ?? 1;
  const wide = wideTiling(ctx, H, R);
  return {
    recurrent: {
      wide: `wide(rows=${wide.rows},lanes=${wide.lanes},rows a lane=${R})`,
      narrow: `narrow(subgroup of 4,rows=${narrowRows(B)})`,
      stepwise: `stepwise(${T} dispatches a pass,rows a lane=${R})`,
      persistent: persistentWords(ctx, choice, H, R),
    }[choice.recurrent],
    recurrentWeights: !readsWeights(choice) ? 'f32 in registers' : choice.recurrentWeights === 'f16-packed' ? 'f16 packed (unpack2x16float)' : 'f32',
    gradients: choice.gradients === 'wide' ? 'wide(64x64 tiles)' : `narrow(blocks up to ${MAX_BLOCK_ROWS}x64, dG from ${narrowPair(choice) ? 'texture' : 'buffer'})`,
  };
}
