#!/usr/bin/env bash
# The CUDA backend against the CPU backend (issue: a CUDA backend, tested on a GPU when the session
# has one). Usage: tests/test_cuda.sh BUILD (after `make test-cuda`, or as part of `make test`).
#  1. Always: the CPU halves of the two-build checks (tests/cuda/kernel_check.c, step_check.c)
#     record the CPU backend's outputs, replay them on the CPU (error 0: the comparison compares),
#     and fail on a corrupted record (the check can fail).
#  2. Without BUILD/loft-cuda (no nvcc) or without a usable GPU: SKIP, named, and exit 0.
#  3. On a GPU: every kernel in float32 and double against its stated bound; one training step of
#     MF (double), the ViT and the GPT (float32) for full AdamW, LoRA and DoRA: the step-0
#     evaluations, the loss and every gradient; then short runs of every method on both builds,
#     compared by `loft compare`: MF 100 steps in double to 1e-10 relative (every logged number
#     and the final tensors), the ViT and the GPT 20 steps in float32 to 1e-3 (loss and gradient
#     norm; the accuracies are discrete and not compared).
# TEST_CUDA_STANDIN=1 runs part 3 with the CPU builds standing in for the GPU ones (device cpu):
# it checks this script itself on a machine without a GPU (every comparison then has error 0).
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. tests/checks.sh
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CPU=$BUILD/tests/cpu
CUDA=$BUILD/tests/cuda
LOFT=$BUILD/loft
DEV=cuda
if [ "${TEST_CUDA_STANDIN:-0}" = 1 ]; then CUDA=$CPU; DEV=cpu; echo "  (TEST_CUDA_STANDIN=1: the CPU builds stand in for the GPU ones)"; fi

# --- 1. the CPU halves
for p in f32 f64; do
  "$CPU/kernel_check_$p" record "$T/kernels_$p.bin" > "$T/rec_$p" 2>&1
  "$CPU/kernel_check_$p" check "$T/kernels_$p.bin" > "$T/replay_$p" 2>&1; rc=$?
  expect "kernel_check $p: the CPU record replays on the CPU with error 0 ($(grep -c '^  ok' "$T/replay_$p") outputs)" \
    "[ $rc = 0 ] && ! grep -q 'error [1-9]' '$T/replay_$p' && [ \$(grep -c '^  ok' '$T/replay_$p') -ge 80 ]"
done
# flip one recorded value (the first output's first number, 64 + 8 bytes in) and the check fails
cp "$T/kernels_f64.bin" "$T/bad.bin"
printf '\x40\x09\x21\xfb\x54\x44\x2d\x18' | dd of="$T/bad.bin" bs=1 seek=72 conv=notrunc 2> /dev/null
"$CPU/kernel_check_f64" check "$T/bad.bin" > "$T/bad" 2>&1; rc=$?
expect "kernel_check fails on a record that differs (exit 1, the output named)" \
  "[ $rc = 1 ] && grep -q 'FAIL blas_gemm NN' '$T/bad'"
"$CPU/step_check_f64" record "$T/step_mf.bin" configs/mf.yaml method=lora rank=4 in=48 out=40 > "$T/srec" 2>&1; rc=$?
"$CPU/step_check_f64" check "$T/step_mf.bin" configs/mf.yaml method=lora rank=4 in=48 out=40 > "$T/sre" 2>&1; rc2=$?
expect "step_check mf lora: the CPU record (loss and the gradients of B, A, bias) replays with error 0" \
  "[ $rc = 0 ] && [ $rc2 = 0 ] && grep -q 'gradient of A' '$T/sre' && ! grep -q 'error [1-9]' '$T/sre'"

"$BUILD/gpu_bench_cpu" --smoke --no-torch > "$T/bench" 2>&1; rc=$?
expect "bench/gpu_bench.c runs on the CPU backend (--smoke: AdamW, LoRA and LoFT rows)" \
  "[ $rc = 0 ] && [ \$(grep -c '^| lo[rf][at] |' '$T/bench') = 6 ]"

# --- 2. skip without the CUDA build or a GPU
if [ $DEV = cuda ] && { [ ! -x "$BUILD/loft-cuda" ] || [ ! -x "$CUDA/kernel_check_f32" ]; }; then
  echo "  SKIP the GPU checks: $BUILD/loft-cuda is not built (make builds it when CUDA's nvcc is installed)"
  echo "test_cuda: $checks checks, $failures failed (GPU checks skipped)"
  [ "$failures" = 0 ]; exit
fi
"$CUDA/kernel_check_f32" check "$T/kernels_f32.bin" > "$T/gpu_f32" 2>&1; rc=$?
if [ $rc = 77 ]; then
  echo "  SKIP the GPU checks: $(grep SKIP "$T/gpu_f32" | sed 's/^SKIP kernel_check (float32): //')"
  echo "test_cuda: $checks checks, $failures failed (GPU checks skipped: no usable CUDA device)"
  [ "$failures" = 0 ]; exit
fi

# --- 3. on the GPU
head -1 "$T/gpu_f32"
for p in f32 f64; do
  [ $p = f64 ] && { "$CUDA/kernel_check_f64" check "$T/kernels_f64.bin" > "$T/gpu_f64" 2>&1; rc=$?; }
  grep 'FAIL' "$T/gpu_$p"
  expect "kernel_check $p on the GPU: $(tail -1 "$T/gpu_$p")" "[ $rc = 0 ]"
done

# data for the ViT and the GPT, as tests/test_cli.sh makes it; pretrained on the CPU
synthetic_digits "$T/digits"
"$LOFT" data-mnist "$T/digits" "$T/mnist.bin" > /dev/null 2>&1
tiny_corpora "$T/text"
V="--set data_file=$T/mnist.bin --set checkpoint=$T/ckpt.h5"
G="--set text_dir=$T/text --set tokenizer=$T/tok.txt --set gpt_checkpoint=$T/gpt.h5"
"$LOFT" run tests/data/vit_tiny_pretrain.lua $V --results "$T/pre" > "$T/pv" 2>&1
"$LOFT" run tests/data/gpt_tiny_pretrain.lua $G --results "$T/pre" > "$T/pg" 2>&1
expect "the tiny ViT and GPT are pretrained on the CPU" "[ -s '$T/ckpt.h5' ] && [ -s '$T/gpt.h5' ] && [ -s '$T/tok.txt' ]"

# one step: step-0 evaluations, loss, every gradient
VK="data_file=$T/mnist.bin checkpoint=$T/ckpt.h5 vit_width=16 vit_depth=1 vit_heads=2 vit_mlp=16 batch_size=8 rank=2"
GK="text_dir=$T/text tokenizer=$T/tok.txt gpt_checkpoint=$T/gpt.h5 vocab=300 ctx=16 gpt_width=16 gpt_depth=1 gpt_heads=2 gpt_mlp=16 batch_size=4 rank=2"
for m in adamw lora dora; do
  for task in mf vit gpt; do
    case $task in mf) p=f64; keys="rank=4 in=96 out=64" ;; vit) p=f32; keys=$VK ;; gpt) p=f32; keys=$GK ;; esac
    "$CPU/step_check_$p" record "$T/s_${task}_$m.bin" configs/$task.yaml method=$m $keys > "$T/sr_${task}_$m" 2>&1
    "$CUDA/step_check_$p" check "$T/s_${task}_$m.bin" configs/$task.yaml method=$m $keys > "$T/sc_${task}_$m" 2>&1; rc=$?
    grep 'FAIL' "$T/sc_${task}_$m"
    expect "one $task step, $m, on the GPU: $(tail -1 "$T/sc_${task}_$m")" "[ $rc = 0 ]"
  done
done

# short runs of every method on both builds (build/loft hands device: cuda runs to build/loft-cuda)
"$LOFT" run tests/cuda/parity_mf.lua --results "$T/cpu" > "$T/rm_cpu" 2>&1
"$LOFT" run tests/cuda/parity_mf.lua --set device=$DEV --results "$T/gpu" > "$T/rm_gpu" 2>&1
"$LOFT" compare "$T/cpu/parity_mf.h5" "$T/gpu/parity_mf.h5" --rtol 1e-10 --tensor-rtol 1e-10 > "$T/cm" 2>&1; rc=$?
grep differs "$T/cm"
expect "MF, 21 runs of every method and LoFT block, 100 steps in double: GPU = CPU within 1e-10 ($(tail -1 "$T/cm"))" "[ $rc = 0 ]"
[ $DEV = cuda ] && expect "the GPU runs record device cuda and the GPU's description" \
  "h5dump -a /runs/loft.seed=1/device '$T/gpu/parity_mf.h5' | grep -q '\"cuda\"' && h5dump -a /runs/loft.seed=1/blas '$T/gpu/parity_mf.h5' | grep -q 'CUDA'"
for task in vit gpt; do
  K=$V; [ $task = gpt ] && K=$G
  "$LOFT" run tests/cuda/parity_$task.lua $K --results "$T/cpu" > "$T/r${task}_cpu" 2>&1
  "$LOFT" run tests/cuda/parity_$task.lua $K --set device=$DEV --results "$T/gpu" > "$T/r${task}_gpu" 2>&1
  "$LOFT" compare "$T/cpu/parity_$task.h5" "$T/gpu/parity_$task.h5" --columns loss,grad_norm --rtol 1e-3 --tensor-rtol 1e-3 > "$T/c$task" 2>&1; rc=$?
  grep differs "$T/c$task"
  expect "$task, adamw/lora/dora/loft, 20 steps in float32: GPU = CPU within 1e-3 ($(tail -1 "$T/c$task"))" "[ $rc = 0 ]"
done
[ $DEV = cuda ] && "$LOFT" run tests/cuda/parity_vit.lua $V --set device=cuda --set tf32=true --results "$T/tf32" --only lora > "$T/rtf" 2>&1
[ $DEV = cuda ] && expect "tf32: true runs, and records tf32 = 1 and TF32 on" \
  "h5dump -a /runs/lora.seed=1/tf32 '$T/tf32/parity_vit.h5' | grep -q '(0): 1' && h5dump -a /runs/lora.seed=1/blas '$T/tf32/parity_vit.h5' | grep -q 'TF32 on'"

echo "test_cuda: $checks checks, $failures failed"
[ "$failures" = 0 ]
