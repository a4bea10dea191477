#!/usr/bin/env bash
# The statistics of the tables end to end on a tiny MF experiment (tests/data/findings_tiny.lua):
# families Holm-adjusted apart, the tables' marks equal to the findings file's verdicts, the
# legend's test counts, the log10 table, LaTeX that holds, and scripts/check_findings.sh passing a
# README block quoted from the findings and failing one whose number was changed.
# Usage: tests/test_findings.sh build/loft
set -u
LOFT=$(realpath "${1:-build/loft}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
T=$(mktemp -d /tmp/loft-findings-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/checks.sh"

"$LOFT" run tests/data/findings_tiny.lua --results "$T/r" > "$T/run" 2>&1; rc=$?
expect "the tiny experiment runs (33 runs)" "[ $rc = 0 ] && grep -q '33 runs finished, 0 failed' '$T/run'"
"$LOFT" table tests/data/findings_tiny.lua --results "$T/r" > "$T/out" 2>&1; rc=$?
MD=$T/r/tables/findings_tiny.md TEX=$T/r/tables/findings_tiny.tex F=$T/r/tables/findings_tiny_findings.md
expect "loft table writes the tables and the findings file beside them" "[ $rc = 0 ] && [ -s '$MD' ] && [ -s '$TEX' ] && [ -s '$F' ]"
# methods vs LoRA: dora, loft x ranks 1, 2 x tables final_loss, dist_to_adamw = 8 tests; LoFT - k: 2 rows x 2 ranks x final_loss = 4
expect "each family counts its own tests (8 and 4), and names them in the legend under each table" \
  "grep -q '^Against lora: 8 comparisons Holm-adjusted together, 8 of them with an equivalence margin' '$F' && grep -q '^Against loft: 4 comparisons' '$F' && grep -q 'F1 \"methods vs LoRA\" against lora, 8 tests; F2 \"LoFT - block k vs LoFT\" against loft, 4 tests' '$MD'"
sig=$(grep -h '^### Significant after adjustment: ' "$F" | awk '{s += $NF} END {print s + 0}')
eqv=$(grep -h '^### Equivalent within the margin: ' "$F" | awk '{s += $NF} END {print s + 0}')
stars=$(grep '^| ' "$MD" | grep -oE '[0-9]\*[);]' | wc -l)   # a marked Δ: "± 0.33*)" (bold is "**")
approx=$(grep '^| ' "$MD" | grep -o ' ≈' | wc -l)
expect "the tables mark as many cells * ($stars) and ≈ ($approx) as the findings list significant ($sig) and equivalent ($eqv)" \
  "[ $stars = $sig ] && [ $approx = $eqv ] && [ \$((sig + eqv)) -gt 0 ]"
expect "every comparison of the findings is a sentence of numbers: Δ, its 95 % interval, n, p and the adjusted p" \
  "[ \$(grep -c '^- .* − .*95 % CI \[.*, n = 3 seeds; p = .*, Holm-adjusted p = ' '$F') = 12 ]"
expect "the log10 table: geometric mean [interval], n, k/n runs that reached the threshold, Δlog10" \
  "grep -q 'geometric mean \[95% interval of log10\]' '$MD' && grep -q '^| loft | [0-9.e+-]* \[[0-9.e+-]*, [0-9.e+-]*\] (n=3; [0-3]/3 reached; F1 Δlog10 ' '$MD'"
expect "the LaTeX tables hold ($(tests/check_latex.sh "$TEX" 2>&1 | cut -c1-50))" "tests/check_latex.sh '$TEX' > /dev/null && grep -q 'footnotesize' '$TEX'"

# a README quoting the findings: the quote holds; a number changed in it does not
{ echo "# readings"; echo; echo "<!-- findings: r/tables/findings_tiny_findings.md -->"; grep '^- ' "$F" | head -3; echo "<!-- /findings -->"; } > "$T/README.md"
scripts/check_findings.sh "$T/README.md" > "$T/ck" 2>&1; rc=$?
expect "check_findings.sh passes a README block quoted from the findings" "[ $rc = 0 ] && grep -q '1 block(s), 3 quoted line(s), 0 differ' '$T/ck'"
sed -i '5s/n = 3 seeds; p = \([0-9]\)/n = 3 seeds; p = 9\1/' "$T/README.md"
scripts/check_findings.sh "$T/README.md" > "$T/ck" 2>&1; rc=$?
expect "check_findings.sh fails on a quoted number that differs, showing the generated line" \
  "[ $rc = 1 ] && grep -q 'README.md:5: not in' '$T/ck' && grep -q '  generated: - ' '$T/ck'"
printf '<!-- findings: r/tables/nothing.md -->\n- x\n<!-- /findings -->\n' > "$T/README2.md"
scripts/check_findings.sh "$T/README2.md" > "$T/ck" 2>&1; rc=$?
expect "check_findings.sh stops on a findings file that is not there" "[ $rc = 2 ] && grep -q 'nothing.md does not exist' '$T/ck'"

echo "test_findings: $checks checks, $failures failed"
[ "$failures" = 0 ]
