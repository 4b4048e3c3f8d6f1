#!/usr/bin/env bash
# Runs scripts/explain-figure.ts through Vite's module loader (the engine imports its WGSL with ?raw).
# Usage: bash scripts/explain-figure.sh [backend=cpu|webgpu] [date=2020-03-16] [steps=32]
set -euo pipefail
cd "$(dirname "$0")/.."
node --input-type=module -e "
import { createServer } from 'vite';
const vite = await createServer({ server: { middlewareMode: true, hmr: false, watch: null }, appType: 'custom', logLevel: 'error', optimizeDeps: { noDiscovery: true } });
await vite.ssrLoadModule('/scripts/explain-figure.ts');
await vite.close();
" "$@"
