/* LoFT's effective weight W0 + s B A after K steps does not depend on alpha (s = alpha / r) nor on
   a reparametrisation of the start (A -> cA, B -> B / c; A -> R^T A, B -> B R^-T) when block 5 is
   on and damping is 0; which blocks and settings break it; LoRA-AdamW's weight does depend on both.
   In double on matrix-factorization problems (docs/algorithm.md §8). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "check_util.h"
#include "compute/kernels.h"
#include "mf_train.h"
#include "optim/loft.h"
#include "tasks/mf.h"

enum { IN = 20, OUT = 12, R = 3, TRANK = 5, STEPS = 100 };
#define LR 1e-2
/* invariant cases: ||W - W_ref|| / ||W_ref|| after STEPS steps, rounding only. Measured: 0 (bit for
   bit) when s and c are powers of two; <= 3.3e-12 with s = 0.3 (B0 = 0: U's Gram is near singular
   in the first steps and rounding grows there); <= 8e-15 with c = 3 and with R */
#define SAME_BOUND 1e-10
/* broken cases: a difference well above rounding. Measured >= 5.8e-3, except the parity mode
   under A -> cA (5.3e-5: only its damping D6 and eps break that) */
#define DIFF_BOUND 1e-6

/* the problem every run of one comparison starts from: target (IN,OUT), W0 (OUT,IN), A0 (R,IN),
   B0 (OUT,R), bias0 (OUT,) */
typedef struct { real target[IN * OUT], W0[OUT * IN], A0[R * IN], B0[OUT * R], bias0[OUT]; } Problem;

static void draw_problem(Problem *p, int b_zero, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    real L[IN * TRANK], Rt[TRANK * OUT];
    for (int i = 0; i < IN * TRANK; i++) L[i] = (real)rng_normal(&rng);
    for (int i = 0; i < TRANK * OUT; i++) Rt[i] = (real)rng_normal(&rng);
    blas_gemm(0, 0, IN, OUT, TRANK, (real)(1.0 / sqrt(TRANK)), L, TRANK, Rt, OUT, 0, p->target, OUT);
    for (int i = 0; i < OUT * IN; i++) p->W0[i] = (real)(0.3 * rng_normal(&rng));
    const double a = 1.0 / sqrt((double)IN);   /* kaiming-uniform(sqrt 5): U(-1/sqrt(in), 1/sqrt(in)) */
    for (int i = 0; i < R * IN; i++) p->A0[i] = (real)(a * (2 * rng_uniform(&rng) - 1));
    for (int i = 0; i < OUT * R; i++) p->B0[i] = b_zero ? 0 : (real)(0.5 * (2 * rng_uniform(&rng) - 1));
    for (int i = 0; i < OUT; i++) p->bias0[i] = (real)(0.1 * rng_normal(&rng));
}

/* W (OUT,IN) [OUT]: the effective weight W0 + s B A after STEPS steps of cfg at scale s from the
   factors A0 (R,IN), B0 (OUT,R) of p (the caller's reparametrisation of p's); 0, or -1 when the
   optimizer refuses the config or the run diverges */
static int train(real *W, const Problem *p, const real *A0, const real *B0, double s, const OptimConfig *cfg) {
    MfTask *t = mf_create(IN, OUT, R, MF_ADAPTER, 1, s);
    mf_set_problem(t, p->target, A0, B0, p->bias0, p->W0);
    char err[256] = "";
    MfResult res = mf_run(t, cfg, LR, STEPS, NULL, NULL, err, sizeof err);
    mf_weight(t, W);
    mf_free(t);
    if (res.diverged) printf("  (run diverged or refused: %s)\n", err);
    return res.diverged ? -1 : 0;
}

typedef struct { const char *name; OptimConfig cfg; int invariant_scalar, invariant_rotation; } Case;

/* the cases: LoFT with every block, with one block off, with the settings that matter (eps, weight
   decay, damping, clipping with and without block 6), LoFT-simple, LoFT in parity mode, and
   LoRA-AdamW; each with what the derivation predicts under a scalar rescaling (alpha, c) and under
   a rotation-and-scale R */
static int make_cases(Case *c) {
    int n = 0;
    OptimConfig loft = optim_config_default(METHOD_LOFT);
    loft.eps = 1e-8;
    loft.damping = 0;
    loft.clip_projected = 1;
    loft.max_grad_norm = 0;
    c[n++] = (Case){ "LoFT, all blocks", loft, 1, 1 };
    c[n] = (Case){ "LoFT, eps = 1e-2 (eps is not what breaks it)", loft, 1, 1 }; c[n++].cfg.eps = 1e-2;
    c[n] = (Case){ "LoFT, weight decay 0.1, A moves first", loft, 1, 1 };
    c[n].cfg.weight_decay = 0.1; snprintf(c[n].cfg.alternate_first, sizeof c[n].cfg.alternate_first, "A"); n++;
    c[n] = (Case){ "LoFT - block 1 (no alternation)", loft, 1, 1 }; c[n++].cfg.alternate_update = 0;
    c[n] = (Case){ "LoFT - block 2 (no gradient rescaling)", loft, 1, 1 }; c[n++].cfg.rescale_grads = 0;
    c[n] = (Case){ "LoFT - block 3 (no momentum calibration)", loft, 1, 1 }; c[n++].cfg.reproject_momentum = 0;
    c[n] = (Case){ "LoFT - block 4 (element-wise second moment)", loft, 1, 0 }; c[n++].cfg.reproject_second_moment = 0;
    c[n] = (Case){ "LoFT - block 5 (factor-space Adam step)", loft, 0, 0 }; c[n++].cfg.project_full_update = 0;
    c[n] = (Case){ "LoFT-simple (blocks 4, 5 off)", loft, 0, 0 };
    c[n].cfg.reproject_second_moment = 0; c[n++].cfg.project_full_update = 0;
    c[n] = (Case){ "LoFT, damping 1e-3", loft, 0, 0 }; c[n++].cfg.damping = 1e-3;
    c[n] = (Case){ "LoFT, clipping at 0.05 with block 6", loft, 1, 1 }; c[n++].cfg.max_grad_norm = 0.05;
    c[n] = (Case){ "LoFT, clipping at 0.05 - block 6 (raw norm)", loft, 0, 0 };
    c[n].cfg.max_grad_norm = 0.05; c[n++].cfg.clip_projected = 0;
    c[n] = (Case){ "LoFT, parity tnurbek-148998d (s not seen)", loft, 0, 0 };
    snprintf(c[n].cfg.parity, sizeof c[n].cfg.parity, "tnurbek-148998d"); c[n++].cfg.eps = 1e-4;
    OptimConfig lora = optim_config_default(METHOD_LORA_ADAMW);
    lora.eps = 1e-8;
    lora.max_grad_norm = 0;
    c[n++] = (Case){ "LoRA-AdamW", lora, 0, 0 };
    return n;
}

/* one line of the report and its check: invariant cases within SAME_BOUND, the others beyond DIFF_BOUND */
static void judge(const char *what, const Case *c, int predicted, double worst) {
    char line[200];
    snprintf(line, sizeof line, "%s: %s", what, c->name);
    if (predicted) CHECK_LE(worst, SAME_BOUND, line);
    else CHECK_GE(worst, DIFF_BOUND, line);
}

/* alpha: B0 = 0 (LoRA's init; the start W0 + s B0 A0 = W0 whatever s), A0 the same, s in
   {1/4, 4, 16, 0.3} against s = 1; i.e. alpha in {r/4, 4r, 16r, 0.3 r} against alpha = r */
static void alpha_invariance(const Case *cases, int ncases) {
    Problem p;
    draw_problem(&p, 1, 7);
    const double scales[] = { 0.25, 4.0, 16.0, 0.3 };
    real Wref[OUT * IN], W[OUT * IN];
    printf("alpha in {r/4, 4r, 16r, 0.3r} against alpha = r, B0 = 0, %d steps: max ||W - W_ref|| / ||W_ref||\n", STEPS);
    for (int k = 0; k < ncases; k++) {
        const Case *c = &cases[k];
        double worst = 0;
        int bad = train(Wref, &p, p.A0, p.B0, 1.0, &c->cfg);
        for (size_t i = 0; i < sizeof scales / sizeof scales[0] && !bad; i++) {
            bad |= train(W, &p, p.A0, p.B0, scales[i], &c->cfg);
            worst = fmax(worst, rel_err(W, Wref, OUT * IN));
        }
        CHECK(!bad, "alpha: %s: a run diverged", c->name);
        judge("alpha", c, c->invariant_scalar, bad ? NAN : worst);
    }
}

/* A -> cA, B -> B / c at the start (the same W0 + s B A), c in {4, 1/4, 3}, at s = 1 and s = 4 */
static void scalar_reparametrisation(const Case *cases, int ncases) {
    Problem p;
    draw_problem(&p, 0, 8);
    const double cs[] = { 4.0, 0.25, 3.0 }, scales[] = { 1.0, 4.0 };
    real Wref[OUT * IN], W[OUT * IN], A[R * IN], B[OUT * R];
    printf("A -> cA, B -> B/c, c in {4, 1/4, 3}, s in {1, 4}, B0 != 0, %d steps: max ||W - W_ref|| / ||W_ref||\n", STEPS);
    for (int k = 0; k < ncases; k++) {
        const Case *c = &cases[k];
        double worst = 0;
        int bad = 0;
        for (size_t j = 0; j < 2; j++) {
            bad |= train(Wref, &p, p.A0, p.B0, scales[j], &c->cfg);
            for (size_t i = 0; i < sizeof cs / sizeof cs[0] && !bad; i++) {
                for (int q = 0; q < R * IN; q++) A[q] = (real)(cs[i] * p.A0[q]);
                for (int q = 0; q < OUT * R; q++) B[q] = (real)(p.B0[q] / cs[i]);
                bad |= train(W, &p, A, B, scales[j], &c->cfg);
                worst = fmax(worst, rel_err(W, Wref, OUT * IN));
            }
        }
        CHECK(!bad, "c: %s: a run diverged", c->name);
        judge("A -> cA", c, c->invariant_scalar, bad ? NAN : worst);
    }
}

/* V -> V R, U -> U R^-T (A -> R^T A, B -> B R^-T) with R = Q D: Q a rotation in the plane of
   columns 0 and 1 (30 degrees), D = diag(4, 1/2, 2). R^-T = Q D^-1. Not a scalar: what block 4's
   cross terms hold exactly and the element-wise second moment does not */
static void rotation_reparametrisation(const Case *cases, int ncases) {
    Problem p;
    draw_problem(&p, 0, 9);
    const double th = M_PI / 6, d[R] = { 4.0, 0.5, 2.0 };
    double Q[R * R] = { cos(th), -sin(th), 0, sin(th), cos(th), 0, 0, 0, 1 }, Rm[R * R], RmiT[R * R];
    for (int i = 0; i < R; i++)
        for (int j = 0; j < R; j++) { Rm[i * R + j] = Q[i * R + j] * d[j]; RmiT[i * R + j] = Q[i * R + j] / d[j]; }
    real Wref[OUT * IN], W[OUT * IN], A[R * IN], B[OUT * R];
    for (int a = 0; a < R; a++)   /* A' = R^T A: A'[a][j] = sum_b R[b][a] A[b][j] */
        for (int j = 0; j < IN; j++) {
            double acc = 0;
            for (int b = 0; b < R; b++) acc += Rm[b * R + a] * p.A0[b * IN + j];
            A[a * IN + j] = (real)acc;
        }
    for (int i = 0; i < OUT; i++)   /* B' = B R^-T */
        for (int a = 0; a < R; a++) {
            double acc = 0;
            for (int b = 0; b < R; b++) acc += p.B0[i * R + b] * RmiT[b * R + a];
            B[i * R + a] = (real)acc;
        }
    printf("A -> R^T A, B -> B R^-T (R a rotation times diag(4, 1/2, 2)), s = 1, %d steps: ||W - W_ref|| / ||W_ref||\n", STEPS);
    for (int k = 0; k < ncases; k++) {
        const Case *c = &cases[k];
        int bad = train(Wref, &p, p.A0, p.B0, 1.0, &c->cfg) | train(W, &p, A, B, 1.0, &c->cfg);
        CHECK(!bad, "R: %s: a run diverged", c->name);
        judge("A -> R^T A", c, c->invariant_rotation, bad ? NAN : rel_err(W, Wref, OUT * IN));
    }
}

int main(void) {
    Case cases[16];
    const int n = make_cases(cases);
    alpha_invariance(cases, n);
    scalar_reparametrisation(cases, n);
    rotation_reparametrisation(cases, n);
    return test_exit("test_loft_invariance");
}
