#!/usr/bin/env bash
# The sweep's overhead per run as the results file grows: N tiny runs (8x8 MF, 2 steps, --jobs 2)
# into a fresh results folder, for each N given (default 100 1000 10000). Prints the wall time per
# run for each N and the ratio of the largest N's per-run time to the smallest's: the store merges
# a run at a cost that must not grow with the size of the results file.
# Usage: bench/sweep_bench.sh [build/loft] [N ...]
set -eu
LOFT=$(realpath "${1:-build/loft}")
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100 1000 10000)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/loft-sweep-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT
first=""
printf '%8s %10s %12s %10s\n' runs seconds "ms per run" "file MB"
for n in "${SIZES[@]}"; do
  cat > "$T/sweep$n.lua" <<LUA
experiment {
  name = "sweep$n",
  base = "$ROOT/configs/mf.yaml",
  set = { ["in"] = 8, out = 8, target_rank = 2, rank = 2, steps = 2, method = "lora", lr = 0.01 },
  seeds = (function() local s = {} for i = 1, $n do s[i] = i end return s end)(),
}
LUA
  rm -rf "$T/r"
  t0=$(date +%s.%N)
  "$LOFT" run "$T/sweep$n.lua" --jobs 2 --results "$T/r" > "$T/log$n" 2>&1 || { tail -5 "$T/log$n"; exit 1; }
  t1=$(date +%s.%N)
  grep -q "$n runs finished, 0 failed" "$T/log$n" || { echo "sweep of $n did not finish every run:"; tail -3 "$T/log$n"; exit 1; }
  ms=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }')
  mb=$(du -sm "$T/r" | cut -f1)
  printf '%8d %10.1f %12.2f %10s\n' "$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$ms" "$mb"
  [ -n "$first" ] || first=$ms
  last=$ms
done
printf 'per-run overhead, largest N against smallest: %.2fx\n' "$(awk -v a="$first" -v b="$last" 'BEGIN { print b / a }')"
