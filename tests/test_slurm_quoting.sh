#!/usr/bin/env bash
# `loft submit` and `loft status` against fake sbatch, squeue and sacct (bash scripts first on
# PATH; no Slurm needed): $(...), backquotes, quotes and spaces in --results, in the experiment's
# path and in --set values reach the array task as data (the sbatch script the fake recorded is
# run under sh with SLURM_ARRAY_TASK_ID set: it runs the real `loft exec` of a tiny run); a % in
# the results path is escaped for sbatch's --output filename pattern; a path with a newline or a
# backslash is refused before sbatch runs; an answer of sbatch that is no job id is an error;
# squeue and sacct answers naming tasks outside the array (or no task) are refused quickly: loft
# status warns and exits 0, loft submit submits nothing; a long squeue answer is read to its end.
# Usage: tests/test_slurm_quoting.sh build/loft
set -u
LOFT=$(realpath "${1:-build/loft}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. "$(dirname "$0")/checks.sh"
T=$(mktemp -d /tmp/loft-slurmq-XXXXXX)
trap 'rm -rf "$T"' EXIT
F="$T/fake"
mkdir -p "$F/bin"
export LOFT_FAKE="$F"
export PATH="$F/bin:$PATH"

# --- the fakes. sbatch: its options one a line in F/sbatch.N.args, its script copied to
# F/sbatch.N.sh, the --output name task 0 would get in F/sbatch.N.out0 (Slurm's batch rules: a
# backslash turns every pattern off and is dropped; %% is %, %a the task, %A and %j the job);
# prints job 4241 + N, or the contents of F/sbatch.reply when there is one
cat > "$F/bin/sbatch" <<'EOF'
#!/usr/bin/env bash
n=$(( $(cat "$LOFT_FAKE/sbatch.count" 2> /dev/null || echo 0) + 1 ))
echo $n > "$LOFT_FAKE/sbatch.count"
printf '%s\n' "$@" > "$LOFT_FAKE/sbatch.$n.args"
cp -- "${!#}" "$LOFT_FAKE/sbatch.$n.sh"
job=$((4241 + n))
out=""
for a in "$@"; do case $a in --output=*) out=${a#--output=} ;; esac; done
exp=""
if [[ $out == *\\* ]]; then exp=${out//\\/}
else
  i=0
  while (( i < ${#out} )); do
    c=${out:i:1}
    if [[ $c == % ]]; then
      d=${out:i+1:1}
      case $d in %) exp+=% ;; a) exp+=0 ;; A|j|J) exp+=$job ;; x) exp+=JOBNAME ;; u) exp+=USER ;; N) exp+=HOST ;; n|t|s) exp+=0 ;; *) exp+=%$d ;; esac
      i=$((i + 2))
    else
      exp+=$c
      i=$((i + 1))
    fi
  done
fi
printf '%s' "$exp" > "$LOFT_FAKE/sbatch.$n.out0"
if [ -e "$LOFT_FAKE/sbatch.queue" ]; then   # a slow sbatch whose tasks then stand in squeue's answer
  sleep 1
  last=$(sed -n 's/^#SBATCH --array=0-\([0-9]*\).*/\1/p' "$LOFT_FAKE/sbatch.$n.sh")
  for t in $(seq 0 "${last:-0}"); do echo "${job}_$t PENDING" >> "$LOFT_FAKE/squeue.out"; done
fi
if [ -e "$LOFT_FAKE/sbatch.reply" ]; then cat "$LOFT_FAKE/sbatch.reply"; else echo $job; fi
EOF
# squeue: F/squeue.out, exit 0 (F/squeue.rc: exits with that instead)
cat > "$F/bin/squeue" <<'EOF'
#!/usr/bin/env bash
[ -e "$LOFT_FAKE/squeue.rc" ] && exit "$(cat "$LOFT_FAKE/squeue.rc")"
cat "$LOFT_FAKE/squeue.out" 2> /dev/null
exit 0
EOF
# sacct: F/sacct.out, or (none) accounting is off: exit 1
cat > "$F/bin/sacct" <<'EOF'
#!/usr/bin/env bash
[ -e "$LOFT_FAKE/sacct.out" ] || { echo "sacct: Slurm accounting storage is disabled" >&2; exit 1; }
cat "$LOFT_FAKE/sacct.out"
EOF
chmod +x "$F/bin/sbatch" "$F/bin/squeue" "$F/bin/sacct"
: > "$F/squeue.out"

nsub() { cat "$F/sbatch.count" 2> /dev/null || echo 0; }
# the array task: the last recorded script under sh, SLURM_ARRAY_TASK_ID=$1, into $T/task.out
task() { (cd / && env SLURM_ARRAY_TASK_ID="$1" SLURM_ARRAY_JOB_ID=4242 sh "$F/sbatch.$(nsub).sh") > "$T/task.out" 2>&1; }

# --- $(...), backquotes, a double and a single quote and spaces in --results
R1="$T/d \$(touch $T/pwned1) \`touch $T/pwned2\` \"q' x"
"$LOFT" submit tests/data/tiny.lua --results "$R1" --only adamw.seed=1 > "$T/sub1" 2>&1; rc=$?
expect "a hostile --results: submitted (exit 0, one sbatch call)" '[ $rc = 0 ] && [ "$(nsub)" = 1 ]'
S1="$F/sbatch.1.sh"
expect "the sbatch script starts with #!/bin/sh and asks for the array 0-0" \
  '[ "$(head -1 "$S1")" = "#!/bin/sh" ] && grep -qx "#SBATCH --array=0-0" "$S1"'
expect "the sbatch script is valid sh (sh -n)" 'sh -n "$S1"'
task 0; rc=$?
expect "task 0 runs loft exec with the exact results path as one argument (its run file is there)" \
  '[ $rc = 0 ] && [ -e "$R1/tiny.h5.slurm/adamw.seed=1.h5" ]'
task 5; rc=$?
expect "task 5 (no such line) exits 1 naming the line and the list file" \
  '[ $rc = 1 ] && grep -q "no run on line 6 of $T/d " "$T/task.out"'
expect "nothing in --results ran as a command (no pwned1, pwned2)" '[ ! -e "$T/pwned1" ] && [ ! -e "$T/pwned2" ]'

# without the double quote (the script then parses on the old code too): its message line
R0="$T/e \$(touch $T/pwned0) \`touch $T/pwned0\`"
"$LOFT" submit tests/data/tiny.lua --results "$R0" --only adamw.seed=2 > "$T/sub0" 2>&1; rc=$?
task 3; rc2=$?
expect "\$(...) and backquotes in --results: task 3 (no such line) says so and runs neither" \
  '[ $rc = 0 ] && [ $rc2 = 1 ] && grep -qF "of $R0/tiny.h5.slurm/" "$T/task.out" && [ ! -e "$T/pwned0" ]'

# --- the same in the experiment's path
E2="$T/ex \$(touch $T/pwned3) \`touch $T/pwned3\` \"'.lua"
mkdir -p "$(dirname "$E2")" && cp tests/data/tiny.lua "$E2"
"$LOFT" submit "$E2" --results "$T/r2" --only adamw.seed=2 > "$T/sub2" 2>&1; rc=$?
task 0; rc2=$?
expect "a hostile experiment path: submitted, task 0 runs it (its run file is there)" \
  '[ $rc = 0 ] && [ $rc2 = 0 ] && [ -e "$T/r2/tiny.h5.slurm/adamw.seed=2.h5" ] && [ ! -e "$T/pwned3" ]'

# --- and in a --set value (a problem file that does not exist: the task fails, naming it)
P3="$T/p \$(touch $T/pwned4) \`touch $T/pwned4\` \"'.h5"
"$LOFT" submit tests/data/tiny.lua --results "$T/r3" --only adamw.seed=1 --set "problem_file=$P3" > "$T/sub3" 2>&1; rc=$?
task 0; rc2=$?
expect "a hostile --set value: submitted; the task gets it as one value (its error names the exact path)" \
  '[ $rc = 0 ] && [ $rc2 != 0 ] && grep -qF -- "$P3" "$T/task.out" && [ ! -e "$T/pwned4" ]'

# --- a newline in --results: refused before sbatch (jobs.txt and the list files are line-based)
n0=$(nsub)
R4="$T/nl
touch $T/pwned5 #"
"$LOFT" submit tests/data/tiny.lua --results "$R4" --only adamw.seed=1 > "$T/sub4" 2>&1; rc=$?
cat "$T/sub4"
expect "a newline in --results: refused (exit 2, naming the newline), sbatch not run" \
  '[ $rc = 2 ] && grep -q "newline" "$T/sub4" && [ "$(nsub)" = "$n0" ] && [ ! -e "$T/pwned5" ]'

# --- % in --results: escaped in --output (%%), not expanded (experiment names cannot hold one)
n0=$(nsub)
R5="$T/pct%A%a%%x%j %"
"$LOFT" submit tests/data/tiny.lua --results "$R5" --only adamw.seed=1 > "$T/sub5" 2>&1; rc=$?
n=$(nsub)
script=$(tail -1 "$F/sbatch.$n.args" 2> /dev/null)
stem=$(basename "$script" .sbatch)
expect "a % in --results: submitted; sbatch gets the script's path as it is" \
  '[ $rc = 0 ] && [ $n = $((n0 + 1)) ] && [ "$script" = "$R5/tiny.h5.slurm/$stem.sbatch" ] && [ -f "$script" ]'
expect "a % in --results: sbatch's --output names R/tiny.h5.slurm/STEM-0.out for task 0 (each % of the path doubled)" \
  '[ "$(cat "$F/sbatch.$n.out0")" = "$R5/tiny.h5.slurm/$stem-0.out" ]'

# --- a backslash in --results turns off all of sbatch's patterns (%a too): refused
n0=$(nsub)
"$LOFT" submit tests/data/tiny.lua --results "$T/back\\slash" --only adamw.seed=1 > "$T/sub6" 2>&1; rc=$?
cat "$T/sub6"
expect "a backslash in --results: refused (exit 2, naming the backslash), sbatch not run" \
  '[ $rc = 2 ] && grep -q "backslash" "$T/sub6" && [ "$(nsub)" = "$n0" ]'

# --- sbatch answering something that is not a job id: an error, nothing recorded
echo "Submitted batch job 77" > "$F/sbatch.reply"
"$LOFT" submit tests/data/tiny.lua --results "$T/r7" --only adamw.seed=1 > "$T/sub7" 2>&1; rc=$?
rm -f "$F/sbatch.reply"
cat "$T/sub7"
expect "sbatch printing no job id: exit 2 with a message, jobs.txt records nothing" \
  '[ $rc = 2 ] && grep -q "job id" "$T/sub7" && [ ! -s "$T/r7/tiny.h5.slurm/jobs.txt" ]'

# --- the queue's answers: an array of 2 tasks (adamw.seed=1, adamw.seed=2)
"$LOFT" submit tests/data/tiny.lua --results "$T/q" --only 'adamw.*' > "$T/subq" 2>&1
J=$(sed -n 's/^submitted job \([0-9]*\):.*/\1/p' "$T/subq")
expect "the queue tests' array: submitted as one job of 2 tasks" '[ -n "$J" ] && grep -q "(array 0-1)" "$T/subq"'
status() { # squeue answer, sacct answer ("" for none): loft status into $T/st, its exit status in rc and seconds in secs
  printf '%b' "$1" > "$F/squeue.out"
  if [ -n "$2" ]; then printf '%b' "$2" > "$F/sacct.out"; else rm -f "$F/sacct.out"; fi
  local t0=$(date +%s)
  timeout 20 "$LOFT" status tests/data/tiny.lua --results "$T/q" --only 'adamw.*' > "$T/st" 2>&1; rc=$?
  secs=$(( $(date +%s) - t0 ))
}
for bad in "${J}_[-9000000000000000000-1] PENDING" "${J}_[0-999999999999] PENDING" "${J}_[0-2] PENDING" "${J}_2 RUNNING" \
           "${J}_99999999999999999999 RUNNING" "${J}_-1 RUNNING" "${J}_[1-0] PENDING" "${J}_[0-1 PENDING" "${J}_1x RUNNING" \
           "${J}_[0,0] PENDING" "${J}_[0-1%] PENDING" "${J}_ RUNNING"; do
  status "${J}_0 RUNNING\n$bad\n" ""
  expect "squeue answers '$bad': loft status warns that squeue does not answer, exit 0, quickly (${secs} s)" \
    '[ $rc = 0 ] && [ $secs -lt 15 ] && grep -q "squeue does not answer" "$T/st" && ! grep -q "running" "$T/st"'
done
status "" "${J}_[-9000000000000000000-1]|PENDING\n"
expect "sacct answers a range from -9e18: loft status warns, exit 0, quickly (${secs} s)" \
  '[ $rc = 0 ] && [ $secs -lt 15 ] && grep -q "squeue does not answer" "$T/st"'
n0=$(nsub)
printf '%s\n' "${J}_[-9000000000000000000-1] PENDING" > "$F/squeue.out"
timeout 20 "$LOFT" submit tests/data/tiny.lua --results "$T/q" --only 'adamw.*' > "$T/subbad" 2>&1; rc=$?
expect "loft submit with that squeue answer submits nothing (exit 2, squeue does not answer)" \
  '[ $rc = 2 ] && grep -q "squeue does not answer" "$T/subbad" && [ "$(nsub)" = "$n0" ]'

# well-formed answers are read as before; other jobs' lines are not looked at
status "${J}_0 RUNNING\n${J}_1 PENDING\n" ""
expect "squeue: task 0 running, task 1 pending" \
  '[ $rc = 0 ] && ! grep -q "does not answer" "$T/st" && grep -q "adamw.seed=1 .* running" "$T/st" && grep -q "adamw.seed=2 .* pending" "$T/st"'
status "999_[-9000000000000000000-1] PENDING\n${J}_[0-1%1] PENDING\n" ""
expect "squeue: ${J}_[0-1%1] pending (another job's garbage range is not ours)" \
  '[ $rc = 0 ] && ! grep -q "does not answer" "$T/st" && grep -q "adamw.seed=1 .* pending" "$T/st" && grep -q "adamw.seed=2 .* pending" "$T/st"'
status "${J}_[0,1] PENDING\n" ""
expect "squeue: ${J}_[0,1] pending" \
  '[ $rc = 0 ] && ! grep -q "does not answer" "$T/st" && grep -q "adamw.seed=1 .* pending" "$T/st" && grep -q "adamw.seed=2 .* pending" "$T/st"'
status "" "${J}_0|COMPLETED\n${J}_1|CANCELLED by 0\n"
expect "sacct: a finished and a cancelled task (squeue empty)" \
  '[ $rc = 0 ] && ! grep -q "does not answer" "$T/st" && grep -q "adamw.seed=2 .* interrupted (slurm: CANCELLED)" "$T/st"'
echo 1 > "$F/squeue.rc"
status "" ""
rm -f "$F/squeue.rc"
expect "squeue failing: loft status warns, exit 0" '[ $rc = 0 ] && grep -q "squeue does not answer" "$T/st"'
# many queued tasks of other jobs (more than 64 KiB of answer) before ours: read to the end
awk 'BEGIN { for (i = 0; i < 9000; i++) printf "%d_%d PENDING\n", 100000 + i, i % 7 }' > "$F/squeue.out"
echo "${J}_1 RUNNING" >> "$F/squeue.out"
timeout 20 "$LOFT" status tests/data/tiny.lua --results "$T/q" --only 'adamw.*' > "$T/st" 2>&1; rc=$?
expect "a squeue answer of $(wc -c < "$F/squeue.out") bytes is read to its end (task 1 running)" \
  '[ $rc = 0 ] && grep -q "adamw.seed=2 .* running" "$T/st"'

# two `loft submit` at once: the second waits for the lock, then reads the queue the first filled,
# and queues nothing twice
: > "$F/squeue.out"
touch "$F/sbatch.queue"
"$LOFT" submit tests/data/tiny.lua --results "$T/race" --only 'lora.rank=1' > "$T/race1" 2>&1 &
p1=$!
"$LOFT" submit tests/data/tiny.lua --results "$T/race" --only 'lora.rank=1' > "$T/race2" 2>&1; rc2=$?
wait $p1; rc1=$?
rm -f "$F/sbatch.queue"
queued=$(cat "$T/race/tiny.h5.slurm/"tiny-*.txt 2> /dev/null | wc -l)   # the run lists (jobs.txt aside)
expect "two submits at once queue each of the 2 runs once ($queued queued)" \
  '[ $rc1 = 0 ] && [ $rc2 = 0 ] && [ "$queued" = 2 ] && cat "$T/race1" "$T/race2" | grep -q "(2 already queued)"'

echo "test_slurm_quoting: $checks checks, $failures failed"
[ $failures = 0 ]
