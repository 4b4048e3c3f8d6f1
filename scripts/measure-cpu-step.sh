#!/usr/bin/env bash
# Bundles scripts/measure-cpu-step.ts with rolldown (the repo has no TS runner for Node 20) and runs it.
# Usage: bash scripts/measure-cpu-step.sh [reps] [--tfjs]   (--tfjs also times TensorFlow.js' cpu backend)
set -euo pipefail
cd "$(dirname "$0")/.."
out=node_modules/.cache/measure-cpu-step # inside the repo, so the external @tensorflow/tfjs resolves
mkdir -p "$out"
npx --no-install rolldown scripts/measure-cpu-step.ts --platform node --format esm --external @tensorflow/tfjs \
  --file "$out/measure-cpu-step.mjs" --logLevel silent >/dev/null
node "$out/measure-cpu-step.mjs" "$@"
