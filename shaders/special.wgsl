// Special functions for the Student-t loss, in f32. Pasted into a kernel through its {{SPECIAL}} slot.
// CPU twins (Float64, series to higher order): ln_gamma and digamma in src/cpu/fast.ts.

// ln Γ(x) for x > 0: lnΓ(x) = lnΓ(x+1) − ln x lifts x to ≥ 6 (the shifts' product taken in one log), then
// Stirling's series to the x⁻⁵ term, whose truncation error there is below 3e-9: f32 rounding dominates.
fn ln_gamma(x0: f32) -> f32 {
  var x = x0;
  var product = 1.0;
  while (x < 6.0) {
    product *= x;
    x += 1.0;
  }
  let z = 1.0 / (x * x);
  let series = (1.0 / 12.0 - z * (1.0 / 360.0 - z / 1260.0)) / x;
  return (x - 0.5) * log(x) - x + 0.91893853320467274 + series - log(product);
}

// ψ(x) = d lnΓ(x)/dx for x > 0: ψ(x) = ψ(x+1) − 1/x up to x ≥ 6, then the asymptotic series to x⁻⁶ (truncation
// below 3e-9 there).
fn digamma(x0: f32) -> f32 {
  var x = x0;
  var shift = 0.0;
  while (x < 6.0) {
    shift += 1.0 / x;
    x += 1.0;
  }
  let z = 1.0 / (x * x);
  return log(x) - 0.5 / x - z * (1.0 / 12.0 - z * (1.0 / 120.0 - z / 252.0)) - shift;
}

// ln(1 + t) for t ≥ 0, keeping its relative accuracy for tiny t (where 1 + t rounds to 1).
fn log1p(t: f32) -> f32 {
  if (t < 1e-4) { return t * (1.0 - 0.5 * t); }
  return log(1.0 + t);
}

// softplus(u) = ln(1 + e^u) without overflow, and with its relative accuracy for very negative u.
fn softplus(u: f32) -> f32 {
  return max(u, 0.0) + log1p(exp(-abs(u)));
}
