#!/usr/bin/env bash
# Runs scripts/walk-forward-diagnostics.ts through Vite's module loader (the engine imports its WGSL with ?raw).
# Usage: bash scripts/walk-forward-diagnostics.sh [members=2] [scratch=1] [testYears=3] [hidden=32] [out=rows.json] ...
set -euo pipefail
cd "$(dirname "$0")/.."
node --input-type=module -e "
import { createServer } from 'vite';
const vite = await createServer({ server: { middlewareMode: true, hmr: false, watch: null }, appType: 'custom', logLevel: 'error', optimizeDeps: { noDiscovery: true } });
await vite.ssrLoadModule('/scripts/walk-forward-diagnostics.ts');
await vite.close();
" "$@"
