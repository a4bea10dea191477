#!/usr/bin/env bash
# Resume from a checkpoint, bit for bit: every run of tests/data/resume*.lua (MF with each
# optimizer family and the lockstep reference, the tiny ViT and GPT with a split batch among
# them, the llama task packed) is stopped mid-way by SIGINT, SIGTERM or (with checkpoint_every)
# SIGKILL, started again, and must end with every logged number and final tensor equal bit for
# bit to the same run never stopped (`loft compare`). Also: a damaged checkpoint or one of another config is not
# used (the run starts from step 0 and says why), and a finished run leaves no checkpoint.
# Usage: tests/test_resume.sh build/loft
set -u
LOFT=${1:-build/loft}
cd "$(dirname "$0")/.."
. tests/checks.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export LOFT_PROGRESS_SECONDS=0.02   # a progress line every 20 ms: the test stops runs mid-way by it

# the step of the last progress line in file $1 (0: none yet)
last_step() { local s; s=$(grep -o 'step [0-9]*/' "$1" 2>/dev/null | tail -1 | tr -dc 0-9); echo "${s:-0}"; }

# stop_once EXP ID SIGNAL AT RESULTS [--set ...]: runs ID of EXP alone and sends SIGNAL once it
# has passed step AT (its log: RESULTS.ID.stop1); stop: the same, then runs it again (RESULTS.ID.stop2)
stop_once() {
  local exp=$1 id=$2 sig=$3 at=$4 res=$5
  shift 5
  "$LOFT" run "$exp" --only "$id" --results "$res" "$@" > "$res.$id.stop1" 2>&1 &
  local pid=$! i
  for i in $(seq 1 1500); do
    [ "$(last_step "$res.$id.stop1")" -gt "$at" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.01
  done
  kill -"$sig" $pid 2>/dev/null
  wait $pid 2>/dev/null
}
stop() {
  stop_once "$@"
  local exp=$1 id=$2 res=$5
  shift 5
  "$LOFT" run "$exp" --only "$id" --results "$res" "$@" > "$res.$id.stop2" 2>&1
}

# MF: every optimizer family (LoFT with its blocks, LoRA after a spectral init, DoRA, AltLoRA+,
# LoRA-Pro full with decay of W0, full AdamW), each with the lockstep full-AdamW reference
"$LOFT" run tests/data/resume.lua --results "$T/mf_full" > "$T/mf_full.log" 2>&1
expect "MF: the uninterrupted runs complete" "grep -q '7 runs finished, 0 failed' '$T/mf_full.log'"
sigs=(INT TERM INT TERM INT TERM INT)
n=0
for id in loft.seed=1 loft_nb4.seed=1 lora.seed=1 dora.seed=1 altlora_plus.seed=1 lorapro_full.seed=1 adamw.seed=1; do
  stop tests/data/resume.lua "$id" "${sigs[$n]}" 2000 "$T/mf"
  expect "MF $id: stopped by SIG${sigs[$n]} mid-way, it keeps a checkpoint and says so" \
    "grep -q 'interrupted at step' '$T/mf.$id.stop1' && grep -q \"$id: stopped before step [0-9]*; its checkpoint\" '$T/mf.$id.stop1'"
  expect "MF $id: started again, it resumes from the checkpoint" "grep -q \"$id: resuming at step [1-9][0-9]* from its checkpoint\" '$T/mf.$id.stop2'"
  n=$((n + 1))
done
"$LOFT" compare "$T/mf_full/resume.h5" "$T/mf/resume.h5" > "$T/mf.cmp" 2>&1; rc=$?
expect "MF: every resumed run equals the run never stopped, bit for bit (trajectory, distance to AdamW, final tensors)" \
  "[ $rc = 0 ] && grep -q '7 runs compared, 0 differ' '$T/mf.cmp'"
expect "MF: a run that ended leaves no checkpoint behind" "! ls '$T/mf/resume.h5.partial/'*.resume > /dev/null 2>&1"
"$LOFT" show "$T/mf/resume.h5" > "$T/mf.show" 2>&1
expect "MF: the resumed runs are complete, with every step" "[ \$(grep -c 'complete' '$T/mf.show') = 7 ]"
expect "MF: a resumed run records the step it resumed at" "h5dump -a '/runs/loft.seed=1/resumed_from_step' '$T/mf/resume.h5' | grep -q DATA"

# SIGKILL leaves no checkpoint of its own: checkpoint_every writes them (and is not part of the config)
stop tests/data/resume.lua loft.seed=1 KILL 9000 "$T/mfk" --set checkpoint_every=4000
expect "MF, SIGKILL with checkpoint_every = 4000: the run resumes at a multiple of 4000" \
  "grep -Eq 'loft.seed=1: resuming at step (4000|8000|12000|16000) from its checkpoint' '$T/mfk.loft.seed=1.stop2' && grep -q 'recovered the logged steps' '$T/mfk.loft.seed=1.stop2'"
"$LOFT" compare "$T/mf_full/resume.h5" "$T/mfk/resume.h5" --only loft.seed=1 > "$T/mfk.cmp" 2>&1; rc=$?
expect "MF, SIGKILL: the resumed run equals the run never stopped, bit for bit" "[ $rc = 0 ] && grep -q '1 runs compared, 0 differ' '$T/mfk.cmp'"
"$LOFT" run tests/data/resume.lua --only loft.seed=1 --results "$T/mfk" > "$T/mfk.again" 2>&1
expect "MF: the run made with checkpoint_every counts as the same config (skipped)" "grep -q '1 already in' '$T/mfk.again'"

# a checkpoint that cannot be used: damaged, or written for another config
stop_once tests/data/resume.lua dora.seed=1 INT 2000 "$T/bad" --set steps=19999
ck="$T/bad/resume.h5.partial/dora.seed=1.resume"
expect "a stopped run's checkpoint is there" "[ -s '$ck' ]"
cp "$ck" "$T/ck.keep"
printf '\x01' | dd of="$ck" bs=1 seek=4000 count=1 conv=notrunc 2> /dev/null
"$LOFT" run tests/data/resume.lua --only dora.seed=1 --results "$T/bad" --set steps=19999 > "$T/bad.log" 2>&1
expect "a damaged checkpoint is not used: the run says why and starts from step 0" \
  "grep -q \"hash does not match\" '$T/bad.log' && grep -q 'starts from step 0' '$T/bad.log' && grep -q '1 runs finished, 0 failed' '$T/bad.log'"
mkdir -p "$T/other/resume.h5.partial" && cp "$T/ck.keep" "$T/other/resume.h5.partial/dora.seed=1.resume"
"$LOFT" run tests/data/resume.lua --only dora.seed=1 --results "$T/other" > "$T/other.log" 2>&1
expect "a checkpoint of another config (steps) is not used: the run says why and starts from step 0" \
  "grep -q 'written for another config' '$T/other.log' && grep -q 'starts from step 0' '$T/other.log'"
"$LOFT" compare "$T/mf_full/resume.h5" "$T/other/resume.h5" --only dora.seed=1 > "$T/other.cmp" 2>&1; rc=$?
expect "... and ends equal to the run never stopped" "[ $rc = 0 ] && grep -q '1 runs compared, 0 differ' '$T/other.cmp'"

# the tiny ViT (a split batch among its runs)
synthetic_digits "$T/digits"
"$LOFT" data-mnist "$T/digits" "$T/mnist.bin" > /dev/null 2>&1
V="--set data_file=$T/mnist.bin --set checkpoint=$T/ckpt.h5"
"$LOFT" run tests/data/vit_tiny_pretrain.lua $V --results "$T/vp" > /dev/null 2>&1
"$LOFT" run tests/data/resume_vit.lua $V --results "$T/v_full" > "$T/v_full.log" 2>&1
expect "ViT: the uninterrupted runs complete" "grep -q '4 runs finished, 0 failed' '$T/v_full.log'"
for id in loft.seed=1 dora.seed=1 adamw.seed=1 lora-shadow.seed=1; do
  stop tests/data/resume_vit.lua "$id" TERM 1500 "$T/v" $V
  expect "ViT $id: stopped mid-way, started again, it resumes from the checkpoint" \
    "grep -q 'interrupted at step' '$T/v.$id.stop1' && grep -q \"$id: resuming at step [1-9][0-9]* from its checkpoint\" '$T/v.$id.stop2'"
done
"$LOFT" compare "$T/v_full/resume_vit.h5" "$T/v/resume_vit.h5" > "$T/v.cmp" 2>&1; rc=$?
expect "ViT: every resumed run equals the run never stopped, bit for bit (loss, accuracies, closeness to the shadow, final adapters)" \
  "[ $rc = 0 ] && grep -q '4 runs compared, 0 differ' '$T/v.cmp'"

# the tiny GPT (the README and the Makefile stand in for the corpora)
tiny_corpora "$T/text"
G="--set text_dir=$T/text --set tokenizer=$T/tok.txt --set gpt_checkpoint=$T/gpt.h5"
"$LOFT" run tests/data/gpt_tiny_pretrain.lua $G --results "$T/gp" > /dev/null 2>&1
"$LOFT" run tests/data/resume_gpt.lua $G --results "$T/g_full" > "$T/g_full.log" 2>&1
expect "GPT: the uninterrupted runs complete" "grep -q '4 runs finished, 0 failed' '$T/g_full.log'"
for id in loft.seed=1 lora.seed=1 adamw.seed=1 loft-shadow.seed=1; do
  stop tests/data/resume_gpt.lua "$id" INT 1000 "$T/g" $G
  expect "GPT $id: stopped mid-way, started again, it resumes from the checkpoint" \
    "grep -q 'interrupted at step' '$T/g.$id.stop1' && grep -q \"$id: resuming at step [1-9][0-9]* from its checkpoint\" '$T/g.$id.stop2'"
done
"$LOFT" compare "$T/g_full/resume_gpt.h5" "$T/g/resume_gpt.h5" > "$T/g.cmp" 2>&1; rc=$?
expect "GPT: every resumed run equals the run never stopped, bit for bit (loss, perplexity, cloze accuracy)" \
  "[ $rc = 0 ] && grep -q '4 runs compared, 0 differ' '$T/g.cmp'"

# the llama task, packed, on records whose prompts fill most windows (windows drawn again: the
# data stream's redraws are part of what must resume)
for i in $(seq 1 40); do
  printf '{"prompt": "Please read this long preamble with care before you answer. What is %d plus %d?", "completion": " %d."}\n' $i $i $((2 * i))
done > "$T/long.jsonl"
for i in $(seq 1 12); do printf '{"text": "%d plus %d is %d."}\n' $i $i $((2 * i)); done >> "$T/long.jsonl"
L="--set llama_data=$T/long.jsonl --set llama_val_data=tests/data/llama_tiny.jsonl --set ctx=8"
"$LOFT" run tests/data/resume_llama.lua $L --results "$T/l_full" > "$T/l_full.log" 2>&1
expect "Llama: the uninterrupted runs complete" "grep -q '2 runs finished, 0 failed' '$T/l_full.log'"
for id in loft.seed=1 lora.seed=1; do
  stop tests/data/resume_llama.lua "$id" TERM 1000 "$T/l" $L
  expect "Llama $id: stopped mid-way, started again, it resumes from the checkpoint" \
    "grep -q 'interrupted at step' '$T/l.$id.stop1' && grep -q \"$id: resuming at step [1-9][0-9]* from its checkpoint\" '$T/l.$id.stop2'"
done
"$LOFT" compare "$T/l_full/resume_llama.h5" "$T/l/resume_llama.h5" > "$T/l.cmp" 2>&1; rc=$?
redrawn=$(h5dump -a '/runs/loft.seed=1/windows_redrawn' "$T/l/resume_llama.h5" 2>/dev/null | awk '/\(0\)/ { print $2 }')
expect "Llama: every resumed run equals the run never stopped, bit for bit (loss, validation loss; $redrawn windows redrawn)" \
  "[ $rc = 0 ] && grep -q '2 runs compared, 0 differ' '$T/l.cmp' && [ '${redrawn:-0}' -gt 0 ]"

echo "test_resume: $checks checks, $failures failures"
[ $failures = 0 ]
