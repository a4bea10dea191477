#!/usr/bin/env bash
# Paired batches: in the ViT and the GPT, the training batches come from a stream of the seed
# alone (rng.h: RNG_DATA_STREAM), apart from the model's and adapters' init, so for one seed every
# method and rank (full AdamW, a split batch, a spectral init included) trains on the same batches
# in the same order: each run's batch_fingerprint (a hash of every batch index it drew) is the
# same across the runs of a seed and differs between seeds.
# Usage: tests/test_pairing.sh build/loft
set -u
LOFT=${1:-build/loft}
cd "$(dirname "$0")/.."
. tests/checks.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# the distinct batch fingerprints of the runs of seed $2 in results file $1
prints() {
  for run in $(h5ls "$1/runs" | awk '{print $1}' | grep "seed=$2\$"); do
    h5dump -a "/runs/$run/batch_fingerprint" "$1" | grep -o '"[0-9a-f]*"'
  done | sort -u
}

synthetic_digits "$T/digits"
"$LOFT" data-mnist "$T/digits" "$T/mnist.bin" > /dev/null 2>&1
V="--set data_file=$T/mnist.bin --set checkpoint=$T/ckpt.h5"
"$LOFT" run tests/data/vit_tiny_pretrain.lua $V --results "$T/vp" > /dev/null 2>&1
"$LOFT" run tests/data/pairing_vit.lua $V --results "$T/v" > "$T/v.log" 2>&1
expect "ViT: 18 runs (LoRA, LoFT, DoRA with a split batch, PiSSA at ranks 1 and 4, full AdamW; 2 seeds) complete" \
  "grep -q '18 runs finished, 0 failed' '$T/v.log'"
expect "ViT: every run of seed 1 trained on the same batches" "[ \$(prints '$T/v/pairing_vit.h5' 1 | wc -l) = 1 ]"
expect "ViT: every run of seed 2 trained on the same batches" "[ \$(prints '$T/v/pairing_vit.h5' 2 | wc -l) = 1 ]"
expect "ViT: seeds 1 and 2 trained on different batches" \
  "[ \"\$(prints '$T/v/pairing_vit.h5' 1)\" != \"\$(prints '$T/v/pairing_vit.h5' 2)\" ]"

# test_items: the interval carries the test set's binomial sampling error, sqrt(h^2 + (1.96 se)^2)
"$LOFT" table tests/data/pairing_vit.lua --results "$T/v" --out "$T/vt" > /dev/null 2>&1
N=$(h5dump -a '/runs/lora.rank=1.seed=1/test_images' "$T/v/pairing_vit.h5" 2>/dev/null | grep -o '(0): [0-9]*' | grep -o '[0-9]*$')
cells() { awk -v cap="$1" 'index($0, cap) { on = 1; next } on && /^\| lora \|/ { print; exit }' "$T/vt.md" | grep -oE '[0-9.]+ ± [0-9.]+' | head -1; }
plain=$(cells 'seeds only'); items=$(cells 'with items')
expect "a test_items table widens the interval by the test set's sampling error: h^2 + (1.96 sqrt(p (1 - p) / N))^2 (N = $N; $plain -> $items)" \
  "echo '$plain $items $N' | awk '{ p = \$1 / 100; se = 100 * sqrt(p * (1 - p) / \$7); w = sqrt(\$3 * \$3 + 1.959964 * 1.959964 * se * se); exit !(\$4 == \$1 && (w - \$6 < 2e-4 && \$6 - w < 2e-4) && \$6 > \$3) }'"

tiny_corpora "$T/text"
G="--set text_dir=$T/text --set tokenizer=$T/tok.txt --set gpt_checkpoint=$T/gpt.h5"
"$LOFT" run tests/data/gpt_tiny_pretrain.lua $G --results "$T/gp" > /dev/null 2>&1
"$LOFT" run tests/data/pairing_gpt.lua $G --results "$T/g" > "$T/g.log" 2>&1
expect "GPT: 18 runs complete" "grep -q '18 runs finished, 0 failed' '$T/g.log'"
expect "GPT: every run of seed 1 trained on the same batches" "[ \$(prints '$T/g/pairing_gpt.h5' 1 | wc -l) = 1 ]"
expect "GPT: every run of seed 2 trained on the same batches" "[ \$(prints '$T/g/pairing_gpt.h5' 2 | wc -l) = 1 ]"
expect "GPT: seeds 1 and 2 trained on different batches" \
  "[ \"\$(prints '$T/g/pairing_gpt.h5' 1)\" != \"\$(prints '$T/g/pairing_gpt.h5' 2)\" ]"

echo "test_pairing: $checks checks, $failures failed"
[ $failures = 0 ]
