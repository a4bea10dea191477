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

# rows without a trained token (their loss would be 0 / 0 = NaN): records whose prompt fills the
# first ctx + 1 tokens; a few short records among them, so that packed windows can still learn
for i in $(seq 1 40); do
  printf '{"prompt": "Please read this long preamble with care before you answer the question at its end. What is %d plus %d?", "completion": " %d."}\n' $i $i $((2 * i))
done > "$T/long.jsonl"
for i in $(seq 1 12); do printf '{"text": "%d plus %d is %d."}\n' $i $i $((2 * i)); done >> "$T/long.jsonl"
"$LOFT" run experiments/llama_finetune.lua --only loft.seed=1 --set ctx=8 --set llama_data="$T/long.jsonl" --results "$T/n1" > "$T/nan_pad" 2>&1; rc=$?
expect "padded, a record whose prompt fills ctx + 1 tokens is refused, naming the file and line" \
  "[ $rc != 0 ] && grep -q \"$T/long.jsonl:1: none of the record's first ctx + 1 = 9 tokens is trained on\" '$T/nan_pad'"
"$LOFT" run experiments/llama_finetune.lua --only loft.seed=1 --set ctx=8 --set steps=6 --set llama_packing=pack --set llama_val_data=tests/data/llama_tiny.jsonl \
  --set llama_data="$T/long.jsonl" --results "$T/n2" > "$T/nan_pack" 2>&1; rc=$?
H="$T/n2/llama_finetune.h5"
redrawn=$(attr "$H" loft.seed=1 windows_redrawn 2>/dev/null); share=$(attr "$H" loft.seed=1 trained_window_share 2>/dev/null)
final=$(attr "$H" loft.seed=1 final_loss 2>/dev/null)
expect "packed, windows without a trained token are drawn again: 6 steps complete with a finite loss ($final; $redrawn windows redrawn, share with a label $share)" \
  "[ $rc = 0 ] && grep -q 'complete' '$T/nan_pack' && awk -v l='$final' -v r='$redrawn' -v s='$share' 'BEGIN { exit !(l + 0 > 0 && l + 0 < 100 && r + 0 > 0 && s > 0 && s < 0.9) }'"
# one record whose prompt (30 preambles, over 1,000 tokens) outlasts the 64 validation windows of 8
printf '{"prompt": "%s What is 1 plus 1?", "completion": " 2."}\n' "$(for i in $(seq 1 30); do printf 'Please read this long preamble with care before you answer the question at its end. '; done)" > "$T/val_long.jsonl"
"$LOFT" run experiments/llama_finetune.lua --only loft.seed=1 --set ctx=8 --set llama_packing=pack --set llama_val_data="$T/val_long.jsonl" \
  --results "$T/n3" > "$T/nan_val" 2>&1; rc=$?
expect "packed validation rows without a trained token are refused, naming the file" \
  "[ $rc != 0 ] && grep -q \"$T/val_long.jsonl: the .* validation rows hold no token trained on\" '$T/nan_val'"

# the tokenizer read from tokenizer.json (text/hf_tokenizer.h): the tiny model's vocab.json +
# merges.txt written as Hugging Face's tokenizer.json (ByteLevel pre-tokenizer, <|endoftext|> an
# added token), in a folder without them: the same ids, so the same validation loss bit for bit
mkdir -p "$T/tiny_tj" "$T/tiny_none"
cp tests/golden/llama_tiny/config.json tests/golden/llama_tiny/model*.safetensors* "$T/tiny_tj/"
cp tests/golden/llama_tiny/config.json tests/golden/llama_tiny/model*.safetensors* "$T/tiny_none/"
/usr/bin/python3 - tests/golden/llama_tiny "$T/tiny_tj/tokenizer.json" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
vocab = json.load(open(src + "/vocab.json", encoding="utf-8"))
merges = [l.rstrip("\n") for l in open(src + "/merges.txt", encoding="utf-8") if l.strip() and not l.startswith("#version")]
byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
         for t in vocab if t == "<|endoftext|>"]
json.dump({"version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
           "pre_tokenizer": byte_level, "post_processor": byte_level, "decoder": byte_level,
           "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "", "end_of_word_suffix": "",
                     "fuse_unk": False, "byte_fallback": False, "vocab": vocab, "merges": merges}}, open(out, "w"), ensure_ascii=False)
PY
for d in tiny_tj llama_tiny; do
  dir="$T/$d"; [ $d = llama_tiny ] && dir=tests/golden/llama_tiny
  "$LOFT" run experiments/llama_finetune.lua --only lora.seed=1 --set steps=1 --set lr=0 --set eval_every=1 --set llama_checkpoint="$dir" \
    --results "$T/tok_$d" > "$T/tok_$d.log" 2>&1
done
from_tj=$(val0 "$T/tok_tiny_tj/llama_finetune.h5" lora.seed=1 2>/dev/null); from_vm=$(val0 "$T/tok_llama_tiny/llama_finetune.h5" lora.seed=1 2>/dev/null)
tt_tj=$(attr "$T/tok_tiny_tj/llama_finetune.h5" lora.seed=1 train_tokens 2>/dev/null); tt_vm=$(attr "$T/tok_llama_tiny/llama_finetune.h5" lora.seed=1 train_tokens 2>/dev/null)
expect "tokenizer.json alone reads as vocab.json + merges.txt did ($tt_tj vs $tt_vm training tokens; val_loss at step 0: $from_tj vs $from_vm, equal)" \
  "[ -n '$from_tj' ] && [ '$from_tj' = '$from_vm' ] && [ -n '$tt_tj' ] && [ '$tt_tj' = '$tt_vm' ] && h5dump -a '/runs/lora.seed=1/tokenizer' '$T/tok_tiny_tj/llama_finetune.h5' | grep -q '\"tokenizer.json\"' && h5dump -a '/runs/lora.seed=1/tokenizer' '$T/tok_llama_tiny/llama_finetune.h5' | grep -q 'vocab.json + merges.txt'"
"$LOFT" run experiments/llama_finetune.lua --only lora.seed=1 --set llama_checkpoint="$T/tiny_none" --results "$T/tok_none" > "$T/tok_none.log" 2>&1; rc=$?
expect "a folder with no tokenizer file is refused, naming the files it looked for" \
  "[ $rc != 0 ] && grep -q 'tiny_none: no tokenizer.model (SentencePiece), tokenizer.json or vocab.json + merges.txt' '$T/tok_none.log'"

# SentencePiece (tokenizer.model, as Llama 2 and TinyLlama ship it): the tiny model widened to the
# 2,000 pieces of tests/golden/tokenizers/spm/tokenizer.model (its embedding and head redrawn), on
# the lines of a text whose ids spm_encode wrote into spm/expected.tsv: the run's token count is
# theirs plus an EOS per line
mkdir -p "$T/tiny_spm"
/usr/bin/python3 - tests/golden/llama_tiny "$T/tiny_spm" 2000 <<'PY'
import json, struct, sys
import numpy as np
src, out, vocab = sys.argv[1], sys.argv[2], int(sys.argv[3])
def read_st(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    d = {}
    for k, v in h.items():
        if k == "__metadata__": continue
        lo, hi = v["data_offsets"]
        raw = b[8 + n + lo:8 + n + hi]
        if v["dtype"] == "F32": a = np.frombuffer(raw, dtype="<f4")
        elif v["dtype"] == "F16": a = np.frombuffer(raw, dtype="<f2").astype("<f4")
        elif v["dtype"] == "BF16": a = (np.frombuffer(raw, dtype="<u2").astype("<u4") << 16).view("<f4")
        else: raise SystemExit(k + ": dtype " + v["dtype"])
        d[k] = a.reshape(v["shape"])
    return d
idx = json.load(open(src + "/model.safetensors.index.json"))
t = {}
for f in sorted(set(idx["weight_map"].values())): t.update(read_st(src + "/" + f))
cfg = json.load(open(src + "/config.json"))
cfg.update(vocab_size=vocab, bos_token_id=1, eos_token_id=2)
rng = np.random.default_rng(1)
C = cfg["hidden_size"]
t["model.embed_tokens.weight"] = (rng.standard_normal((vocab, C)) * 0.02).astype("<f4")
t["lm_head.weight"] = (rng.standard_normal((vocab, C)) * 0.02).astype("<f4")
h, off, blobs = {}, 0, []
for k in sorted(t):
    a = np.ascontiguousarray(t[k], dtype="<f4").tobytes()
    h[k] = {"dtype": "F32", "shape": list(t[k].shape), "data_offsets": [off, off + len(a)]}
    off += len(a); blobs.append(a)
hb = json.dumps(h).encode()
hb += b" " * ((8 - len(hb) % 8) % 8)
with open(out + "/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(hb))); f.write(hb); [f.write(x) for x in blobs]
json.dump(cfg, open(out + "/config.json", "w"), indent=2)
PY
cp tests/golden/tokenizers/spm/tokenizer.model "$T/tiny_spm/"
/usr/bin/python3 -c "
import json, sys
for l in open(sys.argv[1], encoding='utf-8'): print(json.dumps({'text': l.rstrip('\\n')}, ensure_ascii=False))" \
  tests/golden/tokenizers/texts/dpkg-changelog.excerpt > "$T/spm.jsonl"
want=$(( $(awk -F'\t' '$1 == "dpkg-changelog.excerpt" { print $2 }' tests/golden/tokenizers/spm/expected.tsv) + $(wc -l < "$T/spm.jsonl") ))
"$LOFT" run experiments/llama_finetune.lua --only lora.seed=1 --set steps=3 --set llama_packing=pack --set llama_checkpoint="$T/tiny_spm" \
  --set llama_data="$T/spm.jsonl" --set llama_val_data=tests/data/llama_tiny.jsonl --results "$T/spm" > "$T/spm.log" 2>&1; rc=$?
got=$(attr "$T/spm/llama_finetune.h5" lora.seed=1 train_tokens 2>/dev/null)
expect "tokenizer.model (SentencePiece) encodes the records as spm_encode did ($got training tokens, expected $want) and trains (exit $rc)" \
  "[ $rc = 0 ] && awk -v a='$got' -v b='$want' 'BEGIN { exit !(b > 100 && a == b) }' && h5dump -a '/runs/lora.seed=1/tokenizer' '$T/spm/llama_finetune.h5' | grep -q 'tokenizer.model'"

echo "test_llama: $checks checks, $failures failed"
[ "$failures" = 0 ]
