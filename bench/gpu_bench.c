/* `make bench-gpu` (on a machine with an NVIDIA GPU): one GPT training step (forward, backward,
   optimizer) on the CUDA backend, at the ablation's size and at GPT-2-small's shape (12 layers,
   width 768, context 1024, vocabulary 50257), for full AdamW and for LoRA and LoFT at r = 1, 8,
   64: the best step time of REPS, tokens/s, the model's FLOP rate (forward + backward = 3 x the
   forward's FLOPs) and its fraction of the rate a large GEMM of the model's own shape reaches in
   this same run (the "GEMM-bound part"), and LoFT / LoRA. TF32 on by default (--no-tf32: full
   float32). Also links against the CPU backend (`--smoke`: tiny shapes, to check this program).
   PyTorch (bench/torch_step.py) on the same device, shapes and TF32 setting where python3 has
   torch (and, on the GPU, CUDA): AdamW and LoRA rows (LoFT has no PyTorch twin).
   Prints Markdown tables. Not a test: nothing is asserted.
   Usage: gpu_bench [--smoke] [--no-tf32] [--no-torch] */
#define LOFT_F32
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "compute/backend.h"
#include "compute/kernels.h"
#include "compute/memory.h"
#include "check.h"
#include "tasks/gpt.h"

enum { WARMUP = 3, REPS = 10 };

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

/* the forward FLOPs of one sequence (2 per multiply-add): the linear layers, causal attention
   (half of the T x T products), the LM head (as bench/step_bench.c counts them) */
static double forward_flops(GptShape s) {
    const double T = s.ctx, C = s.width, H = s.mlp, L = s.depth, V = s.vocab;
    return L * (2 * T * (C * 3 * C + C * C + 2 * C * H) + 2 * 2 * T * T * C / 2) + 2 * T * C * V;
}

/* TFLOP/s of C (M,N) = A (M,K) B (N,K)^T on device tensors, best of reps */
static double gemm_tflops(int M, int N, int K) {
    real *A = tensor_alloc((size_t)M * K), *B = tensor_alloc((size_t)N * K), *C = tensor_alloc((size_t)M * N);
    vec_fill(A, 0.01f, (size_t)M * K);
    vec_fill(B, 0.02f, (size_t)N * K);
    double best = INFINITY;
    for (int r = 0; r < 20; r++) {
        compute_host_access();
        double t0 = now();
        blas_gemm(0, 1, M, N, K, 1, A, K, B, K, 0, C, N);
        compute_host_access();
        if (r > 2) best = fmin(best, now() - t0);
    }
    tensor_free(A); tensor_free(B); tensor_free(C);
    return 2.0 * M * N * K / best / 1e12;
}

/* the best step in ms, and the optimizer state in bytes */
static double step_ms(GptShape s, int B, const char *method, int r, size_t *state) {
    Rng rng;
    rng_seed(&rng, 1);
    char err[256];
    const int full = strcmp(method, "adamw") == 0, T = s.ctx;
    AdapterPair pairs[256];
    PlainTensor plain[64];
    int np = 0, nl = 0;
    Gpt *g = gpt_create(s, B, T);
    gpt_init(g, &rng);
    if (!full && gpt_add_adapters(g, "qkv,proj,fc1,fc2", ADAPT_LORA, r, 1.0, 0, &rng, err, sizeof err)) { fprintf(stderr, "error: %s\n", err); exit(1); }
    if (gpt_trainables(g, full, "", pairs, &np, plain, &nl, 64, err, sizeof err)) { fprintf(stderr, "error: %s\n", err); exit(1); }
    OptimConfig oc = optim_config_default(strcmp(method, "loft") == 0 ? METHOD_LOFT : full ? METHOD_FULL_ADAMW : METHOD_LORA_ADAMW);
    oc.max_grad_norm = 1.0;
    Optimizer *opt = optim_create(&oc, pairs, np, plain, nl, err, sizeof err);
    if (!opt) { fprintf(stderr, "error: %s\n", err); exit(1); }
    int *htok = mallocCheck(sizeof(int) * (size_t)B * T), *hlab = mallocCheck(sizeof(int) * (size_t)B * T);
    for (int i = 0; i < B * T; i++) { htok[i] = (int)(rng_u64(&rng) % s.vocab); hlab[i] = (int)(rng_u64(&rng) % s.vocab); }
    int *tokens = itensor_alloc((size_t)B * T), *labels = itensor_alloc((size_t)B * T);
    itensor_upload(tokens, htok, (size_t)B * T);
    itensor_upload(labels, hlab, (size_t)B * T);
    double best = INFINITY;
    for (int k = 0; k < WARMUP + REPS; k++) {
        compute_host_access();
        double t0 = now();
        gpt_forward(g, tokens, labels, B, T);
        gpt_backward(g, labels, B, T);
        optim_step(opt, 1e-4);
        compute_host_access();
        if (k >= WARMUP) best = fmin(best, now() - t0);
    }
    *state = optim_state_bytes(opt);
    optim_free(opt);
    gpt_free(g);
    itensor_free(tokens); itensor_free(labels);
    free(htok); free(hlab);
    return best * 1e3;
}

static int torch_ok;   /* python3 has torch, on this device */

/* PyTorch's best step in ms for the same shape and method (0: not available) */
static double torch_ms(GptShape s, int B, const char *method, int r, int tf32) {
    if (!torch_ok || strcmp(method, "loft") == 0) return 0;
    char cmd[512], out[128] = "";
    snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_step.py gpt %s %d %d 1 %d %d %d %d %d %s %d %s 2>/dev/null",
             method, r > 0 ? r : 1, B, s.width, s.ctx, s.depth, s.heads, s.vocab, compute_device(), tf32, s.gelu_tanh ? "tanh" : "erf");
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    double ms = 0;
    if (fgets(out, sizeof out, p)) sscanf(out, "%lf", &ms);
    pclose(p);
    return ms;
}

static void shape_table(const char *title, GptShape s, int B, int tf32) {
    const double flops = 3 * forward_flops(s) * B;
    const double peak = gemm_tflops(B * s.ctx, 4 * s.width, s.width);
    printf("\n### %s: %d layers, width %d, context %d, vocabulary %d, batch %d\n\n", title, s.depth, s.width, s.ctx, s.vocab, B);
    printf("Same-run GEMM (%d x %d x %d, the MLP's shape): %.1f TFLOP/s.\n\n", B * s.ctx, 4 * s.width, s.width, peak);
    printf("| method | r | step (ms) | tokens/s | model TFLOP/s | of the GEMM rate | / LoRA same r | optimizer state (MB) | PyTorch (ms) |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    const char *methods[] = { "adamw", "lora", "loft" };
    const int ranks[] = { 1, 8, 64 };
    double lora_ms[3] = { 0, 0, 0 };
    for (int mi = 0; mi < 3; mi++)
        for (int ri = 0; ri < (mi ? 3 : 1); ri++) {
            size_t state = 0;
            const double ms = step_ms(s, B, methods[mi], mi ? ranks[ri] : 0, &state);
            if (mi == 1) lora_ms[ri] = ms;
            const double tf = flops / (ms * 1e-3) / 1e12;
            char ratio[32] = "", rank[16] = "-", torch[32] = "-";
            if (mi == 2) snprintf(ratio, sizeof ratio, "%.2fx", ms / lora_ms[ri]);
            if (mi) snprintf(rank, sizeof rank, "%d", ranks[ri]);
            const double tms = torch_ms(s, B, methods[mi], mi ? ranks[ri] : 0, tf32);
            if (tms > 0) snprintf(torch, sizeof torch, "%.2f (%.2fx ours)", tms, tms / ms);
            printf("| %s | %s | %.2f | %.0f | %.2f | %.0f %% | %s | %.1f | %s |\n", methods[mi], rank, ms, B * s.ctx / (ms * 1e-3), tf,
                   100 * tf / peak, ratio, state / 1e6, torch);
            fflush(stdout);
        }
}

int main(int argc, char **argv) {
    int smoke = 0, tf32 = 1, no_torch = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) smoke = 1;
        else if (strcmp(argv[i], "--no-tf32") == 0) tf32 = 0;
        else if (strcmp(argv[i], "--no-torch") == 0) no_torch = 1;
        else { fprintf(stderr, "usage: %s [--smoke] [--no-tf32] [--no-torch]\n", argv[0]); return 2; }
    }
    char err[512];
    if (strcmp(compute_device(), "cpu") == 0) tf32 = 0;
    if (compute_select(compute_device(), tf32, err, sizeof err) != 0) { printf("SKIP gpu_bench: %s\n", err); return 0; }
    printf("## GPT training step on %s\n", compute_backend());
    char probe[160];
    snprintf(probe, sizeof probe, "/usr/bin/python3 -c 'import torch, sys; sys.exit(0 if \"%s\" == \"cpu\" or torch.cuda.is_available() else 1)' "
             "> /dev/null 2>&1", compute_device());
    torch_ok = !no_torch && system(probe) == 0;
    printf("PyTorch: %s\n", torch_ok ? "bench/torch_step.py on the same device" : "not available (python3 without torch for this device)");
    if (smoke) {
        shape_table("smoke", (GptShape){ 300, 16, 32, 1, 2, 64, 0 }, 2, tf32);
        return 0;
    }
    shape_table("The ablation's GPT", (GptShape){ 1024, 64, 128, 4, 4, 512, 0 }, 16, tf32);
    shape_table("GPT-2 small", (GptShape){ 50257, 1024, 768, 12, 12, 3072, 1 }, 8, tf32);
    return 0;
}
