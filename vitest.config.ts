import { defineConfig } from 'vitest/config';

// GPU tests need the Vulkan driver chosen before Dawn loads: src/gpu/device.ts sets it in process.env, which a
// forked process passes to the Vulkan loader (worker threads keep a private copy: the notes found `threads` blind
// to it), and forks keep each Dawn instance in its own process.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
