import { gpuContext } from '../../src/gpu/device.js';

/**
 * The adapter every GPU test runs on. GPU tests are never skipped: without an adapter they fail and say why
 * (on a machine with no GPU, src/gpu/device.ts points Dawn at SwiftShader by itself where it is installed).
 */
export async function requireGpu() {
  return gpuContext();
}
