#!/usr/bin/env bash
# npm start: set up (apt + npm, once), build, and run the whole volatility / risk pipeline on the bundled
# S&P 500 data on the faster backend (auto). Extra arguments go to `webgpu-lstm train`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
exec node bin/webgpu-lstm.js train --report report.json --out model.json "$@"
