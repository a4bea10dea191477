#!/usr/bin/env bash
# The checks of the CUDA backend on a GPU machine, as one script (for a session lent a GPU:
# `run` it there with a timeout that leaves room for a rerun). Builds with all cores, then
# `make test-cuda` (kernels, one step of each task, short runs of every method against the CPU)
# and `make bench-gpu` (the GPT step at the ablation's size and at GPT-2 small's shape). Logs go
# to $OUT (or /tmp/gpu_checks) as test-cuda.log, bench-gpu.md and env.txt.
set -u
OUT=${OUT:-/tmp/gpu_checks}
mkdir -p "$OUT"
{
  date -u; uname -a
  nvidia-smi || echo "nvidia-smi: not found"
  command -v nvcc || ls /usr/local/cuda/bin/nvcc || echo "nvcc: not found"
  (nvcc --version || /usr/local/cuda/bin/nvcc --version) 2> /dev/null | tail -2
  for p in libopenblas-dev libhdf5-dev hdf5-tools libyaml-dev liblua5.4-dev pkg-config; do
    dpkg -s "$p" > /dev/null 2>&1 && echo "$p: installed" || echo "$p: MISSING"
  done
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
J=$(nproc)
make -j"$J" build/loft build/loft-cuda > "$OUT/build.log" 2>&1 || { echo "build failed: tail of build.log"; tail -30 "$OUT/build.log"; exit 1; }
make -j"$J" test-cuda 2>&1 | tee "$OUT/test-cuda.log"
rc=${PIPESTATUS[0]}
timeout 300 make bench-gpu 2>&1 | tee "$OUT/bench-gpu.md"
echo "test-cuda exit status: $rc"
exit "$rc"
