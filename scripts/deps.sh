#!/usr/bin/env bash
# Installs the Debian packages the harness needs to build and test (or those named), when any is missing.
# As root it runs apt-get; otherwise it prints the one line to run. `--check` only reports.
set -eu
pkgs="build-essential pkg-config libopenblas-dev libhdf5-dev hdf5-tools libyaml-dev gnuplot-nox liblua5.4-dev lua5.4"
# the t distribution of the tables (core/stats.c)
pkgs="$pkgs libgsl-dev"
# JSON (core/io/json.c); the tokenizers' Unicode regexes and NFC (core/text/)
pkgs="$pkgs libjansson-dev libpcre2-dev libutf8proc-dev"
# SentencePiece models (core/text/spm.cc: g++ and the library); its CLI trains the test model
pkgs="$pkgs g++ libsentencepiece-dev sentencepiece"
# the tests only (never the harness): h5py crafts hostile results files (tests/test_security.sh)
pkgs="$pkgs python3-h5py"
# other packages by name (make test-slurm: slurm-wlm munge; make test-mpi: openmpi-bin libopenmpi-dev)
if [ $# -gt 0 ] && [ "$1" != "--check" ]; then pkgs="$*"; fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "${1:-}" = "--check" ]; then
  echo "deps.sh: missing Debian packages:$missing" >&2
  exit 1
fi
if [ "$(id -u)" = "0" ]; then
  echo "deps.sh: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
else
  echo "deps.sh: missing Debian packages:$missing" >&2
  echo "run as root:  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi
