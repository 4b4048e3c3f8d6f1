// Derivative-free minimisation: Nelder–Mead (1965) with the standard coefficients, and restarts from the best
// point so a collapsed simplex cannot stop it short of the optimum (the remedy Press et al. recommend).

export interface Minimum {
  x: number[];
  value: number;
  evaluations: number;
}

export interface NelderMeadOptions {
  /** Initial simplex edge per coordinate. */
  step?: number | number[];
  maxEvaluations?: number;
  /** Stop when the simplex's values differ by less than this (relative to |f|, plus the same absolute). */
  tolerance?: number;
}

export function nelderMead(f: (x: number[]) => number, start: number[], options: NelderMeadOptions = {}): Minimum {
  const n = start.length;
  const steps = Array.isArray(options.step) ? options.step : new Array<number>(n).fill(options.step ?? 0.5);
  const maxEvaluations = options.maxEvaluations ?? 4000;
  const tolerance = options.tolerance ?? 1e-12;
  let evaluations = 0;
  // Non-finite values (an exploding variance, say) rank as worst so the simplex moves away from them.
  const value = (x: number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let simplex = [start, ...steps.map((s, i) => start.map((v, j) => (i === j ? v + s : v)))].map((x) => ({ x, f: value(x) }));
  const towards = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i] - v));

  while (evaluations < maxEvaluations) {
    simplex.sort((a, b) => a.f - b.f);
    const best = simplex[0];
    const worst = simplex[n];
    if (Math.abs(worst.f - best.f) <= tolerance * (Math.abs(best.f) + tolerance)) break;
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i] += simplex[k].x[i] / n;
    const reflected = towards(centroid, worst.x, -1);
    const fr = value(reflected);
    if (fr < best.f) {
      const expanded = towards(centroid, worst.x, -2);
      const fe = value(expanded);
      simplex[n] = fe < fr ? { x: expanded, f: fe } : { x: reflected, f: fr };
    } else if (fr < simplex[n - 1].f) {
      simplex[n] = { x: reflected, f: fr };
    } else {
      const outside = fr < worst.f;
      const contracted = towards(centroid, outside ? reflected : worst.x, 0.5);
      const fc = value(contracted);
      if (fc < (outside ? fr : worst.f)) simplex[n] = { x: contracted, f: fc };
      else {
        // Shrink every vertex halfway towards the best one.
        simplex = simplex.map((p, k) => {
          if (k === 0) return p;
          const x = towards(best.x, p.x, 0.5);
          return { x, f: value(x) };
        });
      }
    }
  }
  simplex.sort((a, b) => a.f - b.f);
  return { x: simplex[0].x, value: simplex[0].f, evaluations };
}

export interface MinimizeOptions extends NelderMeadOptions {
  /** Run Nelder–Mead from this many of the starts, those with the lowest values (default: all). */
  searches?: number;
}

/**
 * Nelder–Mead from the best starts, then restarted from the best point until a restart no longer improves it.
 * Ranking the starts by their value first spends the searches where the function is already low.
 */
export function minimize(f: (x: number[]) => number, starts: number[][], options: MinimizeOptions = {}): Minimum {
  const ranked = starts.map((x) => ({ x, f: f(x) })).sort((a, b) => (Number.isFinite(a.f) ? a.f : Infinity) - (Number.isFinite(b.f) ? b.f : Infinity));
  const runs = ranked.slice(0, options.searches ?? starts.length).map((s) => nelderMead(f, s.x, options));
  let best = runs.reduce((a, b) => (b.value < a.value ? b : a));
  let evaluations = starts.length + runs.reduce((sum, r) => sum + r.evaluations, 0);
  for (let restart = 0; restart < 20; restart++) {
    const next = nelderMead(f, best.x, options);
    evaluations += next.evaluations;
    const improved = next.value < best.value - 1e-12 * Math.max(1, Math.abs(best.value));
    if (next.value < best.value) best = next;
    if (!improved) break;
  }
  return { ...best, evaluations };
}
