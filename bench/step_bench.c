/* `make bench`: one training step (forward, backward, optimizer) of the ViT or the GPT for full
   AdamW, LoRA, DoRA and LoFT at r = 1, 4, 8, 16, each in its own process (for its peak resident
   memory), the achieved GFLOP/s against OpenBLAS sgemm measured in this same run, and the same
   model and step in PyTorch (bench/torch_step.py, Debian's python3-torch) on the same shapes and
   threads when it is installed. For the GPT also tokens/s and the optimizer state per layer
   against the spec's accounting. `step_bench gpt-scale`: the GPT step as width (128 -> 512),
   context (64 -> 256) and rank (1 -> 64) grow, one at a time, ours vs PyTorch on 1 core.
   Prints Markdown tables. Not a test: nothing is asserted.
   Usage: step_bench vit|gpt|gpt-scale */
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
#include "compute/kernels.h"
#include "check.h"
#include "init.h"
#include "nn/batch_split.h"
#include "tasks/gpt.h"
#include "tasks/vit.h"

enum { WARMUP = 3, REPS = 20 };   /* the step time is the best of REPS timed steps (this VM is shared) */
static const VitShape VSHAPE = { 28, 7, 128, 4, 4, 512, 10 };          /* 4 layers, width 128, MLP 512 */
static GptShape GSHAPE = { 1024, 64, 128, 4, 4, 512, 0 };   /* the ablation's GPT; gpt-scale varies width, ctx */
enum { VIT_BATCH = 64, GPT_BATCH = 16 };

static int is_gpt;
static int split_threads = 1;   /* > 1: the batch split over this many threads (batch_threads), 1 BLAS thread each */

/* one share of the batch through a model (batch_split.h): the step's inputs, host arrays */
typedef struct { const float *images; const int *labels, *tokens; } Inputs;
static double share_step(void *model, int lo, int hi, void *ctx) {
    const Inputs *in = ctx;
    if (is_gpt) {
        const int T = GSHAPE.ctx;
        double loss = gpt_forward(model, in->tokens + (size_t)lo * T, in->labels + (size_t)lo * T, hi - lo, T);
        gpt_backward(model, in->labels + (size_t)lo * T, hi - lo, T);
        return loss;
    }
    double loss = vit_forward(model, in->images + (size_t)lo * 784, in->labels + lo, hi - lo);
    vit_backward(model, in->labels + lo, hi - lo);
    return loss;
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

/* forward FLOPs of one sample (2 per multiply-add): the linear layers, attention, embedding/head */
static double forward_flops(void) {
    if (is_gpt) {
        const double T = GSHAPE.ctx, C = GSHAPE.width, H = GSHAPE.mlp, L = GSHAPE.depth, V = GSHAPE.vocab;
        return L * (2 * T * (C * 3 * C + C * C + 2 * C * H) + 2 * 2 * T * T * C / 2) + 2 * T * C * V;   /* causal: half the T x T */
    }
    const double T = 17, C = VSHAPE.width, H = VSHAPE.mlp, L = VSHAPE.depth, P = 16, pp = 49;
    double lin = 2 * T * (C * 3 * C + C * C + 2 * C * H), att = 2 * 2 * T * T * C;
    return 2 * P * pp * C + L * (lin + att) + 2 * C * VSHAPE.classes;
}
static double sgemm_gflops(int M, int N, int K) {
    float *A = mallocCheck(sizeof(float) * M * K), *B = mallocCheck(sizeof(float) * K * N), *Cm = mallocCheck(sizeof(float) * M * N);
    for (int i = 0; i < M * K; i++) A[i] = (float)(i % 7) * 0.1f;
    for (int i = 0; i < K * N; i++) B[i] = (float)(i % 5) * 0.1f;
    int reps = (int)(2e10 / (2.0 * M * N * K)) + 3;
    blas_gemm(0, 1, M, N, K, 1, A, K, B, K, 0, Cm, N);
    double best = INFINITY;   /* best of reps, like the steps */
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        blas_gemm(0, 1, M, N, K, 1, A, K, B, K, 0, Cm, N);
        best = fmin(best, now() - t0);
    }
    free(A); free(B); free(Cm);
    return 2.0 * M * N * K / best / 1e9;
}

/* in a child: build the model for method/rank, time REPS steps, print the best step's ms and
   the optimizer state in bytes */
static void child(const char *method, int r) {
    Rng rng;
    rng_seed(&rng, 1);
    char err[256];
    const int full = strcmp(method, "adamw") == 0, B = is_gpt ? GPT_BATCH : VIT_BATCH;
    const AdaptKind kind = strcmp(method, "dora") == 0 ? ADAPT_DORA : ADAPT_LORA;
    AdapterPair pairs[64];
    PlainTensor plain[64];
    int np, nl;
    Vit *v = NULL;
    Gpt *g = NULL;
    real *adapter;
    size_t nadapter;
    if (is_gpt) {
        g = gpt_create(GSHAPE, B, GSHAPE.ctx);
        gpt_init(g, &rng);
        if (!full) gpt_add_adapters(g, "qkv,proj,fc1,fc2", kind, r, 1.0, 0, &rng, err, sizeof err);
        gpt_trainables(g, full, "", pairs, &np, plain, &nl, 64, err, sizeof err);
        adapter = g->adapter; nadapter = g->nadapter;
    } else {
        v = vit_create(VSHAPE, B);
        vit_init(v, &rng);
        if (!full) vit_add_adapters(v, "qkv,proj,fc1,fc2", kind, r, 1.0, 0, &rng, err, sizeof err);
        vit_trainables(v, full, "head", pairs, &np, plain, &nl, 64, err, sizeof err);
        adapter = v->adapter; nadapter = v->nadapter;
    }
    for (size_t i = 0; i < nadapter; i++) adapter[i] += 0.01f * (float)rng_normal(&rng);
    /* the split (batch_threads): replicas of the model, made as the tasks make theirs */
    BatchSplit split = { .n = 1, .step = share_step };
    split.model[0] = is_gpt ? (void *)g : (void *)v;
    split.size[0] = is_gpt ? g->nparams : v->nparams;
    split.size[1] = nadapter;
    for (int i = 0; i < split_threads; i++) {
        if (i > 0) {
            Rng scratch;
            rng_seed(&scratch, 2);
            AdapterPair sp[64];
            PlainTensor sl[64];
            int snp, snl;
            const int Bs = (B + split_threads - 1) / split_threads;
            if (is_gpt) {
                Gpt *m = gpt_create(GSHAPE, Bs, GSHAPE.ctx);
                gpt_init(m, &scratch);
                if (!full) gpt_add_adapters(m, "qkv,proj,fc1,fc2", kind, r, 1.0, 0, &scratch, err, sizeof err);
                gpt_trainables(m, full, "", sp, &snp, sl, &snl, 64, err, sizeof err);
                split.model[split.n++] = m;
            } else {
                Vit *m = vit_create(VSHAPE, Bs);
                vit_init(m, &scratch);
                if (!full) vit_add_adapters(m, "qkv,proj,fc1,fc2", kind, r, 1.0, 0, &scratch, err, sizeof err);
                vit_trainables(m, full, "head", sp, &snp, sl, &snl, 64, err, sizeof err);
                split.model[split.n++] = m;
            }
        }
        void *m = split.model[i];
        split.params[i][0] = is_gpt ? ((Gpt *)m)->params : ((Vit *)m)->params;
        split.grads[i][0] = is_gpt ? ((Gpt *)m)->grads : ((Vit *)m)->grads;
        split.params[i][1] = is_gpt ? ((Gpt *)m)->adapter : ((Vit *)m)->adapter;
        split.grads[i][1] = is_gpt ? ((Gpt *)m)->adapter_grad : ((Vit *)m)->adapter_grad;
    }
    OptimConfig oc = optim_config_default(strcmp(method, "loft") == 0 ? METHOD_LOFT : full ? METHOD_FULL_ADAMW : METHOD_LORA_ADAMW);
    oc.max_grad_norm = 1.0;
    oc.threads = split.n;   /* with the split, the pair steps spread over its threads, as in a run (optim_config_of_run) */
    Optimizer *opt = optim_create(&oc, pairs, np, plain, nl, err, sizeof err);
    float *images = mallocCheck(sizeof(float) * B * 784);
    int *labels = mallocCheck(sizeof(int) * B * GSHAPE.ctx), *tokens = mallocCheck(sizeof(int) * B * GSHAPE.ctx);
    init_uniform(images, (size_t)B * 784, 0, 1, &rng);
    for (int i = 0; i < B * GSHAPE.ctx; i++) { labels[i] = (int)(rng_u64(&rng) % (is_gpt ? GSHAPE.vocab : 10)); tokens[i] = (int)(rng_u64(&rng) % GSHAPE.vocab); }
    Inputs in = { images, labels, tokens };
    split.ctx = &in;
    double best = INFINITY, best_opt = INFINITY;   /* the whole step, and its optimizer step alone */
    for (int s = 0; s < WARMUP + REPS; s++) {
        double t0 = now();
        if (split.n > 1) batch_split_step(&split, B);
        else if (is_gpt) { gpt_forward(g, tokens, labels, B, GSHAPE.ctx); gpt_backward(g, labels, B, GSHAPE.ctx); }
        else { vit_forward(v, images, labels, B); vit_backward(v, labels, B); }
        double t1 = now();
        optim_step(opt, 1e-4);
        if (s >= WARMUP) { best = fmin(best, now() - t0); best_opt = fmin(best_opt, now() - t1); }
    }
    printf("%.3f %zu %.3f\n", best * 1e3, optim_state_bytes(opt), best_opt * 1e3);
    fflush(stdout);
    optim_free(opt);
    for (int i = 1; i < split.n; i++) { if (is_gpt) gpt_free(split.model[i]); else vit_free(split.model[i]); }
    if (g) gpt_free(g);
    if (v) vit_free(v);
    free(images); free(labels); free(tokens);
}

typedef struct { double ms, rss_mb; size_t state; double opt_ms; } Result;

static Result measure(const char *self, const char *method, int r, int threads) {
    Result res = { 0, 0, 0, 0 };
    int fd[2];
    if (pipe(fd)) return res;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        char rs[16], ts[16], ws[16], cs[16];
        snprintf(rs, sizeof rs, "%d", r);
        snprintf(ts, sizeof ts, "%d", threads);
        snprintf(ws, sizeof ws, "%d", GSHAPE.width);
        snprintf(cs, sizeof cs, "%d", GSHAPE.ctx);
        execl(self, self, is_gpt ? "gpt" : "vit", "--child", method, rs, ts, ws, cs, (char *)NULL);
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
    sscanf(buf, "%lf %zu %lf", &res.ms, &res.state, &res.opt_ms);
    res.rss_mb = ru.ru_maxrss / 1024.0;
    return res;
}

/* PyTorch on the same shapes: "ms rss_mb" from bench/torch_step.py, or 0. intra: its intra-op
   threads (torch.set_num_threads); blas: OpenBLAS's threads, which torch.set_num_threads does not
   set (Debian's torch calls the system OpenBLAS for its GEMMs; left alone, those use every core) */
static Result torch_run(const char *method, int r, int intra, int blas) {
    Result res = { 0, 0, 0, 0 };
    char cmd[320];
    snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=%d /usr/bin/python3 bench/torch_step.py %s %s %d %d %d %d %d 2>/dev/null", blas,
             is_gpt ? "gpt" : "vit", method, r, is_gpt ? GPT_BATCH : VIT_BATCH, intra, GSHAPE.width, GSHAPE.ctx);
    FILE *p = popen(cmd, "r");
    if (!p) return res;
    if (fscanf(p, "%lf %lf", &res.ms, &res.rss_mb) != 2) res.ms = 0;
    pclose(p);
    return res;
}

/* PyTorch's best on `cores` cores: 1 core = 1 intra-op thread and 1 OpenBLAS thread; N cores =
   the faster of N and 1 intra-op threads, OpenBLAS on N threads either way */
static Result torch_step(const char *method, int r, int cores) {
    Result a = torch_run(method, r, cores, cores);
    if (cores == 1) return a;
    Result b = torch_run(method, r, 1, cores);
    return b.ms > 0 && (a.ms <= 0 || b.ms < a.ms) ? b : a;
}

/* optimizer state of one block's four adapted layers (m x n each) for rank r, as the spec counts
   it: LoRA-AdamW 2 (m+n) r; LoFT moments (m+n)(r + r^2) plus the held-factor snapshots (m+n) r */
static void state_per_layer(int r) {
    const int C = GSHAPE.width, H = GSHAPE.mlp, mn[4][2] = { { 3 * C, C }, { C, C }, { H, C }, { C, H } };
    long lora = 0, loft = 0, full = 0;
    for (int k = 0; k < 4; k++) {
        long m = mn[k][0], n = mn[k][1];
        full += 2 * m * n; lora += 2 * (m + n) * r; loft += (m + n) * (r + (long)r * r) + (m + n) * r;
    }
    printf("| %d | %ld | %ld | %ld | %.2fx |", r, full, lora, loft, (double)loft / lora);
}

/* the GPT step as one dimension grows at a time from the ablation's shape (width 128, context 64,
   r = 8, batch 16): full AdamW for width and context, LoRA and LoFT for the rank; 1 core each (PyTorch: 1 intra-op and 1 OpenBLAS thread) */
static int scaling(const char *self, int have_torch) {
    printf("# GPT step as the work grows (4 layers, 4 heads, MLP 4 x width, vocabulary 1024, batch 16, float32, 1 core: 1 thread, OpenBLAS included, for ours and PyTorch)\n\n"
           "Best of %d steps; FLOPs counted as in the tables above (full ~3x forward, adapters ~2x).\n\n", REPS);
    printf("| grows | width | context | method | r | GFLOP/step | ours ms | PyTorch ms | PyTorch / ours | ours GFLOP/s | ours peak RSS MB | PyTorch peak RSS MB | optimizer state MB |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    struct { const char *grows; int width, ctx; const char *method; int r; } rows[] = {
        { "width", 128, 64, "adamw", 0 }, { "width", 256, 64, "adamw", 0 }, { "width", 512, 64, "adamw", 0 },
        { "context", 128, 128, "adamw", 0 }, { "context", 128, 256, "adamw", 0 },
        { "rank", 128, 64, "lora", 1 }, { "rank", 128, 64, "loft", 1 }, { "rank", 128, 64, "lora", 8 },
        { "rank", 128, 64, "loft", 8 }, { "rank", 128, 64, "lora", 32 }, { "rank", 128, 64, "loft", 32 },
        { "rank", 128, 64, "lora", 64 }, { "rank", 128, 64, "loft", 64 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        GSHAPE.width = rows[i].width;
        GSHAPE.mlp = 4 * rows[i].width;
        GSHAPE.ctx = rows[i].ctx;
        int full = strcmp(rows[i].method, "adamw") == 0;
        double flops = (full ? 3 : 2) * forward_flops() * GPT_BATCH;
        Result ours = measure(self, rows[i].method, rows[i].r, 1);
        Result pt = have_torch ? torch_step(rows[i].method, rows[i].r, 1) : (Result){ 0, 0, 0, 0 };
        char ptms[32] = "-", ratio[32] = "-", ptrss[32] = "-", rk[8] = "-";
        if (pt.ms > 0) {
            snprintf(ptms, sizeof ptms, "%.1f", pt.ms);
            snprintf(ratio, sizeof ratio, "%.2fx", pt.ms / ours.ms);
            snprintf(ptrss, sizeof ptrss, "%.0f", pt.rss_mb);
        }
        if (rows[i].r) snprintf(rk, sizeof rk, "%d", rows[i].r);
        printf("| %s | %d | %d | %s | %s | %.2f | %.1f | %s | %s | %.1f | %.0f | %s | %.1f |\n", rows[i].grows, rows[i].width,
               rows[i].ctx, rows[i].method, rk, flops / 1e9, ours.ms, ptms, ratio, flops / (ours.ms * 1e-3) / 1e9, ours.rss_mb, ptrss,
               ours.state / 1048576.0);
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "vit") && strcmp(argv[1], "gpt") && strcmp(argv[1], "gpt-scale"))) {
        fprintf(stderr, "usage: %s vit|gpt|gpt-scale\n", argv[0]);
        return 2;
    }
    is_gpt = strcmp(argv[1], "vit") != 0;
    if (strcmp(argv[1], "gpt-scale") == 0)
        return scaling(argv[0], system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") == 0);
    if (argc == 8 && strcmp(argv[2], "--child") == 0) {
        const int t = atoi(argv[5]);   /* < 0: the batch split over -t threads, one BLAS thread each */
        split_threads = t < 0 ? -t : 1;   /* at most BATCH_SPLIT_MAX, and a row per thread */
        const int rows = is_gpt ? GPT_BATCH : VIT_BATCH;
        if (split_threads > BATCH_SPLIT_MAX) split_threads = BATCH_SPLIT_MAX;
        if (split_threads > rows) split_threads = rows;
        openblas_set_num_threads(t < 0 ? 1 : t);
        GSHAPE.width = atoi(argv[6]);
        GSHAPE.mlp = 4 * GSHAPE.width;
        GSHAPE.ctx = atoi(argv[7]);
        child(argv[3], atoi(argv[4]));
        return 0;
    }
    const int B = is_gpt ? GPT_BATCH : VIT_BATCH, tokens = is_gpt ? B * GSHAPE.ctx : B;
    int threads = openblas_get_num_threads();
    const int split_n = threads < BATCH_SPLIT_MAX ? (threads < B ? threads : B) : (BATCH_SPLIT_MAX < B ? BATCH_SPLIT_MAX : B);
    int have_torch = system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") == 0;
    const int rows = is_gpt ? tokens : B * 17;
    double peak = sgemm_gflops(1024, 1024, 1024), shaped = sgemm_gflops(rows, 3 * 128, 128);
    double fwd = forward_flops() * B;
    if (is_gpt) printf("# GPT training step: 4 layers, width 128, MLP 512, 4 heads, vocabulary 1024, context 64, batch %d, float32, %d threads\n\n", B, threads);
    else printf("# ViT training step: 4 layers, width 128, MLP 512, 4 heads, patch 7, batch %d, float32, %d threads\n\n", B, threads);
    printf("OpenBLAS sgemm in this run: %.1f GFLOP/s at 1024^3, %.1f GFLOP/s at the qkv shape (%d x %d x %d)\n",
           peak, shaped, rows, 3 * 128, 128);
    printf("model FLOPs per step: forward %.2f GFLOP; full fine-tuning step ~3x forward = %.2f GFLOP\n\n", fwd / 1e9, 3 * fwd / 1e9);
    if (!have_torch) printf("(PyTorch not found: `apt-get install python3-torch` for the comparison columns)\n\n");
    printf("Step times: the best of %d steps after %d warm-up steps, each method in its own process; \"best\" is the\n"
           "fastest of the %d-core, 1-core and batch-split runs (ours) and of the %d-core and 1-core runs (PyTorch). Ours on N\n"
           "cores: OpenBLAS on N threads (our loops are single-threaded SIMD), or the batch split over N threads with\n"
           "one OpenBLAS thread each (config key batch_threads, nn/batch_split.h). PyTorch on N cores: OpenBLAS on N\n"
           "threads and the faster of N and 1 intra-op threads (torch.set_num_threads); on 1 core both are 1.\n\n",
           REPS, WARMUP, threads, threads);
    printf("| method | r | ours ms (%d cores) | ours ms (1 core) | of it optimizer ms (1 core) | ours ms (batch_threads %d) | PyTorch ms (%d cores) | PyTorch ms (1 core) | PyTorch best / ours best | ours GFLOP/s | %% of sgemm 1024^3 | ours %s/s | ours peak RSS MB | PyTorch peak RSS MB | optimizer state KB |\n",
           threads, split_n, threads, is_gpt ? "tokens" : "images");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    const char *methods[] = { "adamw", "lora", "dora", "loft" };
    const int ranks[] = { 1, 4, 8, 16 };
    double lora_ms[4] = { 0 }, loft_ms[4] = { 0 }, worst_ratio = INFINITY, worst_sgemm = INFINITY;
    size_t loft_state[4] = { 0 };
    for (int mi = 0; mi < 4; mi++)
        for (int ri = 0; ri < (mi == 0 ? 1 : 4); ri++) {
            int r = mi == 0 ? 0 : ranks[ri];
            Result ours = measure(argv[0], methods[mi], r, threads), ours1 = threads > 1 ? measure(argv[0], methods[mi], r, 1) : ours;
            Result oursS = threads > 1 ? measure(argv[0], methods[mi], r, -split_n) : ours;   /* batch_threads = cores */
            Result pt = have_torch ? torch_step(methods[mi], r, threads) : (Result){ 0, 0, 0, 0 };
            Result pt1 = have_torch && threads > 1 ? torch_step(methods[mi], r, 1) : pt;
            double best = fmin(fmin(ours.ms, ours1.ms), oursS.ms), pt_best = pt1.ms > 0 ? fmin(pt.ms, pt1.ms) : pt.ms;
            /* full fine-tuning does 3x the forward work; adapter methods skip the frozen weight
               gradients (~2x forward); count the work each really does */
            double flops = (mi == 0 ? 3 : 2) * fwd, gflops = flops / (best * 1e-3) / 1e9;
            if (mi == 1) lora_ms[ri] = best;
            if (mi == 3) loft_ms[ri] = best;
            char ptms[32] = "-", ratio[32] = "-", ptrss[32] = "-", pt1ms[32] = "-";
            if (pt1.ms > 0) snprintf(pt1ms, sizeof pt1ms, "%.1f", pt1.ms);
            if (pt.ms > 0) {
                snprintf(ptms, sizeof ptms, "%.1f", pt.ms);
                snprintf(ratio, sizeof ratio, "%.2fx", pt_best / best);
                snprintf(ptrss, sizeof ptrss, "%.0f", pt.rss_mb);
                worst_ratio = fmin(worst_ratio, pt_best / best);
            }
            if (mi == 0) worst_sgemm = 100 * gflops / peak;
            char rk[8] = "-";
            if (r) snprintf(rk, sizeof rk, "%d", r);
            printf("| %s | %s | %.1f | %.1f | %.2f | %.1f | %s | %s | %s | %.1f | %.0f%% | %.0f | %.0f | %s | %.0f |\n", methods[mi], rk,
                   ours.ms, ours1.ms, ours1.opt_ms, oursS.ms, ptms, pt1ms, ratio, gflops, 100 * gflops / peak,
                   tokens / (best * 1e-3), ours.rss_mb, ptrss, ours.state / 1024.0);
            if (mi == 3) loft_state[ri] = ours.state;
        }
    if (worst_ratio < INFINITY) printf("\nSlowest ratio PyTorch best / ours best over the table: %.2fx (target >= 2x)\n", worst_ratio);
    printf("Full AdamW step at %.0f%% of the sgemm 1024^3 rate (target >= 50%%)\n", worst_sgemm);
    printf("LoFT / LoRA step time (best):");
    for (int ri = 0; ri < 4; ri++) printf("  r=%d %.2fx", ranks[ri], loft_ms[ri] / lora_ms[ri]);
    printf("  (target <= 1.15x)\n");
    if (!is_gpt) return 0;
    printf("\nOptimizer state per transformer layer (qkv 384x128, proj 128x128, fc1 512x128, fc2 128x512), in floats:\n"
           "LoFT's moments (m+n)(r + r^2) (first moment + second-moment cross terms) plus the snapshots of the\n"
           "held factors (m+n) r that the calibration needs; measured = optim_state_bytes of the LoFT run / 4 layers\n\n");
    printf("| r | full AdamW 2mn | LoRA-AdamW 2(m+n)r | LoFT (m+n)(2r + r^2) | LoFT / LoRA | LoFT measured | equal |\n|---|---|---|---|---|---|---|\n");
    for (int ri = 0; ri < 4; ri++) {
        const int C = GSHAPE.width, H = GSHAPE.mlp, r = ranks[ri];
        long want = 0, mn[4] = { 3 * C + C, C + C, H + C, C + H };
        for (int k = 0; k < 4; k++) want += mn[k] * (2L * r + (long)r * r);
        double measured = loft_state[ri] / sizeof(float) / (double)GSHAPE.depth;
        state_per_layer(r);
        printf(" %.0f | %s |\n", measured, measured == (double)want ? "yes" : "NO");
    }
    return 0;
}
