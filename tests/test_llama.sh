#!/usr/bin/env bash
# The llama task end to end on the tiny random model of tests/gen_llama_golden.py (no download):
# experiments/llama_finetune.lua (LoRA vs LoFT) on the arithmetic JSONL, padded and packed; the
# adapters saved in PEFT's layout, one folder per run ({seed} in the path; two runs writing one
# folder refused), and loaded back for evaluation (the same validation loss, bit for bit); the
# merged weights written and evaluated (the same loss within 1e-5); the task's keys in `loft
# keys`, in the resolved YAML of its runs only, and a typo in one of them named.
# Usage: tests/test_llama.sh build/loft
set -u
LOFT=${1:-build/loft}
cd "$(dirname "$0")/.."
. tests/checks.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$LOFT" keys > "$T/keys" 2>&1
expect "loft keys lists the llama task's own keys (core/tasks/llama_keys.def)" \
  "grep -q 'Keys of the task llama' '$T/keys' && grep -q 'llama_packing' '$T/keys' && grep -q 'llama_save_adapter' '$T/keys'"
"$LOFT" run experiments/llama_finetune.lua --set llama_pakcing=pack --results "$T/r0" > "$T/typo" 2>&1; rc=$?
expect "a typo in a task key stops the run naming the key it meant" "[ $rc != 0 ] && grep -q \"did you mean 'llama_packing'\" '$T/typo'"

"$LOFT" run experiments/llama_finetune.lua --set steps=6 --set eval_every=3 --results "$T/r" > "$T/run" 2>&1; rc=$?
expect "llama_finetune.lua: LoRA and LoFT, 2 seeds, run (exit $rc)" "[ $rc = 0 ]"
H5="$T/r/llama_finetune.h5"
expect "each run logs its validation loss and perplexity" \
  "h5dump -a '/runs/loft.seed=1/val_loss' '$H5' | grep -q DATA && h5dump -a '/runs/lora.seed=2/val_perplexity' '$H5' | grep -q DATA"
expect "the resolved config of a llama run holds its task's keys" \
  "h5dump -a '/runs/loft.seed=1/config' '$H5' | grep -q 'llama_packing: pad'"
# val0 FILE RUN: the validation loss logged at step 0 (the trajectory's first row)
val0() { /usr/bin/python3 -c "import h5py, sys; g = h5py.File(sys.argv[1])['runs'][sys.argv[2]]; t = g['trajectory']; c = [x.decode() if isinstance(x, bytes) else x for x in t.attrs['columns']]; print(repr(float(t[0, c.index('val_loss')])))" "$1" "$2"; }
# attr FILE RUN NAME: a run's attribute at full precision (h5dump prints 6 digits)
attr() { /usr/bin/python3 -c "import h5py, sys; print(repr(float(h5py.File(sys.argv[1])['runs'][sys.argv[2]].attrs[sys.argv[3]])))" "$1" "$2" "$3"; }
first=$(val0 "$H5" loft.seed=1)
last=$(h5dump -a '/runs/loft.seed=1/val_loss' "$H5" | awk '/\(0\)/ { print $2 }')
expect "LoFT's validation loss falls over 6 steps ($first -> $last)" "awk -v a='$first' -v b='$last' 'BEGIN { exit !(b > 0 && b < a) }'"

"$LOFT" run experiments/llama_finetune.lua --only loft --set steps=4 --set llama_packing=pack --results "$T/p" > "$T/pack" 2>&1; rc=$?
expect "packed records train too (exit $rc)" "[ $rc = 0 ] && h5dump -a '/runs/loft.seed=1/packing' '$T/p/llama_finetune.h5' | grep -q pack"

"$LOFT" run experiments/llama_finetune.lua --only lora --set steps=5 --set llama_save_adapter="$T/adapter" --results "$T/s0" > "$T/same" 2>&1; rc=$?
expect "two runs (seeds 1, 2) saving to one folder are refused before any run, naming both and {seed}" \
  "[ $rc != 0 ] && grep -q 'runs lora.seed=1 and lora.seed=2 would both write' '$T/same' && grep -q '{seed}' '$T/same' && [ ! -e '$T/adapter' ]"
"$LOFT" run experiments/llama_finetune.lua --only lora --set steps=5 --set llama_save_adapter="$T/adapter-{sede}" --results "$T/s1" > "$T/typo2" 2>&1; rc=$?
expect "a misspelt placeholder is named before any run" "[ $rc != 0 ] && grep -q \"{sede} is not a config key of task llama; did you mean 'seed'\" '$T/typo2'"
"$LOFT" run experiments/llama_finetune.lua --only lora --set steps=5 --set llama_save_adapter="$T/adapter-{seed}" \
  --set llama_save_merged="$T/merged-{method}-{seed}" --results "$T/s" > "$T/save" 2>&1; rc=$?
expect "LoRA runs save their adapters (PEFT) and merged weights, each to its own folder (exit $rc)" \
  "[ $rc = 0 ] && [ -s '$T/adapter-1/adapter_model.safetensors' ] && [ -s '$T/adapter-2/adapter_model.safetensors' ] && grep -q '\"target_modules\": \[\"q_proj\"' '$T/adapter-1/adapter_config.json' && [ -s '$T/merged-lora-1/model.safetensors' ] && [ -s '$T/merged-lora-2/config.json' ] && h5dump -a '/runs/lora.seed=2/adapter_saved_to' '$T/s/llama_finetune.h5' | grep -q 'adapter-2'"
"$LOFT" run experiments/llama_finetune.lua --only lora --set steps=1 --set lr=0 --set eval_every=1 --set llama_load_adapter="$T/adapter-{seed}" \
  --results "$T/l" > "$T/load" 2>&1; rc=$?
for s in 1 2; do
  trained=$(attr "$T/s/llama_finetune.h5" lora.seed=$s val_loss)
  loaded=$(val0 "$T/l/llama_finetune.h5" lora.seed=$s)
  expect "seed $s's adapter loaded back evaluates as it was saved (val_loss $trained vs $loaded at step 0, rel. bound 1e-9)" \
    "[ $rc = 0 ] && awk -v a='$trained' -v b='$loaded' 'BEGIN { d = a - b; exit !(a != \"\" && b != \"\" && (d < 0 ? -d : d) <= 1e-9 * a) }'"
done
"$LOFT" run experiments/llama_finetune.lua --only lora.seed=1 --set method=adamw --set steps=1 --set llama_checkpoint="$T/merged-lora-1" \
  --set lr=0 --set eval_every=1 --results "$T/m" > "$T/merged.log" 2>&1; rc=$?
trained=$(attr "$T/s/llama_finetune.h5" lora.seed=1 val_loss)
merged=$(val0 "$T/m/llama_finetune.h5" lora.seed=1)
expect "the merged weights load as a checkpoint and evaluate as the adapter did (val_loss $trained vs $merged, rel. bound 1e-5)" \
  "[ $rc = 0 ] && awk -v a='$trained' -v b='$merged' 'BEGIN { d = a - b; exit !(a != \"\" && b != \"\" && (d < 0 ? -d : d) <= 1e-5 * a) }'"

echo "test_llama: $checks checks, $failures failed"
[ "$failures" = 0 ]
