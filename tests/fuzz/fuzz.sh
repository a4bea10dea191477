#!/usr/bin/env bash
# The fuzz suite (`make test-fuzz`): for SECONDS seconds, mutated copies of every kind of input
# the harness reads -- YAML configs, Lua experiments, HDF5 results and problem files, GPT-2
# safetensors / config.json / vocab.json / merges.txt, our tokenizer and checkpoints, the MNIST
# file and its JSON digits, the text corpora -- go through the `loft` binary built with ASan and
# UBSan. A crash is a signal or a sanitizer report; a hang is a run past its timeout; a clean
# error (exit 1 or 2) is the expected answer. Inputs that crash or hang are kept in
# tests/fuzz/found/ (replay them, fix, then move them to tests/fuzz/regressions/KIND/, which every
# run replays first). Usage: tests/fuzz/fuzz.sh LOFT_ASAN MUTATE [SECONDS]
set -u
LOFT=$(realpath "$1"); MUTATE=$(realpath "$2"); SECONDS_BUDGET=${3:-120}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
W=$(mktemp -d /tmp/loft-fuzz-XXXXXX)
trap 'rm -rf "$W"' EXIT
FOUND="$ROOT/tests/fuzz/found"
# allocator_may_return_null: an impossible allocation (a size a corrupted file dictates, e.g. inside
# libhdf5) returns NULL as malloc does in production, so the library's own error path is tested;
# lsan.supp: leaks inside libhdf5 on those error paths (see the file)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99:allocator_may_return_null=1 \
       LSAN_OPTIONS=suppressions=$ROOT/tests/fuzz/lsan.supp \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
inputs=0; crashes=0; hangs=0; clean=0

# ---- seeds: small real inputs of every kind, made once
mkdir -p "$W/seed/digits" "$W/seed/text" "$W/seed/gpt2"
for d in 0 1 2 3 4 5 6 7 8 9; do
  awk -v d=$d 'BEGIN { printf "{ \"data\": ["; for (i = 0; i < 6 * 784; i++) printf "%s%.2f", (i ? "," : ""), ((i * 7 + d * 131) % 100) / 100.0; printf "] }" }' > "$W/seed/digits/$d.json"
done
"$LOFT" data-mnist "$W/seed/digits" "$W/seed/mnist.bin" > /dev/null 2>&1 || { echo "fuzz: cannot build the MNIST seed"; exit 1; }
head -c 6000 README.md > "$W/seed/text/fortunes.txt"; head -c 4000 Makefile > "$W/seed/text/jargon.txt"
cp tests/golden/gpt2_tiny/config.json tests/golden/gpt2_tiny/vocab.json tests/golden/gpt2_tiny/merges.txt \
   tests/golden/gpt2_tiny/model.safetensors "$W/seed/gpt2/"
V="--set data_file=$W/seed/mnist.bin --set checkpoint=$W/seed/vit.h5 --set steps=2"
G="--set text_dir=$W/seed/text --set tokenizer=$W/seed/tok.txt --set gpt_checkpoint=$W/seed/gpt.h5 --set steps=2"
"$LOFT" run tests/data/vit_tiny_pretrain.lua $V --results "$W/seed/r" > /dev/null 2>&1
"$LOFT" run tests/data/gpt_tiny_pretrain.lua $G --results "$W/seed/r" > /dev/null 2>&1
"$LOFT" run tests/data/tiny.lua --set steps=5 --results "$W/seed/r" > /dev/null 2>&1
for f in vit.h5 gpt.h5 tok.txt r/tiny.h5; do [ -s "$W/seed/$f" ] || { echo "fuzz: seed $f was not made"; exit 1; }; done
for ds in target A0 B0 bias0; do
  h5copy -i "$W/seed/r/tiny.h5" -o "$W/seed/problem.h5" -s "/runs/lora.rank=2.seed=1/problem/$ds" -d "/$ds" 2>/dev/null
done
printf 'experiment { name = "p", base = "configs/mf.yaml", set = { ["in"] = 24, out = 16, target_rank = 2, rank = 2, steps = 3, problem_file = "%s" } }\n' \
  "$W/in/problem.h5" > "$W/problem.lua"

# run CMD... on the mutated input; counts it and keeps it when it crashes or hangs
try() {
  local kind=$1 input=$2; shift 2
  inputs=$((inputs + 1))
  timeout 20 "$@" > "$W/out" 2>&1
  local rc=$?
  if [ $rc = 124 ]; then
    hangs=$((hangs + 1)); mkdir -p "$FOUND/$kind"; cp "$input" "$FOUND/$kind/hang-$inputs-$(basename "$input")"
    echo "  HANG  $kind: $* (kept in tests/fuzz/found/$kind)"
  elif [ $rc -ge 98 ] || grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$W/out"; then
    crashes=$((crashes + 1)); mkdir -p "$FOUND/$kind"; cp "$input" "$FOUND/$kind/crash-$inputs-$(basename "$input")"
    echo "  CRASH $kind (rc $rc): $* (kept in tests/fuzz/found/$kind)"; grep -m3 -E 'ERROR|runtime error|SUMMARY' "$W/out" | sed 's/^/        /'
  else
    clean=$((clean + 1))
  fi
}

# one input of a kind through the command that reads it; $1 = kind, $2 = the input file to use
feed() {
  local kind=$1 in=$2
  rm -rf "$W/in" "$W/o"; mkdir -p "$W/in" "$W/o"
  case $kind in
    yaml)       cp "$in" "$W/in/c.yaml"; printf 'experiment { name = "y", base = "%s" }\n' "$W/in/c.yaml" > "$W/in/y.lua"
                try yaml "$in" "$LOFT" list "$W/in/y.lua" ;;
    lua)        cp "$in" "$W/in/e.lua"; try lua "$in" "$LOFT" list "$W/in/e.lua" ;;
    results)    cp "$in" "$W/in/r.h5"
                try results "$in" "$LOFT" show "$W/in/r.h5"
                try results "$in" "$LOFT" table "$W/in/r.h5" --out "$W/o/t"
                try results "$in" "$LOFT" export "$W/in/r.h5" --out "$W/o/d" ;;
    problem)    cp "$in" "$W/in/problem.h5"; try problem "$in" "$LOFT" run "$W/problem.lua" --results "$W/o" ;;
    gpt2-*)     cp "$W/seed/gpt2/"* "$W/in/"; cp "$in" "$W/in/${kind#gpt2-}"
                try "$kind" "$in" "$LOFT" run tests/data/gpt_tiny.lua --only lora --set text_dir=$W/seed/text \
                  --set gpt_checkpoint=$W/in/model.safetensors --set steps=1 --results "$W/o" ;;
    tokenizer)  cp "$in" "$W/in/tok.txt"
                try tokenizer "$in" "$LOFT" run tests/data/gpt_tiny.lua --only lora $G --set tokenizer=$W/in/tok.txt --results "$W/o" ;;
    gpt-ckpt)   cp "$in" "$W/in/gpt.h5"
                try gpt-ckpt "$in" "$LOFT" run tests/data/gpt_tiny.lua --only lora $G --set gpt_checkpoint=$W/in/gpt.h5 --results "$W/o" ;;
    vit-ckpt)   cp "$in" "$W/in/vit.h5"
                try vit-ckpt "$in" "$LOFT" run tests/data/vit_tiny.lua --only lora.vit_target=unseen $V --set checkpoint=$W/in/vit.h5 --results "$W/o" ;;
    mnist)      cp "$in" "$W/in/mnist.bin"
                try mnist "$in" "$LOFT" run tests/data/vit_tiny.lua --only lora.vit_target=unseen $V --set data_file=$W/in/mnist.bin --results "$W/o" ;;
    digits)     cp -r "$W/seed/digits" "$W/in/digits"; cp "$in" "$W/in/digits/$((RANDOM % 10)).json"
                try digits "$in" "$LOFT" data-mnist "$W/in/digits" "$W/o/m.bin" ;;
    text)       mkdir -p "$W/in/text"; cp "$W/seed/text/"* "$W/in/text/"; cp "$in" "$W/in/text/jargon.txt"
                try text "$in" "$LOFT" run tests/data/gpt_tiny.lua --only lora $G --set text_dir=$W/in/text --results "$W/o" ;;
    corpus)     mkdir -p "$W/in/text"; cp "$in" "$W/in/text/fortunes.txt"
                try corpus "$in" "$LOFT" run tests/data/gpt_tiny_pretrain.lua $G --set text_dir=$W/in/text \
                  --set tokenizer=$W/o/tok.txt --set gpt_checkpoint=$W/o/g.h5 --results "$W/o" ;;
  esac
}

declare -A SEED=(
  [yaml]=configs/gpt.yaml [lua]=tests/data/vit_tiny.lua [results]=$W/seed/r/tiny.h5 [problem]=$W/seed/problem.h5
  [gpt2-config.json]=$W/seed/gpt2/config.json [gpt2-vocab.json]=$W/seed/gpt2/vocab.json
  [gpt2-merges.txt]=$W/seed/gpt2/merges.txt [gpt2-model.safetensors]=$W/seed/gpt2/model.safetensors
  [tokenizer]=$W/seed/tok.txt [gpt-ckpt]=$W/seed/gpt.h5 [vit-ckpt]=$W/seed/vit.h5 [mnist]=$W/seed/mnist.bin
  [digits]=$W/seed/digits/3.json [text]=$W/seed/text/jargon.txt [corpus]=$W/seed/text/fortunes.txt
)
EXTRA_SEEDS=(yaml:configs/mf.yaml yaml:configs/vit.yaml lua:tests/data/tiny.lua lua:experiments/gpt_ablation.lua
             lua:tests/data/gpt_tiny.lua)

# ---- regressions first: every input that once crashed
for f in tests/fuzz/regressions/*/*; do
  [ -f "$f" ] || continue
  feed "$(basename "$(dirname "$f")")" "$f"
done
reg=$inputs
echo "fuzz: $reg regression inputs replayed ($crashes crashes, $hangs hangs)"

# ---- mutated inputs, round robin over the kinds, until the budget is spent
start=$(date +%s); n=0
kinds=("${!SEED[@]}")
while [ $(( $(date +%s) - start )) -lt "$SECONDS_BUDGET" ]; do
  for kind in "${kinds[@]}"; do
    seed=${SEED[$kind]}
    if [ $((n % 3)) = 2 ]; then   # now and then one of the other seeds of the kind
      for e in "${EXTRA_SEEDS[@]}"; do [ "${e%%:*}" = "$kind" ] && [ $((RANDOM % 2)) = 0 ] && seed=${e#*:}; done
    fi
    "$MUTATE" "$seed" "$W/mut.${seed##*.}" $((n * 7919 + 17)) > /dev/null 2>&1 || continue
    feed "$kind" "$W/mut.${seed##*.}"
    n=$((n + 1))
    [ $(( $(date +%s) - start )) -ge "$SECONDS_BUDGET" ] && break
  done
done
echo "fuzz: $inputs inputs ($((inputs - reg)) mutated, $n mutations) in $(( $(date +%s) - start )) s: $clean clean errors or runs, $crashes crashes, $hangs hangs"
[ "$crashes" = 0 ] && [ "$hangs" = 0 ]
