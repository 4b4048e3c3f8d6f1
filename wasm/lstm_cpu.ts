// AssemblyScript: the hot loops of the engine's CPU path in WebAssembly SIMD (f32x4), built twice by
// scripts/build-wasm.mjs: with relaxed SIMD (a fused multiply-add where the CPU has one) and without (plain SIMD).
// Every pointer is a byte address in this module's memory; src/cpu/simd.ts lays the tensors out and calls these.
// Layout and maths are those of src/cpu/fast.ts (time-major rows, gate blocks i, f, g, o), the same network as the
// Float64 reference in src/cpu/lstm.ts.

/** Where src/cpu/simd.ts may start placing tensors. */
export function heapBase(): usize {
  return __heap_base;
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Rows of B walked per pass of the GEMM: a block of B (KC × N floats) stays in cache while every row tile uses it. */
const KC: i32 = 256;

/**
 * C[M,N] (=, or += when accumulate) Σ_k A(m,k) · B[k,n]. A(m,k) is at a + 4·(m·sam + k·sak), so A is read as
 * stored ([M,K]: sam = K, sak = 1) or transposed ([K,M]: sam = 1, sak = M); B and C are row-major with leading
 * dimensions ldb and ldc. A 4×8 tile of C stays in eight registers while k runs: each B vector feeds four
 * multiply-adds and each broadcast A value two.
 */
export function gemm(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32, M: i32, N: i32, K: i32, accumulate: bool): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    gemmBlock(c, ldc, a + (<usize>(k0 * sak) << 2), sam, sak, b + (<usize>(k0 * ldb) << 2), ldb, M, N, kc, accumulate || k0 > 0);
  }
}

function gemmBlock(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32, M: i32, N: i32, K: i32, acc: bool): void {
  const sa = <usize>sam << 2, ka = <usize>sak << 2, kb = <usize>ldb << 2, lc = <usize>ldc << 2;
  const N8 = N & ~7, N4 = N & ~3;
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const ar = a + <usize>m * sa, cr = c + <usize>m * lc;
    let n = 0;
    for (; n < N8; n += 8) {
      const cp = cr + (<usize>n << 2);
      let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      if (acc) {
        c00 = v128.load(cp); c01 = v128.load(cp, 16);
        c10 = v128.load(cp + lc); c11 = v128.load(cp + lc, 16);
        c20 = v128.load(cp + 2 * lc); c21 = v128.load(cp + 2 * lc, 16);
        c30 = v128.load(cp + 3 * lc); c31 = v128.load(cp + 3 * lc, 16);
      }
      let pa = ar, pb = b + (<usize>n << 2);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        let x = f32x4.splat(load<f32>(pa));
        c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
        x = f32x4.splat(load<f32>(pa + sa));
        c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
        x = f32x4.splat(load<f32>(pa + 2 * sa));
        c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
        x = f32x4.splat(load<f32>(pa + 3 * sa));
        c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
        pa += ka; pb += kb;
      }
      v128.store(cp, c00); v128.store(cp, c01, 16);
      v128.store(cp + lc, c10); v128.store(cp + lc, c11, 16);
      v128.store(cp + 2 * lc, c20); v128.store(cp + 2 * lc, c21, 16);
      v128.store(cp + 3 * lc, c30); v128.store(cp + 3 * lc, c31, 16);
    }
    for (; n < N4; n += 4) {
      const cp = cr + (<usize>n << 2);
      let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
      if (acc) {
        c0 = v128.load(cp); c1 = v128.load(cp + lc); c2 = v128.load(cp + 2 * lc); c3 = v128.load(cp + 3 * lc);
      }
      let pa = ar, pb = b + (<usize>n << 2);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb);
        c0 = madd(f32x4.splat(load<f32>(pa)), b0, c0);
        c1 = madd(f32x4.splat(load<f32>(pa + sa)), b0, c1);
        c2 = madd(f32x4.splat(load<f32>(pa + 2 * sa)), b0, c2);
        c3 = madd(f32x4.splat(load<f32>(pa + 3 * sa)), b0, c3);
        pa += ka; pb += kb;
      }
      v128.store(cp, c0); v128.store(cp + lc, c1); v128.store(cp + 2 * lc, c2); v128.store(cp + 3 * lc, c3);
    }
    for (let r = 0; r < 4; r++) gemmRowScalar(cr + <usize>r * lc, ar + <usize>r * sa, ka, b, kb, N4, N, K, acc);
  }
  for (; m < M; m++) {
    const ar = a + <usize>m * sa, cr = c + <usize>m * lc;
    let n = 0;
    for (; n < N4; n += 4) {
      const cp = cr + (<usize>n << 2);
      let c0 = acc ? v128.load(cp) : f32x4.splat(0);
      let pa = ar, pb = b + (<usize>n << 2);
      for (let k = 0; k < K; k++) {
        c0 = madd(f32x4.splat(load<f32>(pa)), v128.load(pb), c0);
        pa += ka; pb += kb;
      }
      v128.store(cp, c0);
    }
    gemmRowScalar(cr, ar, ka, b, kb, N4, N, K, acc);
  }
}

/** Columns n0..N of one row of C, one at a time: the edge where N is not a multiple of 4. */
function gemmRowScalar(cr: usize, ar: usize, ka: usize, b: usize, kb: usize, n0: i32, N: i32, K: i32, acc: bool): void {
  for (let n = n0; n < N; n++) {
    const cp = cr + (<usize>n << 2);
    let s: f32 = acc ? load<f32>(cp) : 0;
    let pa = ar, pb = b + (<usize>n << 2);
    for (let k = 0; k < K; k++) {
      s += load<f32>(pa) * load<f32>(pb);
      pa += ka; pb += kb;
    }
    store<f32>(cp, s);
  }
}

// exp on four lanes: 2^n · e^r with n = round(x·log2 e), |r| ≤ ln2/2, e^r by its degree-6 Taylor polynomial
// (relative error below 2e-7, about Float32's rounding); inputs clamped so 2^n stays a normal float.
// @ts-ignore: decorator
@inline function vexp(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.4426950408889634)));
  let r = madd(n, f32x4.splat(-0.693145751953125), x); // ln 2 in two parts, so r is exact
  r = madd(n, f32x4.splat(-1.428606765330187e-6), r);
  let p = f32x4.splat(1.0 / 720.0);
  p = madd(p, r, f32x4.splat(1.0 / 120.0));
  p = madd(p, r, f32x4.splat(1.0 / 24.0));
  p = madd(p, r, f32x4.splat(1.0 / 6.0));
  p = madd(p, r, f32x4.splat(0.5));
  p = madd(p, r, f32x4.splat(1.0));
  p = madd(p, r, f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline function vsigmoid(z: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(z))));
}

// tanh(z) = 1 − 2 / (1 + e^{2z}), as fast.ts computes it
// @ts-ignore: decorator
@inline function vtanh(z: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(one, vexp(f32x4.add(z, z)))));
}

// The gates' activation: the logistic sigmoid, or TF.js's hard sigmoid clip(0.2·z + 0.5, 0, 1) when `hard`.
// @ts-ignore: decorator
@inline function vgate(z: v128, hard: bool): v128 {
  if (!hard) return vsigmoid(z);
  return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(z, f32x4.splat(0.2)), f32x4.splat(0.5)), f32x4.splat(0)), f32x4.splat(1));
}

// Its slope from the activation's value a: a(1 − a), or 0.2 inside the hard sigmoid's clip and 0 where it saturates.
// @ts-ignore: decorator
@inline function vgateSlope(a: v128, hard: bool): v128 {
  if (!hard) return f32x4.mul(a, f32x4.sub(f32x4.splat(1), a));
  return v128.and(v128.and(f32x4.gt(a, f32x4.splat(0)), f32x4.lt(a, f32x4.splat(1))), f32x4.splat(0.2));
}

// The scalar forms, for the last H mod 4 units of a row.
// @ts-ignore: decorator
@inline function gate1(z: f32, hard: bool): f32 {
  return f32x4.extract_lane(vgate(f32x4.splat(z), hard), 0);
}
// @ts-ignore: decorator
@inline function gateSlope1(a: f32, hard: bool): f32 {
  return f32x4.extract_lane(vgateSlope(f32x4.splat(a), hard), 0);
}
// @ts-ignore: decorator
@inline function tanh1(z: f32): f32 {
  return f32x4.extract_lane(vtanh(f32x4.splat(z)), 0);
}

/**
 * One time step of lstm_forward for B rows: gates (B,4H) holds z = x·W_x + b + h_{t−1}·W_h on entry and i, f, g, o
 * on return; c, tanhC and h (B,H) of this step are written; cPrev = 0 at t = 0 (c_{−1} = 0).
 */
export function lstm_cell_forward(gates: usize, cPrev: usize, c: usize, tanhC: usize, h: usize, B: i32, H: i32, hard: bool): void {
  const H4 = H & ~3, gh = <usize>H << 2;
  for (let row = 0; row < B; row++) {
    const g0 = gates + <usize>row * 4 * gh, s = <usize>row * gh;
    let u = 0;
    for (; u < H4; u += 4) {
      const o4 = <usize>u << 2;
      const i = vgate(v128.load(g0 + o4), hard), f = vgate(v128.load(g0 + gh + o4), hard);
      const g = vtanh(v128.load(g0 + 2 * gh + o4)), o = vgate(v128.load(g0 + 3 * gh + o4), hard);
      v128.store(g0 + o4, i); v128.store(g0 + gh + o4, f); v128.store(g0 + 2 * gh + o4, g); v128.store(g0 + 3 * gh + o4, o);
      const cv = cPrev ? madd(f, v128.load(cPrev + s + o4), f32x4.mul(i, g)) : f32x4.mul(i, g);
      const tc = vtanh(cv);
      v128.store(c + s + o4, cv); v128.store(tanhC + s + o4, tc); v128.store(h + s + o4, f32x4.mul(o, tc));
    }
    for (; u < H; u++) {
      const o4 = <usize>u << 2;
      const i = gate1(load<f32>(g0 + o4), hard), f = gate1(load<f32>(g0 + gh + o4), hard);
      const g = tanh1(load<f32>(g0 + 2 * gh + o4)), o = gate1(load<f32>(g0 + 3 * gh + o4), hard);
      store<f32>(g0 + o4, i); store<f32>(g0 + gh + o4, f); store<f32>(g0 + 2 * gh + o4, g); store<f32>(g0 + 3 * gh + o4, o);
      const cv = cPrev ? f * load<f32>(cPrev + s + o4) + i * g : i * g;
      const tc = tanh1(cv);
      store<f32>(c + s + o4, cv); store<f32>(tanhC + s + o4, tc); store<f32>(h + s + o4, o * tc);
    }
  }
}

/**
 * One time step of lstm_backward for B rows: dh = dhNext (+ dhAbove, unless 0), dc = dcNext + dh·o·(1 − tanh²c);
 * writes the gate gradients dG (B,4H) and dcNext = dc·f for the step before. cPrev = 0 at t = 0.
 */
export function lstm_cell_backward(dG: usize, dhNext: usize, dcNext: usize, dhAbove: usize, gates: usize, cPrev: usize, tanhC: usize, B: i32, H: i32, hard: bool): void {
  const H4 = H & ~3, gh = <usize>H << 2, one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let row = 0; row < B; row++) {
    const g0 = gates + <usize>row * 4 * gh, d0 = dG + <usize>row * 4 * gh, s = <usize>row * gh;
    let u = 0;
    for (; u < H4; u += 4) {
      const o4 = <usize>u << 2;
      let dh = v128.load(dhNext + s + o4);
      if (dhAbove) dh = f32x4.add(dh, v128.load(dhAbove + s + o4));
      const i = v128.load(g0 + o4), f = v128.load(g0 + gh + o4), g = v128.load(g0 + 2 * gh + o4), o = v128.load(g0 + 3 * gh + o4);
      const tc = v128.load(tanhC + s + o4);
      const dc = madd(f32x4.mul(dh, o), f32x4.sub(one, f32x4.mul(tc, tc)), v128.load(dcNext + s + o4));
      v128.store(d0 + o4, f32x4.mul(f32x4.mul(dc, g), vgateSlope(i, hard)));
      v128.store(d0 + gh + o4, cPrev ? f32x4.mul(f32x4.mul(dc, v128.load(cPrev + s + o4)), vgateSlope(f, hard)) : zero);
      v128.store(d0 + 2 * gh + o4, f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one, f32x4.mul(g, g))));
      v128.store(d0 + 3 * gh + o4, f32x4.mul(f32x4.mul(dh, tc), vgateSlope(o, hard)));
      v128.store(dcNext + s + o4, f32x4.mul(dc, f));
    }
    for (; u < H; u++) {
      const o4 = <usize>u << 2;
      let dh = load<f32>(dhNext + s + o4);
      if (dhAbove) dh += load<f32>(dhAbove + s + o4);
      const i = load<f32>(g0 + o4), f = load<f32>(g0 + gh + o4), g = load<f32>(g0 + 2 * gh + o4), o = load<f32>(g0 + 3 * gh + o4);
      const tc = load<f32>(tanhC + s + o4);
      const dc = load<f32>(dcNext + s + o4) + dh * o * (1 - tc * tc);
      store<f32>(d0 + o4, dc * g * gateSlope1(i, hard));
      store<f32>(d0 + gh + o4, cPrev ? dc * load<f32>(cPrev + s + o4) * gateSlope1(f, hard) : 0);
      store<f32>(d0 + 2 * gh + o4, dc * i * (1 - g * g));
      store<f32>(d0 + 3 * gh + o4, dh * tc * gateSlope1(o, hard));
      store<f32>(dcNext + s + o4, dc * f);
    }
  }
}

/** d[0..N) += Σ_r rows[r, :] over R rows of N floats: the bias gradient. */
export function colsum_add(d: usize, rows: usize, R: i32, N: i32): void {
  const N4 = N & ~3, ln = <usize>N << 2;
  let n = 0;
  for (; n < N4; n += 4) {
    let s = v128.load(d + (<usize>n << 2)), p = rows + (<usize>n << 2);
    for (let r = 0; r < R; r++) {
      s = f32x4.add(s, v128.load(p));
      p += ln;
    }
    v128.store(d + (<usize>n << 2), s);
  }
  for (; n < N; n++) {
    let s = load<f32>(d + (<usize>n << 2)), p = rows + (<usize>n << 2);
    for (let r = 0; r < R; r++) {
      s += load<f32>(p);
      p += ln;
    }
    store<f32>(d + (<usize>n << 2), s);
  }
}

/** dst[C,R] = src[R,C]ᵀ: a weight read the other way round (W_hᵀ for dh = dG·W_hᵀ, and the like). */
export function transpose(dst: usize, src: usize, R: i32, C: i32): void {
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) store<f32>(dst + (<usize>(c * R + r) << 2), load<f32>(src + (<usize>(r * C + c) << 2)));
  }
}

/** R rows of N floats at dst, each a copy of the row at src: the bias under X·W_x. */
export function fill_rows(dst: usize, src: usize, R: i32, N: i32): void {
  const ln = <usize>N << 2;
  for (let r = 0; r < R; r++) memory.copy(dst + <usize>r * ln, src, ln);
}

/**
 * The machine's ceiling for this code: `iterations` rounds of eight independent four-lane multiply-adds (no memory
 * traffic), 64 FLOPs a round. Returns a lane of the sum so the work cannot be optimised away.
 */
export function madd_peak(iterations: i32): f32 {
  const x = f32x4.splat(0.999999), y = f32x4.splat(1e-7);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(1), a2 = f32x4.splat(2), a3 = f32x4.splat(3);
  let a4 = f32x4.splat(4), a5 = f32x4.splat(5), a6 = f32x4.splat(6), a7 = f32x4.splat(7);
  for (let i = 0; i < iterations; i++) {
    a0 = madd(a0, x, y); a1 = madd(a1, x, y); a2 = madd(a2, x, y); a3 = madd(a3, x, y);
    a4 = madd(a4, x, y); a5 = madd(a5, x, y); a6 = madd(a6, x, y); a7 = madd(a7, x, y);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0);
}
