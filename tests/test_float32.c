/* The float32 build of the core (the one networks use): GEMM against its naive twin, the
   vectorised element-wise layers (GELU, softmax cross-entropy: libmvec's erff / expf / tanhf)
   against the same formulas in double, LoFT's packed second moment against double, LoFT with
   every block off equal to LoRA bit for bit, and LoFT fitting a smaller toy problem in float. */
#define LOFT_F32
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "compute/cpu/reference.h"
#include "compute/kernels.h"
#include "check.h"
#include "check_util.h"
#include "mf_train.h"
#include "init.h"
#include "tasks/mf.h"

static void gemm_f32(Rng *rng) {
    real A[6 * 9], B[9 * 4], C1[6 * 4], C2[6 * 4];
    init_normal(A, 54, 0, 1, rng);
    init_normal(B, 36, 0, 1, rng);
    blas_gemm(0, 0, 6, 4, 9, 1, A, 9, B, 4, 0, C1, 4);
    blas_gemm_naive(0, 0, 6, 4, 9, 1, A, 9, B, 4, 0, C2, 4);
    CHECK_LE(rel_err(C1, C2, 24), 1e-6, "float32 sgemm vs naive (rel)");
}

/* GELU (erf and tanh forms, forward and backward) on a dense grid of [-10, 10], and softmax
   cross-entropy over a 1024-way row, against double precision: the float32 kernels call the
   SIMD erff / expf / tanhf of libmvec, so the bound is a few float32 ulps of the result */
static void elementwise_f32(Rng *rng) {
    enum { N = 20001, V = 1024, R = 4 };
    real *x = malloc(sizeof(real) * N), *y = malloc(sizeof(real) * N), *d = malloc(sizeof(real) * N);
    for (int i = 0; i < N; i++) x[i] = (real)(-10.0 + 20.0 * i / (N - 1));
    double worst[4] = { 0 };
    gelu_forward(y, x, N);
    for (int i = 0; i < N; i++) {
        double v = x[i], ref = 0.5 * v * (1 + erf(v / sqrt(2.0)));
        worst[0] = fmax(worst[0], fabs(y[i] - ref) / fmax(fabs(ref), 1));
    }
    for (int i = 0; i < N; i++) { y[i] = 1; d[i] = 0; }
    gelu_backward(d, x, y, N);
    for (int i = 0; i < N; i++) {
        double v = x[i], ref = 0.5 * (1 + erf(v / sqrt(2.0))) + v * exp(-0.5 * v * v) / sqrt(2 * M_PI);
        worst[1] = fmax(worst[1], fabs(d[i] - ref) / fmax(fabs(ref), 1));
    }
    gelu_tanh_forward(y, x, N);
    for (int i = 0; i < N; i++) {
        double v = x[i], ref = 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
        worst[2] = fmax(worst[2], fabs(y[i] - ref) / fmax(fabs(ref), 1));
    }
    real *logits = malloc(sizeof(real) * R * V), *probs = malloc(sizeof(real) * R * V);
    int targets[R] = { 0, 17, 511, 1023 };
    init_normal(logits, R * V, 0, 4, rng);
    double loss = crossentropy_forward(probs, logits, targets, R, V), ref_loss = 0;
    for (int r = 0; r < R; r++) {
        const real *l = logits + (size_t)r * V;
        double mx = l[0], se = 0;
        for (int v = 1; v < V; v++) mx = fmax(mx, l[v]);
        for (int v = 0; v < V; v++) se += exp(l[v] - mx);
        for (int v = 0; v < V; v++) worst[3] = fmax(worst[3], fabs(probs[(size_t)r * V + v] - exp(l[v] - mx) / se));
        ref_loss += -(l[targets[r]] - mx - log(se)) / R;
    }
    CHECK_LE(worst[0], 4e-7, "float32 GELU (erf) forward vs double, worst error relative to max(|y|, 1)");
    CHECK_LE(worst[1], 4e-7, "float32 GELU (erf) backward vs double, worst error relative to max(|y'|, 1)");
    CHECK_LE(worst[2], 4e-7, "float32 GELU (tanh) forward vs double, worst error relative to max(|y|, 1)");
    CHECK_LE(worst[3], 1e-7, "float32 softmax probabilities vs double, worst absolute error");
    CHECK_LE(fabs(loss - ref_loss) / ref_loss, 1e-6, "float32 cross-entropy vs double (relative)");
    printf("  float32 element-wise: GELU %.2e, GELU' %.2e, GELU-tanh %.2e, softmax %.2e, loss %.2e\n",
           worst[0], worst[1], worst[2], worst[3], fabs(loss - ref_loss) / ref_loss);
    free(x); free(y); free(d); free(logits); free(probs);
}

/* LoFT's second moment h^T P h in float32 from the packed cross terms (one GEMM over the pairs
   a <= b) against the double sum, for cross terms of full rank (P = sum of 2r weighted outer
   products, as after a few steps) at r = 16; and no worse than the plain r x r float sum */
static void packed_second_moment_f32(Rng *rng) {
    enum { rows = 40, r = 16, hrows = 70, w = r * (r + 1) / 2 };
    static real P[rows * r * r], Pp[rows * w], H[hrows * r], K[w * hrows], Q[rows * hrows];
    real g[r];
    memset(P, 0, sizeof P);
    for (int i = 0; i < rows; i++)
        for (int t = 0; t < 2 * r; t++) {
            init_normal(g, r, 0, 1, rng);
            for (int a = 0; a < r; a++)
                for (int b = 0; b < r; b++) P[i * r * r + a * r + b] = 0.999f * P[i * r * r + a * r + b] + 0.001f * g[a] * g[b];
        }
    init_normal(H, hrows * r, 0, 1, rng);
    loft_pack_cross_terms(Pp, P, rows, r);
    loft_khatri_rao(K, H, hrows, r, 1);
    blas_gemm(0, 0, rows, hrows, w, 1, Pp, w, K, hrows, 0, Q, hrows);
    double worst = 0, worst_plain = 0;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < hrows; j++) {
            double q = 0;
            real plain = 0;
            for (int a = 0; a < r; a++)
                for (int b = 0; b < r; b++) {
                    q += (double)P[i * r * r + a * r + b] * H[j * r + a] * H[j * r + b];
                    plain += P[i * r * r + a * r + b] * (H[j * r + a] * H[j * r + b]);
                }
            worst = fmax(worst, fabs(Q[i * hrows + j] - q) / q);
            worst_plain = fmax(worst_plain, fabs(plain - q) / q);
        }
    CHECK_LE(worst, 1e-5, "float32 packed second moment h^T P h, r = 16, full-rank P: worst relative error");
    CHECK_LE(worst, 2 * worst_plain, "... at most twice the plain r x r float sum's worst error");
    printf("  packed %.2e, plain r x r sum %.2e (worst relative error over %d entries)\n", worst, worst_plain, rows * hrows);
}

static MfTask *toy(const MfTask *like) {
    MfTask *t = mf_create(256, 128, 4, MF_ADAPTER, 1, 1.0);
    if (like) { mf_set_problem(t, like->target, like->A, like->B, like->bias, NULL); return t; }
    Rng rng;
    rng_seed(&rng, 42);
    mf_draw_problem(t, 4, MF_INIT_LINEAR, &rng);
    return t;
}

int main(void) {
    Rng rng;
    rng_seed(&rng, 2);
    gemm_f32(&rng);
    elementwise_f32(&rng);
    packed_second_moment_f32(&rng);
    MfTask *a = toy(NULL), *b = toy(a), *c = toy(a);
    OptimConfig lora = optim_config_default(METHOD_LORA_ADAMW), off = optim_config_default(METHOD_LOFT);
    off.alternate_update = off.rescale_grads = off.reproject_momentum = 0;
    off.reproject_second_moment = off.project_full_update = off.clip_projected = 0;
    OptimConfig loft = optim_config_default(METHOD_LOFT);
    lora.eps = off.eps = loft.eps = 1e-4;
    char err[256];
    double first[300];
    mf_run(a, &lora, 0.5, 30, NULL, NULL, err, sizeof err);
    mf_run(b, &off, 0.5, 30, NULL, NULL, err, sizeof err);
    CHECK(memcmp(a->A, b->A, sizeof(real) * 4 * 256) == 0 && memcmp(a->B, b->B, sizeof(real) * 128 * 4) == 0,
          "float32: LoFT with every block off differs from LoRA-AdamW after 30 steps");
    MfResult res = mf_run(c, &loft, 1.0, 300, first, NULL, err, sizeof err);
    CHECK(!res.diverged, "float32 LoFT diverged at step %ld", res.diverged_step);
    CHECK_LE(res.final_loss / first[0], 1e-4, "float32 LoFT, 256x128 rank-4 toy: final / first loss");
    printf("  float32 LoFT toy: loss %.3e -> %.3e in 300 steps\n", first[0], res.final_loss);
    mf_free(a); mf_free(b); mf_free(c);
    return test_exit("test_float32");
}
