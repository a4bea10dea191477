#!/usr/bin/env bash
# The SentencePiece golden of tests/test_tokenizer.c: no real Llama-2 tokenizer.model can be had
# here without a download, so a model with Llama-2's settings (BPE, byte fallback, split digits,
# dummy prefix, identity normalizer, extra whitespace kept) is trained by Debian's spm_train on
# Debian text (GPL-3 and man pages in seven languages), and its ids for tests/golden/tokenizers/
# texts/* are written by the spm_encode CLI into spm/expected.tsv. Run by hand; needs `sentencepiece`.
set -euo pipefail
G=tests/golden/tokenizers
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cat /usr/share/common-licenses/GPL-3 > "$W/train.txt"
for m in ja/man5/apt.conf.5 ru/man1/man.1 zh_CN/man1/man.1 ko/man1/xzcat.1 de/man1/ps.1 fr/man1/ps.1 uk/man1/ps.1; do
  zcat "/usr/share/man/$m.gz" >> "$W/train.txt"
done
mkdir -p "$G/spm"
spm_train --input="$W/train.txt" --model_prefix="$W/m" --model_type=bpe --vocab_size=2000 --byte_fallback=true \
  --split_digits=true --add_dummy_prefix=true --remove_extra_whitespaces=false --normalization_rule_name=identity \
  --character_coverage=0.99 --unk_id=0 --bos_id=1 --eos_id=2 --max_sentence_length=100000 > "$W/train.log" 2>&1 || { tail -5 "$W/train.log" >&2; exit 1; }
cp "$W/m.model" "$G/spm/tokenizer.model"
: > "$G/spm/expected.tsv"
for f in "$G"/texts/*; do
  # spm_encode reads a line at a time: the ids of a file are those of its lines (no newline pieces)
  ids=$(spm_encode --model="$G/spm/tokenizer.model" --output_format=id < "$f" | tr '\n' ' ' | sed 's/  */ /g; s/^ //; s/ $//')
  printf '%s\t%s\t%s\n' "$(basename "$f")" "$(echo "$ids" | wc -w)" "$ids" >> "$G/spm/expected.tsv"
done
