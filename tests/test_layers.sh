#!/usr/bin/env bash
# The house's layering, checked on the code itself: the include graph between modules has no
# cycle; io/ and text/ know no task, model or optimizer; the compute seam (compute/) depends on
# nothing above it and is the only place that touches BLAS or OpenMP; models, layers and
# optimizers never reach up to the run layer; and the float/double boundary holds: the
# precision-free files (run layer, registry, I/O, reports, Lua, CLI) never include core/real.h,
# and their objects reference no _f32/_f64 symbol except the optimizer tables OPTIM_API_f32/_f64.
# Usage: tests/test_layers.sh BUILD_DIR (the objects of `make`).
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. "$(dirname "$0")/checks.sh"

# the module of a file: its folder under core/, or the file's stem for core/*.{c,h}
module() { case "$1" in core/*/*) echo "$1" | cut -d/ -f1-2 ;; *) echo "${1%.*}" ;; esac; }

# direct includes as "file included-file" lines (paths resolved relative to the including file)
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in $(find core -name '*.[ch]' | sort); do
  dir=$(dirname "$f")
  grep -oE '^#include "[^"]+"' "$f" | sed 's/#include "//; s/"$//' | while read -r inc; do
    if [ -f "$dir/$inc" ]; then p=$(realpath --relative-to=. "$dir/$inc"); elif [ -f "core/$inc" ]; then p="core/$inc"; else continue; fi
    echo "$f $p"
  done
done > "$edges"

# 1. no cycle between modules (tsort fails on a loop)
pairs=$(while read -r a b; do ma=$(module "$a"); mb=$(module "$b"); [ "$ma" != "$mb" ] && echo "$ma $mb"; done < "$edges" | sort -u)
if echo "$pairs" | tsort > /dev/null 2> /tmp/loft-tsort.$$; then ok "the module include graph has no cycle ($(echo "$pairs" | wc -l) edges)"
else fail "the module include graph has a cycle: $(cat /tmp/loft-tsort.$$ | tr '\n' ' ')"; fi
rm -f /tmp/loft-tsort.$$

# forbid FROM_REGEX TO_REGEX WHAT: no file matching FROM includes a file matching TO
forbid() {
  local bad
  bad=$(awk -v from="$1" -v to="$2" '$1 ~ from && $2 ~ to' "$edges")
  if [ -z "$bad" ]; then ok "$3"; else fail "$3: $(echo "$bad" | tr '\n' ';')"; fi
}
ABOVE_IO='^core/(tasks|nn|adapters|optim|compute|lua)/|^core/(run|task|report|report_spec|main)\.'
forbid '^core/(io|text)/' "$ABOVE_IO" "io/ and text/ include no task, model, optimizer, run or report header"
forbid '^core/compute/' '^core/(tasks|nn|adapters|optim|io|text|lua)/|^core/(run|task|report|init|rng)\.' \
  "compute/ (the kernel seam) includes nothing above it"
forbid '^core/(nn|adapters|optim)/' '^core/(tasks|lua)/|^core/(run|task|report|report_spec|main)\.' \
  "layers, adapters and optimizers never include a task or the run layer"
forbid '^core/tasks/' '^core/(lua)/|^core/(run|report|report_spec|main)\.' "tasks never include the run loop, reports or Lua"
forbid '^core/(run|task|report)\.' '^core/tasks/(mf|vit|gpt|gpt2_hf)\.h' "the run loop and reports name no task"

# 2. BLAS and OpenMP only behind the seam
hits=$(grep -rlE '#include <cblas.h>|#include <omp.h>|#pragma omp' core | grep -v '^core/compute/cpu/' || true)
if [ -z "$hits" ]; then ok "BLAS and OpenMP appear only in compute/cpu/"; else fail "BLAS/OpenMP outside compute/cpu/: $hits"; fi
hits=$(grep -rlE '#include <(cuda_runtime|cublas_v2|cuda)\.h>|__global__' core | grep -v '^core/compute/cuda/' || true)
if [ -z "$hits" ]; then ok "CUDA appears only in compute/cuda/"; else fail "CUDA outside compute/cuda/: $hits"; fi
hits=$(grep -rnE '\b(memset|memcpy)\([^;]*sizeof\(real\)' core/nn core/adapters core/optim core/tasks/mf.c core/tasks/vit.c core/tasks/gpt.c || true)
if [ -z "$hits" ]; then ok "layers, adapters, optimizers and models copy tensors through the seam (vec_copy / vec_zero)"
else fail "raw memset/memcpy of tensors above the seam: $hits"; fi

# 3. the float/double boundary: precision-free sources never include core/real.h, even indirectly
COMMON=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -f Makefile print-common-src 2>/dev/null)   # not the calling make's flags (-j prints directories)
if [ -z "$COMMON" ]; then fail "make print-common-src lists the precision-free sources"; fi
CFLAGS_INC="-Icore -I$BUILD/gen $(pkg-config --cflags openblas hdf5-serial lua5.4 yaml-0.1 2>/dev/null)"
leaks=""
for f in $COMMON core/main.c; do
  deps=$(gcc -MM $CFLAGS_INC "$f" 2>/dev/null | tr ' \\' '\n\n' | grep -c 'core/real\.h$')
  [ "$deps" != 0 ] && leaks="$leaks $f"
done
if [ -z "$leaks" ]; then ok "$(echo $COMMON core/main.c | wc -w) precision-free files never include core/real.h"
else fail "precision-free files that include core/real.h:$leaks"; fi
syms=""
for f in $COMMON; do
  o="$BUILD/common/${f%.c}.o"
  [ -f "$o" ] || { syms="$syms missing:$o"; continue; }
  s=$(nm -u "$o" | awk '{print $NF}' | grep -E '_f(32|64)$' | grep -vE '^OPTIM_API_f(32|64)$' || true)
  [ -n "$s" ] && syms="$syms $f:$(echo $s | tr ' ' ',')"
done
if [ -z "$syms" ]; then ok "precision-free objects call no _f32/_f64 function (only the OPTIM_API tables)"
else fail "precision-free objects reaching into one precision:$syms"; fi

echo "test_layers: $checks checks, $failures failed"
[ "$failures" = 0 ]
