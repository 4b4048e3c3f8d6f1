#!/usr/bin/env bash
# One command for a machine with a GPU and its Vulkan driver (Node + Dawn): the GPU tests, `bench --node` with the
# sweep reaching H = 512 and B = 256, and the per-dispatch profile at the reference shape and at H = 512, B = 256,
# gathered into one JSON (default bench/results/gpu-report-<adapter>-<date>.json). About 8 minutes at most on a
# modern GPU; on SwiftShader the full run takes hours, so `--dry-run` does the same steps at small shapes
# (a few GPU tests, bench --quick, a tiny profile) to show the script works, writing artifacts/gpu-report-dry-run.json
# (about 10 minutes on a busy 2-core machine, most of it compiling kernels on SwiftShader).
# Usage: bash scripts/gpu-report.sh [--dry-run] [--out PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
dry=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --out) out="${2:?--out needs a path}"; shift ;;
    *) echo "gpu-report: unknown argument '$1': use --dry-run, --out PATH" >&2; exit 2 ;;
  esac
  shift
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log() { echo "gpu-report: $*" >&2; }

if [ "$dry" = 1 ]; then
  tests=(test/gpu-vs-cpu.test.ts -t 'B=1 T=1 I=1')
  bench=(--quick --node --contenders engine-webgpu,engine-cpu --sweep-t 10 --sweep-h 16,32 --sweep-b 16)
  profiles=("H=16 T=10 B=8 reps=2")
else
  tests=(test/gpu-vs-cpu.test.ts test/train.test.ts)
  bench=(--node --contenders engine-webgpu,engine-cpu --sweep-h 32,64,128,256,512 --sweep-b 16,64,256)
  profiles=("H=64 T=60 B=64" "H=512 T=60 B=256")
fi

started=$(date +%s)
log "GPU tests: ${tests[*]}"
tests_rc=0
npx vitest run "${tests[@]}" --reporter=json --outputFile="$tmp/tests.json" >"$tmp/tests.log" 2>&1 || tests_rc=$?
[ -s "$tmp/tests.json" ] || { cat "$tmp/tests.log" >&2; log "the GPU tests did not run"; exit 1; }
log "bench: ${bench[*]}"
node bench/run.mjs "${bench[@]}" --json "$tmp/bench.json" >"$tmp/bench.txt"
for p in "${profiles[@]}"; do
  log "profile: $p"
  # shellcheck disable=SC2086 # the shape is word-split on purpose
  bash scripts/profile-gpu-step.sh $p >"$tmp/profile-$(echo "$p" | tr ' =' '_-').txt"
done

node --input-type=module - "$tmp" "$dry" "$out" "$(( $(date +%s) - started ))" <<'JS'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
const [tmp, dry, outArg, seconds] = process.argv.slice(2);
const tests = JSON.parse(readFileSync(join(tmp, 'tests.json'), 'utf8'));
const bench = JSON.parse(readFileSync(join(tmp, 'bench.json'), 'utf8'));
const profiles = readdirSync(tmp).filter((f) => f.startsWith('profile-')).sort().map((f) => ({
  shape: f.slice('profile-'.length, -'.txt'.length).replace(/_/g, ' ').replace(/-/g, '='),
  lines: readFileSync(join(tmp, f), 'utf8').trimEnd().split('\n'),
}));
const report = {
  kind: 'gpu-report',
  dryRun: dry === '1',
  date: new Date().toISOString(),
  seconds: Number(seconds),
  adapter: bench.adapter,
  tests: {
    passed: tests.numPassedTests, failed: tests.numFailedTests, skipped: tests.numPendingTests + tests.numTodoTests, total: tests.numTotalTests,
    failures: tests.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'failed').map((a) => a.fullName)),
  },
  bench,
  profiles,
};
const slug = `${bench.adapter.vendor}-${bench.adapter.architecture}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'adapter';
const out = outArg || (report.dryRun ? 'artifacts/gpu-report-dry-run.json' : `bench/results/gpu-report-${slug}-${report.date.slice(0, 10)}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.error(`gpu-report: wrote ${out} (GPU tests: ${report.tests.passed} passed, ${report.tests.failed} failed, ${report.tests.skipped} left out; ${seconds} s)`);
JS
exit "$tests_rc"
