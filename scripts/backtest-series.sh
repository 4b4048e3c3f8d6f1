#!/usr/bin/env bash
# Walk-forward backtests with the default settings on the bundled S&P 500 and the real series of
# test/finance/fixtures, each saved as bench/results/backtest-<series>[-<loss>][-<backend>][-<N>y].{json,txt}
# (the CLI's table, `uptime` before and after, /usr/bin/time), then the markdown summary of every report saved
# (also into bench/results/backtest-series-summary.md).
# Usage: scripts/backtest-series.sh [loss=student-t] [backend=cpu|webgpu] [years=N] [series ...]
#   series: sp500 djia nyse dowjones30 (default: all four). The test period is the default one for sp500 (its last
#   ten years) and the last 3 years for the others (their older data is kept for fitting); years=N sets it for all.
set -euo pipefail
cd "$(dirname "$0")/.."
loss=qlike backend=auto years=
series=()
for arg in "$@"; do
  case $arg in
    loss=*) loss=${arg#loss=} ;;
    backend=*) backend=${arg#backend=} ;;
    years=*) years=${arg#years=} ;;
    *) series+=("$arg") ;;
  esac
done
[ ${#series[@]} -gt 0 ] || series=(sp500 djia nyse dowjones30)
npm run --silent build
out=bench/results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in "${series[@]}"; do
  case $s in
    sp500) args=(); [ -z "$years" ] || args=(--test-years "$years") ;;
    djia | nyse | dowjones30) args=(--data "test/finance/fixtures/$s.csv" --test-years "${years:-3}") ;;
    *) echo "unknown series '$s' (sp500, djia, nyse or dowjones30)" >&2; exit 2 ;;
  esac
  name=backtest-$s
  [ "$loss" = qlike ] || name+=-$loss
  [ "$backend" = auto ] || name+=-$backend
  [ -z "$years" ] || name+=-${years}y
  cmd=(node bin/webgpu-lstm.js backtest "${args[@]}" --loss "$loss" --backend "$backend" -q --report "$out/$name.json")
  echo "== $name" >&2
  {
    echo "\$ ${cmd[*]}"
    echo "# $(uptime)  (start)"
    /usr/bin/time -f '%e s wall %U s user %S s sys' -o "$tmp/time" "${cmd[@]}" > "$tmp/out"
    echo "# $(uptime)  (end)"
    echo "# /usr/bin/time: $(cat "$tmp/time")"
    echo
    cat "$tmp/out"
  } > "$tmp/txt"
  mv "$tmp/txt" "$out/$name.txt"
done
# backtest-sp500-default.* is the README's record of the bundled default run (the same run as backtest-sp500).
node scripts/backtest-summary.mjs $(ls "$out"/backtest-*.json | grep -v sp500-default) | tee "$out/backtest-series-summary.md"
