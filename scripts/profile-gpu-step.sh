#!/usr/bin/env bash
# Runs scripts/profile-gpu-step.ts through Vite's module loader (the engine imports its WGSL with ?raw).
set -euo pipefail
cd "$(dirname "$0")/.."
node --input-type=module -e "
import { createServer } from 'vite';
const vite = await createServer({ server: { middlewareMode: true, hmr: false, watch: null }, appType: 'custom', logLevel: 'error', optimizeDeps: { noDiscovery: true } });
await vite.ssrLoadModule('/scripts/profile-gpu-step.ts');
" "$@"
