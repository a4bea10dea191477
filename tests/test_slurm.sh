#!/usr/bin/env bash
# `make test-slurm`: sweeps through a real Slurm (Debian's slurm-wlm 22.05 + munge) started here
# on localhost from a generated slurm.conf in a temporary directory: munged, slurmctld and
# slurmd on private ports and sockets, as root, no systemd. A small MF sweep with tuning (2
# tuning runs, 8 runs) is submitted as two job arrays (array limit 2; the second after the
# first), waited for, collected, and must be bit-identical (every trajectory column but time,
# final tensors) to the same sweep run with `loft run --jobs 1`. Also: `loft status` during and
# after, an array task killed mid-run shows as interrupted and is resubmitted, a failing run shows
# as failed with its message, a second submit of a finished sweep submits nothing. The daemons
# it started are stopped by pid, the directory removed. Usage: tests/test_slurm.sh build/loft
set -u
LOFT=$(realpath "${1:-build/loft}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. "$(dirname "$0")/checks.sh"

if [ "$(id -u)" != 0 ]; then echo "test_slurm: needs root (it starts munged, slurmctld and slurmd); skipped"; exit 0; fi
for b in munged slurmctld slurmd sbatch squeue; do
  command -v $b > /dev/null || [ -x /usr/sbin/$b ] || { echo "test_slurm: $b missing (scripts/deps.sh slurm-wlm munge)"; exit 1; }
done
T=$(mktemp -d /tmp/loft-slurm-XXXXXX)
chmod 755 "$T"
stop() {
  for p in slurmd slurmctld munged; do
    [ -s "$T/$p.pid" ] && kill "$(cat "$T/$p.pid")" 2> /dev/null
  done
  sleep 1
  for p in slurmd slurmctld munged; do
    [ -s "$T/$p.pid" ] && kill -9 "$(cat "$T/$p.pid")" 2> /dev/null
  done
  rm -rf "$T"
}
trap stop EXIT

# --- munge with its own key and socket
dd if=/dev/urandom of="$T/munge.key" bs=1 count=1024 2> /dev/null
chmod 400 "$T/munge.key"
/usr/sbin/munged --force --socket="$T/munge.socket" --key-file="$T/munge.key" --pid-file="$T/munged.pid" \
  --log-file="$T/munged.log" --seed-file="$T/munge.seed" || { echo "test_slurm: munged did not start"; cat "$T/munged.log"; exit 1; }

# --- slurm.conf: this host, private ports (from the pid, away from the defaults 6817/6818)
H=$(hostname -s)
PORT=$((20000 + ($$ % 20000) * 2))
mkdir -p "$T/ctld" "$T/d"
cat > "$T/slurm.conf" <<EOF
ClusterName=lofttest
SlurmctldHost=$H
SlurmUser=root
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
AuthInfo=socket=$T/munge.socket
CredType=cred/munge
StateSaveLocation=$T/ctld
SlurmdSpoolDir=$T/d
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
KillWait=3
SchedulerParameters=sched_interval=1
NodeName=$H CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"
/usr/sbin/slurmctld -f "$T/slurm.conf" && /usr/sbin/slurmd -f "$T/slurm.conf" || { echo "test_slurm: slurm did not start"; exit 1; }
up=0
for i in $(seq 1 30); do
  sinfo -h -o %T 2> /dev/null | grep -q idle && { up=1; break; }
  sleep 1
done
expect "slurmctld and slurmd are up on $H (sinfo: idle)" "[ $up = 1 ]"
[ $up = 1 ] || { tail -5 "$T/slurmctld.log" "$T/slurmd.log"; exit 1; }

# wait until squeue lists none of our jobs (timeout s)
drain() {
  for i in $(seq 1 "$1"); do
    [ -z "$(squeue -h 2> /dev/null)" ] && return 0
    sleep 1
  done
  return 1
}

# --- a tuned MF sweep: 2 tuning runs, 8 runs
cat > "$T/sweep.lua" <<'EOF'
experiment {
  name = "sweep",
  base = "configs/mf.yaml",
  set = { ["in"] = 48, out = 32, target_rank = 4, steps = 60, log_every = 10 },
  seeds = { 1, 2 },
  grid = { rank = { 2, 4 } },
  variants = { { label = "lora", method = "lora" }, { label = "loft", method = "loft", lr = 1 } },
  tune = { lr = { 0.1, 1 }, on = "final_loss", rank = 2 },
}
EOF
"$LOFT" submit "$T/sweep.lua" --results "$T/s" --array-limit 2 > "$T/submit.out" 2>&1
cat "$T/submit.out"
expect "loft submit prints two job ids, the runs' array after the tuning array" \
  "grep -q 'submitted job [0-9]*: 2 tuning run(s) (array 0-1%2)' '$T/submit.out' && grep -q 'submitted job [0-9]*: 8 run(s) (array 0-7%2, after job' '$T/submit.out'"
"$LOFT" status "$T/sweep.lua" --results "$T/s" > "$T/status0" 2>&1
expect "loft status lists all 10 runs while the arrays run" "grep -q 'of 10 runs' '$T/status0' && ! grep -q 'not submitted' '$T/status0'"
at_most=0
for i in $(seq 1 120); do   # the array limit: never more than 2 tasks of one array running
  n=$(squeue -h -t R -o %i 2> /dev/null | wc -l)
  [ "$n" -gt "$at_most" ] && at_most=$n
  [ -z "$(squeue -h 2> /dev/null)" ] && break
  sleep 0.5
done
drain 180
expect "the arrays finish (squeue empty) and at most 2 tasks ran at once (saw $at_most)" "[ -z \"\$(squeue -h)\" ] && [ $at_most -le 2 ]"
"$LOFT" status "$T/sweep.lua" --results "$T/s" > "$T/status1" 2>&1
expect "after the arrays every run is complete or finished (to collect)" \
  "grep -Eq 'sweep: ([0-9]+ complete, )?([0-9]+ finished \\(to collect\\), )?of 10 runs' '$T/status1'"
"$LOFT" collect "$T/sweep.lua" --results "$T/s" > /dev/null 2>&1
"$LOFT" status "$T/sweep.lua" --results "$T/s" > "$T/status2" 2>&1
expect "after loft collect: 10 complete" "grep -q 'sweep: 10 complete, of 10 runs' '$T/status2'"
"$LOFT" run "$T/sweep.lua" --results "$T/l" --jobs 1 > /dev/null 2>&1
"$LOFT" compare "$T/s/sweep.h5" "$T/l/sweep.h5" > "$T/cmp" 2>&1; rc=$?
cat "$T/cmp"
expect "the Slurm sweep is bit-identical to loft run --jobs 1 (10 runs)" "[ $rc = 0 ] && grep -q '10 runs compared, 0 differ' '$T/cmp'"
twins=$(for f in "$T"/s/sweep.h5.slurm/*.out; do cat "$f"; done 2> /dev/null | grep -c 'copied from the tuning run')
expect "the final run equal to the chosen tuning run is copied by its array task, not trained ($twins), as loft run copies it" \
  "[ $twins -ge 1 ] && h5dump -a /runs/lora.rank=2.seed=1/copy_of '$T/s/sweep.h5' | grep -q '\"tune.'"
"$LOFT" run "$T/sweep.lua" --results "$T/x" --jobs 1 --set steps=59 > /dev/null 2>&1
"$LOFT" compare "$T/s/sweep.h5" "$T/x/sweep.h5" > /dev/null 2>&1; rc=$?
expect "loft compare sees a sweep that differs (59 steps): exit 1" "[ $rc = 1 ]"
"$LOFT" submit "$T/sweep.lua" --results "$T/s" > "$T/again" 2>&1
expect "submitting a finished sweep submits nothing" "grep -q 'nothing to submit' '$T/again' && [ -z \"\$(squeue -h)\" ]"

# --- a results directory with a space in its path
"$LOFT" submit "$T/sweep.lua" --results "$T/with space" --only 'loft.*' > /dev/null 2>&1
drain 120
"$LOFT" collect "$T/sweep.lua" --results "$T/with space" --only 'loft.*' > /dev/null 2>&1
"$LOFT" status "$T/sweep.lua" --results "$T/with space" --only 'loft.*' > "$T/space" 2>&1
expect "a results directory whose path has a space: the 4 runs complete" "grep -q 'sweep: 4 complete, of 4 runs' '$T/space'"

# --- an interrupted task (killed mid-run) and a failing run, then resubmission
cat > "$T/slow.lua" <<'EOF'
experiment {
  name = "slow",
  base = "configs/mf.yaml",
  set = { ["in"] = 1024, out = 512, target_rank = 4, log_every = 1 },
  seeds = { 1 },
  variants = { { label = "long", method = "loft", steps = 20000 }, { label = "bad", method = "lora", problem_file = "/nonexistent.h5" } },
}
EOF
"$LOFT" submit "$T/slow.lua" --results "$T/w" > /dev/null 2>&1
for i in $(seq 1 60); do [ -e "$T/w/slow.h5.slurm/long.seed=1.h5.part" ] && break; sleep 0.5; done
sleep 1
"$LOFT" status "$T/slow.lua" --results "$T/w" > "$T/st_run" 2>&1
expect "a task mid-run shows as running" "grep -q 'long.seed=1 .* running' '$T/st_run'"
scancel "$(squeue -h -t R -o %i | head -1)"
drain 60
"$LOFT" status "$T/slow.lua" --results "$T/w" > "$T/st_kill" 2>&1
cat "$T/st_kill"
expect "the cancelled task shows as interrupted, the bad run as failed with its message" \
  "grep -q 'long.seed=1 .* interrupted' '$T/st_kill' && grep -q 'bad.seed=1 .* failed: .*nonexistent.h5' '$T/st_kill'"
"$LOFT" submit "$T/slow.lua" --results "$T/w" --set steps=30 > "$T/resub" 2>&1
drain 120
"$LOFT" collect "$T/slow.lua" --results "$T/w" --set steps=30 > /dev/null 2>&1
"$LOFT" status "$T/slow.lua" --results "$T/w" --set steps=30 > "$T/st_re" 2>&1
expect "resubmitted: the interrupted task's logged steps go into the results first (status interrupted)" \
  "grep -q 'long.seed=1: recovered the logged steps of the interrupted task' '$T/resub'"
expect "resubmitted: the interrupted run completes; the bad run fails again (it cannot run)" \
  "grep -q 'submitted job' '$T/resub' && grep -q 'long.seed=1 .* complete' '$T/st_re' && grep -q 'bad.seed=1 .* failed' '$T/st_re'"

# runs with device: cuda ask Slurm for a GPU per task; this localhost Slurm has none (no gres), so
# sbatch refuses them, with its message, and nothing is recorded as queued
"$LOFT" submit "$T/sweep.lua" --results "$T/gpu" --set device=cuda > "$T/gpu.out" 2>&1; rc=$?
expect "device: cuda runs: the sbatch script asks for --gres=gpu:1 (refused here: no GPU in this Slurm)" \
  "grep -qx '#SBATCH --gres=gpu:1' '$T'/gpu/*.slurm/*-tune.sbatch && [ $rc != 0 ] && grep -q 'sbatch refused' '$T/gpu.out'"

echo "test_slurm: $checks checks, $failures failed"
[ $failures = 0 ]
