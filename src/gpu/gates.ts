import type { RecurrentActivation } from '../model.js';

/**
 * The gates' activation (i, f, o) and its slope from the activation's value, as WGSL for the recurrence shaders'
 * {{GATES}} slot: the logistic sigmoid, or TF.js's hard sigmoid clip(0.2·z + 0.5, 0, 1) when the HARD_SIGMOID
 * override is set. CPU reference: gate_activation and gate_derivative in src/cpu/lstm.ts.
 */
export const GATES_WGSL = `override HARD_SIGMOID: bool = false;
fn gate(z: f32) -> f32 {
  if (HARD_SIGMOID) { return clamp(0.2 * z + 0.5, 0.0, 1.0); }
  return 1.0 / (1.0 + exp(-z));
}
fn gate_slope(a: f32) -> f32 {
  if (HARD_SIGMOID) { return select(0.0, 0.2, a > 0.0 && a < 1.0); }
  return a * (1.0 - a);
}`;

/** The pipeline constant that picks the gates' activation. */
export function gateConstants(activation: RecurrentActivation): { HARD_SIGMOID: number } {
  return { HARD_SIGMOID: activation === 'hard_sigmoid' ? 1 : 0 };
}
