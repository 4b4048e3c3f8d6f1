import { gpuContext } from '../../src/gpu/device.js';

/**
 * The adapter every GPU test runs on. GPU tests are never skipped: without an adapter they fail and say why
 * (scripts/test.sh points Dawn at SwiftShader on machines with no GPU).
 */
export async function requireGpu() {
  return gpuContext();
}
