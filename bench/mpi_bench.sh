#!/usr/bin/env bash
# `make bench` (part): data-parallel speed on this machine. The ViT and the GPT at the ablations'
# sizes (batch 32 and 8), full AdamW, LoRA r = 8 and LoFT r = 8, run by one process and by
# `mpirun -np 2` (each process one BLAS thread), against one process with one BLAS thread and
# with two (the same 2 cores as np = 2: the fair baseline), plus the
# all-reduce each step carries (the run's gradient_numbers attribute x 4 bytes). A step's time is
# (wall time of 220 steps - wall time of 20) / 200, so the evaluations (first and last step) and the
# start-up cancel. Prints steps/s and the ratios np = 2 / np = 1 (1 thread) and np = 2 / np = 1 (2 threads). Needs `make data pretrain-vit pretrain-gpt` and Open MPI
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
  grid = { steps = { 20, 220 } },
  variants = { { label = "adamw", method = "adamw" }, { label = "lora", method = "lora" }, { label = "loft", method = "loft" } },
}
EOT
sed 's|configs/vit.yaml|configs/gpt.yaml|; s|name = "b"|name = "g"|' "$T/b.lua" > "$T/g.lua"
attr() { h5dump -a "/runs/$2/$3" "$1" 2> /dev/null | sed -n 's/.*(0): *//p' | head -1; }
printf "%-5s %-6s %14s %14s %14s %12s %9s %9s\n" task method "all-reduce" "np=1,1t st/s" "np=1,2t st/s" "np=2 st/s" "vs 1t" "vs 2t"
for x in b g; do
  OPENBLAS_NUM_THREADS=1 "$LOFT" run "$T/$x.lua" --results "$T/one" > /dev/null 2>&1
  OPENBLAS_NUM_THREADS=2 "$LOFT" run "$T/$x.lua" --results "$T/onetwo" > /dev/null 2>&1
  mpirun --oversubscribe -np 2 -x OPENBLAS_NUM_THREADS=1 "$LOFT" run "$T/$x.lua" --results "$T/two" > /dev/null 2>&1
  for m in adamw lora loft; do
    n=$(attr "$T/one/$x.h5" "$m.steps=220.seed=1" gradient_numbers)
    a10=$(attr "$T/one/$x.h5" "$m.steps=20.seed=1" wall_seconds); a50=$(attr "$T/one/$x.h5" "$m.steps=220.seed=1" wall_seconds)
    b10=$(attr "$T/two/$x.h5" "$m.steps=20.seed=1" wall_seconds); b50=$(attr "$T/two/$x.h5" "$m.steps=220.seed=1" wall_seconds)
    c10=$(attr "$T/onetwo/$x.h5" "$m.steps=20.seed=1" wall_seconds); c50=$(attr "$T/onetwo/$x.h5" "$m.steps=220.seed=1" wall_seconds)
    awk -v t=$([ $x = b ] && echo vit || echo gpt) -v m=$m -v n="$n" -v a10="$a10" -v a50="$a50" -v b10="$b10" -v b50="$b50" \
        -v c10="$c10" -v c50="$c50" \
      'BEGIN { a = (a50 - a10) / 200; b = (b50 - b10) / 200; c = (c50 - c10) / 200;
               printf "%-5s %-6s %10.0f KiB %14.1f %14.1f %12.1f %9.2f %9.2f\n", t, m, n * 4 / 1024, 1 / a, 1 / c, 1 / b, a / b, c / b }'
  done
done
