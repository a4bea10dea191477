/* `make bench` (llama row): one training step (forward, backward, clipped optimizer step) of a
   Llama at SmolLM2-135M's shape (30 layers, width 576, 9 heads / 3 KV heads, MLP 1536,
   vocabulary 49,152, tied head), context 256, batch 4, float32, random weights, for full AdamW,
   LoRA r = 8 and LoFT r = 8 on all seven projections; each method in its own process (its peak
   resident memory), against the same model and step in PyTorch (bench/torch_llama_step.py,
   Debian's python3-torch) in the same run. Prints a Markdown table. Not a test.
   Usage: llama_bench [REPS]   (the step time is the best of REPS steps after one warm-up; 3) */
#define LOFT_F32
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "compute/memory.h"
#include "optim/optimizer.h"
#include "rng.h"
#include "tasks/llama.h"

static const LlamaShape SHAPE = { .vocab = 49152, .width = 576, .depth = 30, .heads = 9, .kv_heads = 3, .head_dim = 64,
                                  .mlp = 1536, .max_pos = 8192, .rope_theta = 100000, .rms_eps = 1e-5, .tied = 1 };
enum { BATCH = 4, CTX = 256, RANK = 8 };
static const char *TARGETS = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj";

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

/* in a child: the model for method, reps timed steps; prints "best_ms optimizer_ms state_bytes" */
static void child(const char *method, int reps) {
    Rng rng;
    rng_seed(&rng, 1);
    char err[256];
    const int full = strcmp(method, "adamw") == 0;
    Llama *m = llama_create(SHAPE, BATCH, CTX);
    if (!m) { fprintf(stderr, "llama_create failed\n"); exit(1); }
    llama_init(m, &rng);
    if (!full && llama_add_adapters(m, TARGETS, ADAPT_LORA, RANK, 1.0, 0, &rng, err, sizeof err)) { fprintf(stderr, "%s\n", err); exit(1); }
    AdapterPair pairs[LLAMA_MAX_DEPTH * LLAMA_NMOD];
    PlainTensor plain[LLAMA_MAX_DEPTH * LLAMA_NMOD + 1];
    int np, nl;
    if (llama_trainables(m, full, pairs, &np, plain, &nl, LLAMA_MAX_DEPTH * LLAMA_NMOD + 1, err, sizeof err)) { fprintf(stderr, "%s\n", err); exit(1); }
    for (size_t i = 0; i < m->ad.n; i++) m->ad.adapter[i] += 0.01f * (float)rng_normal(&rng);   /* B != 0: every term works */
    OptimConfig oc = optim_config_default(strcmp(method, "loft") == 0 ? METHOD_LOFT : full ? METHOD_FULL_ADAMW : METHOD_LORA_ADAMW);
    oc.max_grad_norm = 1.0;
    Optimizer *opt = optim_create(&oc, pairs, np, plain, nl, err, sizeof err);
    if (!opt) { fprintf(stderr, "%s\n", err); exit(1); }
    int *tokens = mallocCheck(sizeof(int) * BATCH * CTX), *targets = mallocCheck(sizeof(int) * BATCH * CTX);
    for (int i = 0; i < BATCH * CTX; i++) { tokens[i] = (int)(rng_u64(&rng) % SHAPE.vocab); targets[i] = (int)(rng_u64(&rng) % SHAPE.vocab); }
    int *x = itensor_alloc(BATCH * CTX), *y = itensor_alloc(BATCH * CTX);
    itensor_upload(x, tokens, BATCH * CTX);
    itensor_upload(y, targets, BATCH * CTX);
    double best = INFINITY, best_opt = INFINITY;
    for (int s = 0; s < 1 + reps; s++) {   /* one warm-up step */
        const double t0 = now();
        llama_forward(m, x, y, BATCH * CTX, BATCH, CTX);
        llama_backward(m, y, BATCH, CTX);
        const double t1 = now();
        optim_step(opt, 1e-4);
        if (s > 0) { best = fmin(best, now() - t0); best_opt = fmin(best_opt, now() - t1); }
    }
    printf("%.1f %.1f %zu\n", best * 1e3, best_opt * 1e3, optim_state_bytes(opt));
    optim_free(opt);
    llama_free(m);
    itensor_free(x); itensor_free(y);
    free(tokens); free(targets);
}

typedef struct { double ms, opt_ms, rss_mb; size_t state; } Result;

/* ours in a child process (its peak RSS from wait4) */
static Result ours(const char *self, const char *method, int reps) {
    Result r = { 0, 0, 0, 0 };
    int fd[2];
    if (pipe(fd)) return r;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        char rs[16];
        snprintf(rs, sizeof rs, "%d", reps);
        execl(self, self, "--child", method, rs, (char *)NULL);
        _exit(1);
    }
    close(fd[1]);
    char buf[128] = "";
    ssize_t n = read(fd[0], buf, sizeof buf - 1);
    if (n > 0) buf[n] = 0;
    close(fd[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    if (sscanf(buf, "%lf %lf %zu", &r.ms, &r.opt_ms, &r.state) != 3) r.ms = 0;
    r.rss_mb = ru.ru_maxrss / 1024.0;
    return r;
}

/* PyTorch on the same shapes and threads: "ms rss_mb", or 0 when it is not installed */
static Result torch_step(const char *method, int reps, int threads) {
    Result r = { 0, 0, 0, 0 };
    char cmd[256];
    snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=%d /usr/bin/python3 bench/torch_llama_step.py %s %d %d %d %d %d 2>/dev/null", threads,
             strcmp(method, "loft") == 0 ? "lora" : method, RANK, BATCH, CTX, threads, reps);
    FILE *p = popen(cmd, "r");
    if (!p) return r;
    if (fscanf(p, "%lf %lf", &r.ms, &r.rss_mb) != 2) r.ms = 0;
    pclose(p);
    return r;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--child") == 0) { child(argv[2], atoi(argv[3])); return 0; }
    const int reps = argc > 1 ? atoi(argv[1]) : 3, threads = openblas_get_num_threads();
    if (reps < 1) { fprintf(stderr, "usage: %s [REPS >= 1]\n", argv[0]); return 2; }
    const int have_torch = system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") == 0;
    double load[3] = { 0, 0, 0 };
    if (getloadavg(load, 3) < 1) load[0] = NAN;
    printf("# Llama step at SmolLM2-135M's shape (30 layers, width 576, 9 / 3 heads, MLP 1536, vocabulary 49,152, tied), "
           "context %d, batch %d, float32, %d threads\n\n", CTX, BATCH, threads);
    printf("Best of %d steps after one warm-up, each method in its own process; PyTorch %s on the same shapes and threads, "
           "its LoRA also the twin of our LoFT. Load average at the start: %.1f on %ld cores.\n\n",
           reps, have_torch ? "(bench/torch_llama_step.py)" : "not found (apt-get install python3-torch)", load[0], sysconf(_SC_NPROCESSORS_ONLN));
    printf("| method | ours ms | of it optimizer ms | PyTorch ms | PyTorch / ours | ours tokens/s | ours peak RSS MB | PyTorch peak RSS MB | optimizer state MB |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    const char *methods[] = { "adamw", "lora", "loft" }, *names[] = { "full AdamW", "LoRA r = 8", "LoFT r = 8" };
    for (int i = 0; i < 3; i++) {
        Result o = ours(argv[0], methods[i], reps);
        Result t = have_torch ? torch_step(methods[i], reps, threads) : (Result){ 0, 0, 0, 0 };
        char tms[32] = "-", ratio[32] = "-", trss[32] = "-";
        if (t.ms > 0 && o.ms > 0) {
            snprintf(tms, sizeof tms, "%.0f", t.ms);
            snprintf(ratio, sizeof ratio, "%.2fx", t.ms / o.ms);
            snprintf(trss, sizeof trss, "%.0f", t.rss_mb);
        }
        printf("| %s | %.0f | %.0f | %s | %s | %.0f | %.0f | %s | %.1f |\n", names[i], o.ms, o.opt_ms, tms, ratio,
               o.ms > 0 ? BATCH * CTX / (o.ms * 1e-3) : 0.0, o.rss_mb, trss, o.state / 1048576.0);
        fflush(stdout);
    }
    return 0;
}
