/** ∂loss/∂v[p] for every p by central differences, perturbing v in place. */
export function centralDifferences(v: Float64Array, loss: () => number, eps = 1e-5): Float64Array {
  const out = new Float64Array(v.length);
  for (let p = 0; p < v.length; p++) {
    const keep = v[p];
    v[p] = keep + eps;
    const up = loss();
    v[p] = keep - eps;
    const down = loss();
    v[p] = keep;
    out[p] = (up - down) / (2 * eps);
  }
  return out;
}
