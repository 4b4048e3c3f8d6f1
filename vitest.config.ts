import { defineConfig } from 'vitest/config';

// GPU tests need the Vulkan driver chosen before Dawn loads; scripts/test.sh sets VK_ICD_FILENAMES in the
// shell (the notes found `threads` workers blind to test.env), and forks keep each Dawn instance in its own process.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
