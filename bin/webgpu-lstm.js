#!/usr/bin/env node
// Launcher: the CLI itself is built into dist/lib/cli.js (npm run build) from src/cli/main.ts.
let cli;
try {
  cli = await import('../dist/lib/cli.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/lib/cli.js')) {
    process.stderr.write("webgpu-lstm: the CLI is not built yet; run 'npm run build' first\n");
    process.exit(1);
  }
  throw e;
}
process.exitCode = await cli.main(process.argv.slice(2));
