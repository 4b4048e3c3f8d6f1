// CPU reference of shaders/matmul.wgsl, in Float64. Row-major throughout.
type Arr = Float64Array | Float32Array;

/** out[R,N] = inp[R,K] · weight[K,N] (+ bias[N]). */
export function matmul_forward(out: Float64Array, inp: Arr, weight: Arr, bias: Arr | null, R: number, K: number, N: number): void {
  for (let r = 0; r < R; r++) {
    for (let n = 0; n < N; n++) {
      let acc = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) acc += inp[r * K + k] * weight[k * N + n];
      out[r * N + n] = acc;
    }
  }
}

/**
 * Gradients of matmul_forward, accumulated (+=) like llm.c, so callers can sum over several uses:
 * dinp[R,K] += dout · weightᵀ, dweight[K,N] += inpᵀ · dout, dbias[N] += Σ_r dout. Null outputs are skipped.
 */
export function matmul_backward(
  dinp: Float64Array | null,
  dweight: Float64Array | null,
  dbias: Float64Array | null,
  dout: Float64Array,
  inp: Arr,
  weight: Arr,
  R: number,
  K: number,
  N: number,
): void {
  for (let r = 0; r < R; r++) {
    for (let n = 0; n < N; n++) {
      const d = dout[r * N + n];
      if (dbias) dbias[n] += d;
      for (let k = 0; k < K; k++) {
        if (dinp) dinp[r * K + k] += d * weight[k * N + n];
        if (dweight) dweight[k * N + n] += inp[r * K + k] * d;
      }
    }
  }
}
