#!/usr/bin/env bash
# `make bench` (part): data-parallel speed on this machine. The ViT and the GPT at the ablations'
# sizes (batch 32 and 8), full AdamW, LoRA r = 8 and LoFT r = 8, run by one process and by
# `mpirun -np 2` (each process one BLAS thread: the two compare on the same 2 cores), plus the
# all-reduce each step carries (the run's gradient_numbers attribute x 4 bytes). A step's time is
# (wall time of 50 steps - wall time of 10) / 40, so the evaluations (first and last step) and the
# start-up cancel. Prints steps/s and the ratio np = 2 / np = 1. Needs `make data pretrain-vit pretrain-gpt` and Open MPI
# (scripts/deps.sh openmpi-bin libopenmpi-dev); says so and exits 0 otherwise.
set -u
LOFT=$(realpath "${1:-build/loft}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if ! command -v mpirun > /dev/null || ! "$LOFT" 2>&1 | grep -q . || [ ! -e results/vit_pretrained.h5 ] || [ ! -e results/gpt_pretrained.h5 ]; then
  echo "mpi_bench: skipped (needs mpirun and make data pretrain-vit pretrain-gpt)"
  exit 0
fi
T=$(mktemp -d /tmp/loft-mpibench-XXXXXX)
trap 'rm -rf "$T"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
cat > "$T/b.lua" <<'EOT'
experiment {
  name = "b",
  base = "configs/vit.yaml",
  set = { eval_every = 1000, rank = 8 },
  grid = { steps = { 10, 50 } },
  variants = { { label = "adamw", method = "adamw" }, { label = "lora", method = "lora" }, { label = "loft", method = "loft" } },
}
EOT
sed 's|configs/vit.yaml|configs/gpt.yaml|; s|name = "b"|name = "g"|' "$T/b.lua" > "$T/g.lua"
attr() { h5dump -a "/runs/$2/$3" "$1" 2> /dev/null | sed -n 's/.*(0): *//p' | head -1; }
printf "%-5s %-6s %14s %12s %12s %8s\n" task method "all-reduce" "np=1 step/s" "np=2 step/s" ratio
for x in b g; do
  OPENBLAS_NUM_THREADS=1 "$LOFT" run "$T/$x.lua" --results "$T/one" > /dev/null 2>&1
  mpirun --oversubscribe -np 2 -x OPENBLAS_NUM_THREADS=1 "$LOFT" run "$T/$x.lua" --results "$T/two" > /dev/null 2>&1
  for m in adamw lora loft; do
    n=$(attr "$T/one/$x.h5" "$m.steps=50.seed=1" gradient_numbers)
    a10=$(attr "$T/one/$x.h5" "$m.steps=10.seed=1" wall_seconds); a50=$(attr "$T/one/$x.h5" "$m.steps=50.seed=1" wall_seconds)
    b10=$(attr "$T/two/$x.h5" "$m.steps=10.seed=1" wall_seconds); b50=$(attr "$T/two/$x.h5" "$m.steps=50.seed=1" wall_seconds)
    awk -v t=$([ $x = b ] && echo vit || echo gpt) -v m=$m -v n="$n" -v a10="$a10" -v a50="$a50" -v b10="$b10" -v b50="$b50" \
      'BEGIN { a = (a50 - a10) / 40; b = (b50 - b10) / 40;
               printf "%-5s %-6s %10.0f KiB %12.1f %12.1f %8.2f\n", t, m, n * 4 / 1024, 1 / a, 1 / b, a / b }'
  done
done
