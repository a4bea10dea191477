#!/usr/bin/env bash
# Learning-rate grids that grow until the choice is inside them (tune.widen, core/sweep/widen.c):
# a group whose best value is the smallest or largest tried gets the next value beyond it, at
# every tuning seed, until the choice is interior or the cap is reached (then the choice line says
# so); the plan follows from the stored runs (a second sweep, loft list and --only see the same
# runs); the reported runs are fresh runs of other seeds.
# Usage: tests/test_widen.sh build/loft
set -u
LOFT=${1:-build/loft}
cd "$(dirname "$0")/.."
. tests/checks.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$LOFT" run tests/data/widen.lua --results "$T/w" > "$T/w1" 2>&1; rc=$?
expect "the sweep ends well" "[ $rc = 0 ] && grep -q 'runs finished, 0 failed' '$T/w1'"
expect "LoRA's grid {1e-4, 1e-3, 1e-2} grows upward (0.1, 1, 10): its best was the largest value tried" \
  "grep -q 'widened lora.rank=4: lr = 0.1 added (2 run(s))' '$T/w1' && grep -q 'widened lora.rank=4: lr = 1 added' '$T/w1' && grep -q 'widened lora.rank=4: lr = 10 added' '$T/w1'"
expect "... until the choice is inside it (lr = 1, beside 10)" \
  "grep -q '^tuned lora.rank=4: lr = 1 (final_loss [0-9.e-]*;.* 10: ' '$T/w1' && ! grep -q '^tuned lora.rank=4: .*value tried' '$T/w1'"
expect "a grid of values all too large {30, 100, 300} grows downward by its mean ratio, sqrt(10), to 2 significant digits (9.5, 3, 0.95)" \
  "grep -q 'widened high.rank=2: lr = 9.5 added (2 run(s)): the best so far, 30, is the smallest value tried' '$T/w1' && grep -q 'widened high.rank=2: lr = 0.95 added' '$T/w1'"
expect "a grid that reached its cap (3 values on that side) and still chose its edge stops there and says so" \
  "grep -q '^tuned high.rank=2: lr = 0.95 .*: the smallest value tried' '$T/w1' && ! grep -q 'widened high.rank=2: lr = 0.3' '$T/w1'"
expect "the reported runs are trained, not copied (their seeds 1, 2 are not the tuning seeds 101, 102)" \
  "! grep -q 'copied' '$T/w1' && h5dump -a '/runs/lora.rank=4.seed=1/tuned_value' '$T/w/widen.h5' | grep -q '\"1\"'"
"$LOFT" run tests/data/widen.lua --results "$T/w" > "$T/w2" 2>&1
expect "a second sweep plans the same grown grids from the stored runs and runs nothing" \
  "grep -q 'widen (tuning runs): \([0-9]*\) runs, \1 already in' '$T/w2' && grep -q 'widen: 12 runs, 12 already in' '$T/w2' && ! grep -q widened '$T/w2'"
"$LOFT" table tests/data/widen.lua --results "$T/w" --out "$T/wt" > /dev/null 2>&1
expect "the tuning table states each group's range tried and whether the choice is inside it" \
  "grep -q '^| lora.rank=4 |.*| 0.0001–10 (6) | yes |\$' '$T/wt.md' && grep -q '^| high.rank=2 |.*| 0.95–300 (6) | no (edge) |\$' '$T/wt.md'"
"$LOFT" export tests/data/widen.lua --results "$T/w" --out "$T/wx" > /dev/null 2>&1
expect "loft export writes the metric against the learning rate per label and rank, the choice flagged" \
  "grep -q '^1 .* 2 1\$' '$T/wx/lr_r4__lora.dat' && [ \$(grep -c ' 1\$' '$T/wx/lr_r4__lora.dat') = 1 ] && [ \$(grep -vc '^#' '$T/wx/lr_r4__lora.dat') = 6 ]"
gnuplot -e "datadir='$T/wx'; ranks='2 4'; logy=1; out='$T/lrfig'" plots/lr_curves.gp > /dev/null 2>&1
expect "plots/lr_curves.gp draws them (one panel per rank)" "[ -s '$T/lrfig.png' ] && [ -s '$T/lrfig.pdf' ]"
"$LOFT" list tests/data/widen.lua --results "$T/w" > "$T/wl" 2>&1
expect "loft list shows the added tuning runs" "grep -q '^tune.lora.rank=4.lr=10.seed=102 ' '$T/wl'"
"$LOFT" run tests/data/widen.lua --results "$T/o" --only 'loft.rank=2.seed=1' > "$T/o1" 2>&1
expect "--only one tuned run: its group's tuning runs are pulled in and grow as needed" \
  "grep -q 'widened loft.rank=2' '$T/o1' && ! grep -q 'widened lora' '$T/o1' && grep -q 'widen: 1 runs, 0 already in' '$T/o1'"
sed 's/widen = 3/widen = 1/; s/name = "widen"/name = "widen1"/' tests/data/widen.lua > "$T/widen1.lua"
"$LOFT" run "$T/widen1.lua" --results "$T/c" > "$T/c1" 2>&1
expect "with widen = 1 the grid grows one value at most, and a choice still at the edge is marked" \
  "grep -q '^tuned lora.rank=4: lr = 0.1 (final_loss .*: the largest value tried' '$T/c1' && ! grep -q 'lr = 1 added' '$T/c1'"
sed 's/widen = 3/widen = 2.5/; s/name = "widen"/name = "widenbad"/' tests/data/widen.lua > "$T/bad.lua"
"$LOFT" list "$T/bad.lua" > "$T/b" 2>&1; rc=$?
expect "a bad widen is an error naming it" "[ $rc != 0 ] && grep -q 'tune.widen must be a whole number' '$T/b'"
sed 's/, widen = 3//; s/name = "widen"/name = "widen0"/' tests/data/widen.lua > "$T/widen0.lua"
"$LOFT" run "$T/widen0.lua" --results "$T/z" > "$T/z1" 2>&1
expect "without widen the grid stays as declared (the edge choice is marked)" \
  "! grep -q widened '$T/z1' && grep -q '^tuned lora.rank=4: lr = 0.01 .*the largest value tried' '$T/z1'"

echo "test_widen: $checks checks, $failures failed"
[ $failures = 0 ]
