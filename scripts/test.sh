#!/usr/bin/env bash
# The test command (npm test): system packages, a build (the CLI and page tests use dist/), then vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
exec npx vitest run "$@"
