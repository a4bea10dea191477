#!/usr/bin/env bash
# The CLI's guard rails, end to end: every command's own --help; "did you mean" for commands,
# options and --only patterns that match nothing; undefined names in experiment files; --only
# that pulls in the tuning runs its runs need; --set on a tuned key bypassing the tuning; SIGINT
# and SIGTERM stopping a sweep with a message and exit 130/143, the interrupted run's logged
# steps shown and the sweep resumed; progress lines in a log; a stray run file quarantined, not
# merged; two experiments with one name in one folder refused; a symlinked results file kept a
# link. Usage: tests/test_guards.sh build/loft
set -u
LOFT=$(realpath "${1:-build/loft}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
T=$(mktemp -d /tmp/loft-guards-XXXXXX)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/checks.sh"

# --- every command's own help
for c in run list show table export figures submit status collect exec compare compact keys data-mnist; do
  "$LOFT" $c --help > "$T/h" 2>&1; rc=$?
  expect "loft $c --help is its own help (exit 0)" "[ $rc = 0 ] && head -1 '$T/h' | grep -q '^loft $c'"
done
"$LOFT" help table > "$T/h" 2>&1
expect "loft help table prints table's help" "head -1 '$T/h' | grep -q '^loft table'"

# --- did you mean
"$LOFT" rnu tests/data/tiny.lua > "$T/e" 2>&1; rc=$?
expect "an unknown command suggests the closest" "[ $rc = 2 ] && grep -q \"unknown command 'rnu'; did you mean 'run'?\" '$T/e'"
"$LOFT" run tests/data/tiny.lua --jbos 2 --results "$T/x" > "$T/e" 2>&1; rc=$?
expect "an unknown option suggests the closest, nothing runs" "[ $rc = 2 ] && grep -q \"did you mean '--jobs'?\" '$T/e' && [ ! -e '$T/x' ]"
"$LOFT" show tests/data/tiny.lua --jobs 2 > "$T/e" 2>&1; rc=$?
expect "an option the command does not take is an error" "[ $rc = 2 ] && grep -q \"loft show: unknown option '--jobs'\" '$T/e'"
"$LOFT" run tests/data/tiny.lua --only 'lofty*' --results "$T/x" > "$T/e" 2>&1; rc=$?
expect "--only that matches nothing exits 2, nothing runs" "[ $rc = 2 ] && grep -q \"only 'lofty\\*' matches none of its 12 run ids\" '$T/e' && [ ! -e '$T/x/tiny.h5' ]"
"$LOFT" list tests/data/tiny.lua --only 'lora.rank=1.seed=3' > "$T/e" 2>&1; rc=$?
expect "--only with a near miss suggests the id" "[ $rc = 2 ] && grep -q \"did you mean 'lora.rank=1.seed=1'?\" '$T/e'"
printf 'local ranks = { 1, 2 }\nexperiment {\n  base = "configs/mf.yaml",\n  grid = { rank = rnaks },\n}\n' > "$T/typo.lua"
"$LOFT" list "$T/typo.lua" > "$T/e" 2>&1; rc=$?
expect "an undefined name in an experiment file is an error at its line" "[ $rc = 2 ] && grep -q \"typo.lua:4: undefined name 'rnaks'\" '$T/e'"

# --- metrics, tuning columns and their direction checked against the task before anything runs
printf 'experiment { name = "m", base = "configs/mf.yaml", report = { tables = { { metric = "final_los" } } } }\n' > "$T/m1.lua"
"$LOFT" list "$T/m1.lua" > "$T/e" 2>&1; rc=$?
expect "a misspelt table metric is an error naming the task's columns" \
  "[ $rc = 2 ] && grep -q \"metric 'final_los' is not a column of task mf; did you mean 'final_loss'?\" '$T/e' && grep -q 'its columns: final_loss, steps_to_threshold' '$T/e'"
printf 'experiment { name = "m", base = "configs/mf.yaml", variants = { { label = "lora", method = "lora" } }, tune = { lr = { 1, 2 }, on = "val_loss" } }\n' > "$T/m2.lua"
"$LOFT" run "$T/m2.lua" --results "$T/m2" > "$T/e" 2>&1; rc=$?
expect "tune.on naming a column the task does not log stops before the tuning runs" \
  "[ $rc = 2 ] && grep -q \"tune.on 'val_loss' is not a column of task mf\" '$T/e' && [ ! -e '$T/m2/m.h5' ]"
printf 'experiment { name = "m", base = "configs/vit.yaml", report = { tables = { { metric = "test_accuracy", better = "lower" } } } }\n' > "$T/m3.lua"
"$LOFT" list "$T/m3.lua" > "$T/e" 2>&1; rc=$?
expect "a direction that contradicts the task's is an error" "[ $rc = 2 ] && grep -q 'contradicts task vit, for which higher is better' '$T/e'"

# --- tuning and --only, --set
"$LOFT" run tests/data/tune_tiny.lua --only 'lora.rank=1.seed=1' --results "$T/tu" > "$T/o" 2>&1; rc=$?
expect "--only on a tuned run runs the tuning runs its choice needs first" \
  "[ $rc = 0 ] && grep -q 'the 2 tuning run(s) their choices need are included' '$T/o' && grep -q '^tuned lora: lr = ' '$T/o' && grep -q '3 runs finished, 0 failed' '$T/o'"
"$LOFT" run tests/data/tune_tiny.lua --only 'lora.rank=1.seed=2' --set lr=0.003 --results "$T/tu2" > "$T/o" 2>&1; rc=$?
expect "--set on the tuned key fixes it: no tuning runs, the run has that value" \
  "[ $rc = 0 ] && grep -q 'fixes the tuned key' '$T/o' && ! grep -q 'tuning runs)' '$T/o' && h5dump -a '/runs/lora.rank=1.seed=2/config' '$T/tu2/tune_tiny.h5' | grep -q 'lr: 0.003'"

# --- SIGINT and SIGTERM
"$LOFT" run tests/data/slow.lua --results "$T/s" > "$T/int1" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do grep -q '^\[1/3\] [^ ]*: complete' "$T/int1" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT $pid; wait $pid; rc=$?
expect "SIGINT stops the sweep with exit 130 and says how to resume" \
  "[ $rc = 130 ] && grep -q 'stopped by SIGINT: 1 run(s) finished this time, 1 interrupted' '$T/int1' && grep -q 'again resumes' '$T/int1'"
"$LOFT" show "$T/s/slow.h5" > "$T/show" 2>&1
steps=$(awk '/loft.seed=2/ { print $6 }' "$T/show")
expect "the interrupted run is stored with the steps it logged ($steps)" "grep -q 'loft.seed=2 .*interrupted' '$T/show' && [ \"\${steps:-0}\" -gt 0 ]"
"$LOFT" run tests/data/slow.lua --results "$T/s" > "$T/int2" 2>&1; rc=$?
expect "the same command resumes: the finished run skipped, the other two run" \
  "[ $rc = 0 ] && grep -q '3 runs, 1 already in' '$T/int2' && grep -q '2 runs finished, 0 failed' '$T/int2'"
LOFT_PROGRESS_SECONDS=1 "$LOFT" run tests/data/slow.lua --results "$T/s2" --jobs 2 > "$T/term1" 2> "$T/term1.err" &
pid=$!
for _ in $(seq 1 600); do grep -q 'running' "$T/term1.err" 2>/dev/null && break; sleep 0.05; done   # both runs started
kill -TERM $pid; wait $pid; rc=$?
expect "SIGTERM with --jobs 2 stops the sweep with exit 143" "[ $rc = 143 ] && grep -q 'stopped by SIGTERM' '$T/term1'"
expect "without a terminal, a progress line comes every few seconds, with [k/N]" "grep -q '^\[0/3\] 0 finished, 2 running' '$T/term1.err'"
"$LOFT" show "$T/s2/slow.h5" > "$T/show" 2>&1
expect "the runs SIGTERM stopped are stored as interrupted, every run started is stored" \
  "[ \$(grep -c interrupted '$T/show') -ge 1 ] && [ \$(grep -c '^\[[0-9]/3\] loft' '$T/term1') = \$(grep -c 'loft.seed' '$T/show') ]"

# --- a run killed outright (SIGKILL): loft collect stores its logged steps, and show says how many
"$LOFT" run tests/data/slow.lua --results "$T/k" --only 'loft.seed=1' --set steps=20000 > "$T/k1" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -s "$T/k/slow.h5.partial/loft.seed=1.h5" ] && break; sleep 0.05; done
sleep 2.5   # past the run file's first periodic flush (every 2 s)
kill -9 $pid; wait $pid 2> /dev/null
"$LOFT" collect tests/data/slow.lua --results "$T/k" > "$T/k2" 2>&1
"$LOFT" show "$T/k/slow.h5" > "$T/show" 2>&1
steps=$(awk '/loft.seed=1/ { print $6 }' "$T/show")
expect "a killed run's logged steps are stored as interrupted, loft show gives their number ($steps)" \
  "grep -q 'loft.seed=1 .*interrupted' '$T/show' && [ \"\${steps:-0}\" -gt 0 ] && ! grep -q 'nan' '$T/show'"

# --- a stray run file is quarantined, never merged
"$LOFT" run tests/data/tiny.lua --results "$T/q" --only 'adamw' > /dev/null 2>&1
mkdir -p "$T/q/tiny.h5.slurm"
cp "$T/q/tiny.h5" "$T/q/tiny.h5.slurm/lora.rank=1.seed=1.h5"   # a file whose run id is not its name's
"$LOFT" collect tests/data/tiny.lua --results "$T/q" > "$T/col" 2>&1
"$LOFT" show "$T/q/tiny.h5" > "$T/show" 2>&1
expect "a run file that is not the run its name says is quarantined, the stored runs kept" \
  "grep -q 'quarantine' '$T/col' && [ -e '$T/q/tiny.h5.slurm/quarantine/lora.rank=1.seed=1.h5' ] && grep -q '2 runs' '$T/show'"

# --- a table of an experiment holds the runs it plans, never another experiment's
"$LOFT" run tests/data/tiny.lua --results "$T/tb" --only 'adamw' > /dev/null 2>&1
"$LOFT" run tests/data/tiny.lua --results "$T/tb" --only 'boom' > /dev/null 2>&1
sed '/label = "boom"/d' tests/data/tiny.lua > "$T/tiny3.lua"   # the same name, without the boom variant
"$LOFT" table "$T/tiny3.lua" --results "$T/tb" --out "$T/tb3" > "$T/e" 2>&1; rc=$?
expect "runs the experiment does not plan are left out of its table, with a note" \
  "[ $rc = 0 ] && grep -q '2 run(s) of .* are not in .*plan' '$T/e' && ! grep -q 'boom' '$T/tb3.md' && grep -q 'adamw' '$T/tb3.md'"

# --- one task per run: a second `loft exec` of a run that is running refuses
"$LOFT" exec tests/data/slow.lua --id loft.seed=1 --results "$T/ex" --set steps=20000 > "$T/ex1" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -e "$T/ex/slow.h5.slurm/loft.seed=1.h5.part" ] && break; sleep 0.05; done
"$LOFT" exec tests/data/slow.lua --id loft.seed=1 --results "$T/ex" --set steps=20000 > "$T/ex2" 2>&1; rc=$?
[ -e "$T/ex/slow.h5.slurm/loft.seed=1.h5.part" ]; kept=$?
kill $pid 2> /dev/null; wait $pid; rc1=$?
expect "a second exec of a running run refuses and leaves its run file alone" \
  "[ $rc = 2 ] && grep -q 'is being run by another .loft exec.' '$T/ex2' && [ $kept = 0 ]"
expect "the first exec, stopped by SIGTERM (as Slurm stops a task), ends its run as interrupted with a resume checkpoint (exit 143)" \
  "[ $rc1 = 143 ] && grep -q 'interrupted at step' '$T/ex1' && [ -s '$T/ex/slow.h5.slurm/loft.seed=1.resume' ] && [ -e '$T/ex/slow.h5.slurm/loft.seed=1.h5.part' ]"

# --- two experiments with one name in one folder; a symlinked results file
cp tests/data/tiny.lua "$T/tiny2.lua"   # another experiment file with the same name
"$LOFT" run "$T/tiny2.lua" --results "$T/q" --only 'adamw' > "$T/e" 2>&1; rc=$?
expect "a second experiment file with the same name is refused in that folder" "[ $rc = 2 ] && grep -q 'two experiments with one name' '$T/e'"
mkdir -p "$T/shared" "$T/l"
ln -s "$T/shared/tiny.h5" "$T/l/tiny.h5"
"$LOFT" run tests/data/tiny.lua --results "$T/l" --only 'adamw' > "$T/e" 2>&1; rc=$?
expect "a dangling symlinked results file is refused" "[ $rc = 2 ] && grep -q 'does not exist' '$T/e'"
cp "$T/q/tiny.h5" "$T/shared/tiny.h5"
chmod 0640 "$T/shared/tiny.h5"
"$LOFT" run tests/data/tiny.lua --results "$T/l" --only 'loft.rank=1' > "$T/e" 2>&1; rc=$?
expect "a symlinked results file stays a link; its target gets the runs and keeps its mode" \
  "[ $rc = 0 ] && [ -L '$T/l/tiny.h5' ] && [ \$('$LOFT' show '$T/shared/tiny.h5' | grep -c complete) = 4 ] && [ \$(stat -c %a '$T/shared/tiny.h5') = 640 ]"

echo "test_guards: $checks checks, $failures failed"
[ "$failures" = 0 ]
