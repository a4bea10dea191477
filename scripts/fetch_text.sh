#!/usr/bin/env bash
# `make data` (text part): the GPT corpora from Debian packages, nothing else downloaded.
#   data/text/fortunes.txt  every English fortune of Debian's `fortunes` (BSD-style licences,
#                           see /usr/share/doc/fortunes/copyright), '%' separators removed
#   data/text/jargon.txt    the Jargon File 4.4.7 from `jargon-text` (public domain)
# Installs the two packages when missing (as root; otherwise prints the line to run).
set -euo pipefail
missing=""
for p in fortunes jargon-text; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
  else
    echo "fetch_text.sh: run as root: apt-get install -y$missing" >&2; exit 1
  fi
fi
mkdir -p data/text
for f in /usr/share/games/fortunes/*; do
  case "$f" in *.dat|*.u8) continue ;; esac
  [ -f "$f" ] && grep -v '^%$' "$f"
done > data/text/fortunes.txt
zcat /usr/share/doc/jargon-text/jargon.txt.gz > data/text/jargon.txt
wc -c data/text/fortunes.txt data/text/jargon.txt
