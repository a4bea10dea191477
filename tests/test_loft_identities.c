/* The algebraic identities of docs/algorithm.md §3, in double on matrix-factorization problems:
   LoFT with every block off is LoRA-AdamW bit for bit; LoFT with blocks 1-5 at r = m = n is
   full AdamW on W; with m != n and r = min(m, n) it is not, and the steps that move the tall
   factor stay in its column space; the streamed update does not depend on the block size; block 2
   off (docs/algorithm.md §3.1) equals LoFT when blocks 3-5 calibrate the state and acts where they do not. */
#include <math.h>
#include <stdlib.h>
#include "compute/kernels.h"
#include "check.h"
#include "check_util.h"
#include "mf_train.h"
#include "optim/loft.h"
#include "compute/kernels.h"
#include "tasks/mf.h"

static MfTask *make_task(int in, int out, int r, MfParam param, int bias, const MfTask *like, uint64_t seed) {
    MfTask *t = mf_create(in, out, r, param, bias, 1.0);
    if (like) { mf_set_problem(t, like->target, like->A, like->B, bias ? like->bias : NULL, NULL); return t; }
    Rng rng;
    rng_seed(&rng, seed);
    mf_draw_problem(t, r < 3 ? r : 3, MF_INIT_LINEAR, &rng);
    return t;
}

static int same_bits(const real *a, const real *b, size_t n) { return memcmp(a, b, sizeof(real) * n) == 0; }

static void lora_equals_loft_off(double max_grad_norm, const char *what) {
    const int in = 12, out = 9, r = 3, steps = 50;
    MfTask *lora = make_task(in, out, r, MF_ADAPTER, 1, NULL, 11);
    MfTask *loft = make_task(in, out, r, MF_ADAPTER, 1, lora, 0);
    OptimConfig cl = optim_config_default(METHOD_LORA_ADAMW);
    OptimConfig cf = optim_config_default(METHOD_LOFT);
    cf.alternate_update = cf.rescale_grads = cf.reproject_momentum = 0;
    cf.reproject_second_moment = cf.project_full_update = cf.clip_projected = 0;
    cl.eps = cf.eps = 1e-6;
    cl.weight_decay = cf.weight_decay = 0.02;
    cl.max_grad_norm = cf.max_grad_norm = max_grad_norm;
    double l1[50], l2[50], g1[50], g2[50];
    char err[256];
    mf_run(lora, &cl, 0.05, steps, l1, g1, err, sizeof err);
    mf_run(loft, &cf, 0.05, steps, l2, g2, err, sizeof err);
    int same = same_bits(lora->A, loft->A, r * in) && same_bits(lora->B, loft->B, out * r) &&
               same_bits(lora->bias, loft->bias, out) && memcmp(l1, l2, sizeof l1) == 0 &&
               memcmp(g1, g2, sizeof g1) == 0;
    CHECK(same, "%s: LoFT (all blocks off) differs from LoRA-AdamW after %d steps (max |dA| %.3e)",
          what, steps, rel_err(loft->A, lora->A, r * in));
    printf("  %s %s: A, B, bias, losses, grad norms identical bit for bit over %d steps\n",
           same ? "ok  " : "FAIL", what, steps);
    mf_free(lora); mf_free(loft);
}

/* ||dW - P_U dW|| / ||dW|| with P_U the orthogonal projector onto the columns of U (out,r) */
static double col_space_leak(const real *U, const real *dW, int out, int in, int r) {
    real *G = mallocCheck(sizeof(real) * r * r), *S = mallocCheck(sizeof(real) * r * r);
    real *UtD = mallocCheck(sizeof(real) * r * in), *C = mallocCheck(sizeof(real) * r * in);
    real *P = mallocCheck(sizeof(real) * out * in);
    blas_gemm(1, 0, r, r, out, 1, U, r, U, r, 0, G, r);
    sym_pinv(S, G, r, 0.0);
    blas_gemm(1, 0, r, in, out, 1, U, r, dW, in, 0, UtD, in);     /* U^T dW */
    blas_gemm(0, 0, r, in, r, 1, S, r, UtD, in, 0, C, in);         /* (U^T U)^-1 U^T dW */
    blas_gemm(0, 0, out, in, r, 1, U, r, C, in, 0, P, in);         /* P_U dW */
    double e = rel_err(P, dW, (size_t)out * in);
    free(G); free(S); free(UtD); free(C); free(P);
    return e;
}

/* Full AdamW on W and LoFT (blocks 1-5, delta = 0) on B A side by side from the same start.
   errs (steps,) [OUT]: ||B A - W|| / ||W|| after each step; leak [OUT]: how far the change of
   B A at step 2 (V = A^T moves, U = B held) leaves the column space of U. */
static void fullrank_run(int in, int out, int r, int steps, double *errs, double *leak) {
    MfTask *full = make_task(in, out, r, MF_FULL, 1, NULL, 5);
    MfTask *lf = make_task(in, out, r, MF_ADAPTER, 1, NULL, 5);
    OptimConfig ca = optim_config_default(METHOD_FULL_ADAMW), cf = optim_config_default(METHOD_LOFT);
    cf.clip_projected = 0;
    ca.eps = cf.eps = 1e-8;
    ca.weight_decay = cf.weight_decay = 0.05;
    cf.damping = 0.0;
    AdapterPair pp[1], fp[1];
    PlainTensor pl[3], fl[3];
    int np, nl, fnp, fnl;
    mf_params(full, fp, &fnp, fl, &fnl);
    mf_params(lf, pp, &np, pl, &nl);
    char err[256];
    Optimizer *oa = optim_create(&ca, fp, fnp, fl, fnl, err, sizeof err);
    Optimizer *of = optim_create(&cf, pp, np, pl, nl, err, sizeof err);
    real *W = mallocCheck(sizeof(real) * out * in), *dW = mallocCheck(sizeof(real) * out * in);
    for (int k = 0; k < steps; k++) {
        mf_loss_grad(full);
        mf_loss_grad(lf);
        mf_weight(lf, dW);
        optim_step(oa, 0.02);
        optim_step(of, 0.02);
        mf_weight(lf, W);
        errs[k] = rel_err(W, full->W, (size_t)out * in);
        if (k == 1) {
            for (size_t i = 0; i < (size_t)out * in; i++) dW[i] = W[i] - dW[i];
            *leak = col_space_leak(lf->B, dW, out, in, r);
        }
    }
    free(W); free(dW);
    optim_free(oa); optim_free(of); mf_free(full); mf_free(lf);
}

static void fullrank_equivalence(void) {
    double errs[100], leak, worst = 0;
    fullrank_run(6, 6, 6, 100, errs, &leak);
    for (int k = 0; k < 100; k++) worst = fmax(worst, errs[k]);
    CHECK_LE(errs[99], 1e-9, "r = m = n = 6: ||BA - W_adamw|| / ||W|| after 100 steps");
    CHECK_LE(worst, 1e-9, "r = m = n = 6: worst relative error over the 100 steps");
}

static void nonsquare_counterexample(void) {
    double errs[100], leak;
    fullrank_run(5, 8, 5, 100, errs, &leak);   /* U = B is 8 x 5 (tall), V = A^T is 5 x 5 */
    CHECK_LE(errs[0], 1e-12, "m=8, n=5, r=5: step 1 moves U (V square): equals AdamW (rel)");
    CHECK_LE(leak, 1e-10, "m=8, n=5, r=5: step 2 (V moves) stays in col(U): leak (rel)");
    CHECK_GE(errs[1], 1e-4, "m=8, n=5, r=5: step 2 already differs from AdamW (rel)");
    CHECK_GE(errs[99], 1e-3, "m=8, n=5, r=5: after 100 steps, not AdamW (rel)");
}

/* the streamed projected update gives the same result for any row-block size */
static void streaming_block_invariance(void) {
    const int in = 40, out = 33, r = 4;
    MfTask *a = make_task(in, out, r, MF_ADAPTER, 1, NULL, 9), *b = make_task(in, out, r, MF_ADAPTER, 1, a, 0);
    OptimConfig c1 = optim_config_default(METHOD_LOFT), c2;
    c1.alternate_update = 0;   /* both sides stream every step */
    c2 = c1;
    c1.row_block = 1;
    c2.row_block = 7;          /* does not divide 33 or 40: the last block is short */
    char err[256];
    mf_run(a, &c1, 0.01, 20, NULL, NULL, err, sizeof err);
    mf_run(b, &c2, 0.01, 20, NULL, NULL, err, sizeof err);
    CHECK_LE(rel_err(a->A, b->A, r * in) + rel_err(a->B, b->B, out * r), 1e-12,
             "streamed update: row blocks of 1 vs 7, 20 steps (rel)");
    mf_free(a); mf_free(b);
}

/* the clipping norm with block 6 equals sqrt(||G P_V||_F^2 + ||g_bias||^2) built explicitly,
   with P_V = V (V^T V)^-1 V^T, on step 1 where U = B moves */
static void projected_clip_norm(void) {
    const int in = 7, out = 5, r = 2;
    MfTask *t = make_task(in, out, r, MF_ADAPTER, 1, NULL, 21);
    AdapterPair pp[1];
    PlainTensor pl[3];
    int np, nl;
    mf_params(t, pp, &np, pl, &nl);
    OptimConfig c = optim_config_default(METHOD_LOFT);
    char err[256];
    Optimizer *o = optim_create(&c, pp, np, pl, nl, err, sizeof err);
    mf_loss_grad(t);
    /* explicit: G (out,in) = dL/dW; P_V (in,in) from V = A^T */
    real G[5 * 7], Gram[4], S[4], AtS[7 * 2], PV[7 * 7], GP[5 * 7];
    memcpy(G, t->dWeff, sizeof G);
    blas_gemm(0, 1, r, r, in, 1, t->A, in, t->A, in, 0, Gram, r);
    sym_pinv(S, Gram, r, 0.0);
    blas_gemm(1, 0, in, r, r, 1, t->A, in, S, r, 0, AtS, r);     /* V S */
    blas_gemm(0, 0, in, in, r, 1, AtS, r, t->A, in, 0, PV, in);   /* V S V^T */
    blas_gemm(0, 0, out, in, in, 1, G, in, PV, in, 0, GP, in);
    double expect = sqrt(blas_sumsq(GP, out * in) + blas_sumsq(t->gbias, out));
    double got = optim_step(o, 0.01);
    printf("  (projected norm %.17g, explicit %.17g, raw %.17g)\n", got, expect, sqrt(blas_sumsq(t->gA, r * in) + blas_sumsq(t->gB, out * r) + blas_sumsq(t->gbias, out)));
    CHECK_LE(fabs(got - expect) / expect, 1e-12, "block 6: clipping norm vs explicit ||G P_V|| (rel)");
    optim_free(o);
    mf_free(t);
}

/* Block 2 off in the reading of docs/algorithm.md §3.1 (raw moments, transported by Sprev (Hprev^T H), read
   through H S): with blocks 3, 4, 5 on and delta = 0 it is LoFT itself, because m_rescaled =
   m_raw S and P_rescaled = S P_raw S at every step. 100 steps in double, lr 1e-2, eps 1e-8. */
static void block2_identity(int in, int out, int r, int alternate, double damping, double bound) {
    MfTask *a = make_task(in, out, r, MF_ADAPTER, 0, NULL, 41);
    MfTask *b = make_task(in, out, r, MF_ADAPTER, 0, a, 0);
    OptimConfig on = optim_config_default(METHOD_LOFT);
    on.eps = 1e-8;
    on.alternate_update = alternate;
    on.damping = damping;
    OptimConfig off = on;
    off.rescale_grads = 0;
    char err[256];
    MfResult ra = mf_run(a, &on, 1e-2, 100, NULL, NULL, err, sizeof err);
    MfResult rb = mf_run(b, &off, 1e-2, 100, NULL, NULL, err, sizeof err);
    double e = fmax(rel_err(b->A, a->A, (size_t)r * in), rel_err(b->B, a->B, (size_t)out * r));
    char what[160];
    snprintf(what, sizeof what, "block 2 off = LoFT, %dx%d r=%d%s%s, 100 steps (rel)", out, in, r,
             alternate ? "" : " no alternation", damping > 0 ? " delta 1e-3" : "");
    CHECK(!ra.diverged && !rb.diverged, "%s: a run diverged", what);
    CHECK_LE(e, bound, what);
    mf_free(a); mf_free(b);
}

/* where state is not calibrated block 2 still acts: LoFT-simple (1, 2, 3 on) vs LoFT-simple - 2
   (1, 3 on), and the Riemannian-preconditioned step (block 2 alone) vs LoRA */
static void block2_acts_without_calibration(void) {
    const int in = 11, out = 8, r = 3;
    MfTask *ref = make_task(in, out, r, MF_ADAPTER, 1, NULL, 31);
    OptimConfig simple = optim_config_default(METHOD_LOFT);
    simple.reproject_second_moment = simple.project_full_update = 0;
    OptimConfig simple2 = simple, riem = optim_config_default(METHOD_LOFT), lora = riem;
    simple2.rescale_grads = 0;
    riem.alternate_update = riem.reproject_momentum = riem.reproject_second_moment = 0;
    riem.project_full_update = riem.clip_projected = 0;
    lora.alternate_update = lora.rescale_grads = lora.reproject_momentum = lora.reproject_second_moment = 0;
    lora.project_full_update = lora.clip_projected = 0;
    const OptimConfig *pairs[2][2] = { { &simple, &simple2 }, { &riem, &lora } };
    const char *names[2] = { "LoFT-simple - 2 differs from LoFT-simple", "block 2 alone (Riemannian) differs from LoRA" };
    for (int k = 0; k < 2; k++) {
        MfTask *x = make_task(in, out, r, MF_ADAPTER, 1, ref, 0), *y = make_task(in, out, r, MF_ADAPTER, 1, ref, 0);
        char err[256];
        MfResult rx = mf_run(x, pairs[k][0], 0.05, 15, NULL, NULL, err, sizeof err);
        MfResult ry = mf_run(y, pairs[k][1], 0.05, 15, NULL, NULL, err, sizeof err);
        double d = rel_err(x->A, y->A, (size_t)r * in) + rel_err(x->B, y->B, (size_t)out * r);
        CHECK(d > 1e-6 && !rx.diverged && !ry.diverged, "%s: relative difference %.3e after 15 steps", names[k], d);
        printf("  %s %s: relative difference %.3e after 15 steps\n", d > 1e-6 ? "ok  " : "FAIL", names[k], d);
        mf_free(x); mf_free(y);
    }
    mf_free(ref);
}

/* switching any one block off (from all on) changes the trajectory, and switching any one block
   on (from all off) does too: each toggle is wired, and none needs another to act. Block 2 off
   from all on is the exception docs/algorithm.md states (§3.1: it equals LoFT when 3, 4, 5 calibrate the
   state): block2_acts_without_calibration covers it */
static void toggles_independent(void) {
    const int in = 11, out = 8, r = 3;
    MfTask *ref = make_task(in, out, r, MF_ADAPTER, 1, NULL, 31);
    for (int from_on = 0; from_on < 2; from_on++) {
        OptimConfig base = optim_config_default(METHOD_LOFT);
        base.max_grad_norm = 0.02;   /* small enough that clipping acts every step */
        int *blocks[6] = { &base.alternate_update, &base.rescale_grads, &base.reproject_momentum,
                           &base.reproject_second_moment, &base.project_full_update, &base.clip_projected };
        for (int b = 0; b < 6; b++) *blocks[b] = from_on;
        MfTask *t0 = make_task(in, out, r, MF_ADAPTER, 1, ref, 0);
        char err[256];
        mf_run(t0, &base, 0.05, 15, NULL, NULL, err, sizeof err);
        int changed = 0, finite = 1, expect = from_on ? 5 : 6;
        for (int b = 0; b < 6; b++) {
            if (from_on && b == 1) continue;   /* block 2 off from all on = LoFT (docs/algorithm.md §3.1) */
            OptimConfig c = base;
            int *flag = (int *)((char *)&c + ((char *)blocks[b] - (char *)&base));
            *flag = !from_on;
            MfTask *t = make_task(in, out, r, MF_ADAPTER, 1, ref, 0);
            MfResult res = mf_run(t, &c, 0.05, 15, NULL, NULL, err, sizeof err);
            finite &= !res.diverged;
            double d = rel_err(t->A, t0->A, r * in) + rel_err(t->B, t0->B, out * r);
            if (d > 1e-8) changed++;
            else printf("  (block %d %s made no difference: %.3e)\n", b + 1, from_on ? "off" : "on", d);
            mf_free(t);
        }
        CHECK(changed == expect && finite, "%s: %d of %d single-block switches changed the trajectory",
              from_on ? "from all on" : "from all off", changed, expect);
        printf("  %s each of the %s blocks switched %s alone changes the 15-step trajectory\n",
               changed == expect ? "ok  " : "FAIL", from_on ? "5 (all but 2)" : "6", from_on ? "off" : "on");
        mf_free(t0);
    }
    mf_free(ref);
}

/* The held Gram's pseudo-inverse that LoFT keeps while the Gram is unchanged (alternation moves
   one factor a step; loft.c held_gram) is the one a fresh solve gives: after every pair_begin
   of an alternating run, S[s] equals sym_pinv(gram[s]) bit for bit, in the exact mode (damping
   0 and 1e-3) and in parity mode (damping 1e-8 for side 0, 1e-6 for side 1: parity D6) */
static void pinv_kept_is_fresh(void) {
    const int in = 9, out = 7, r = 3;
    for (int mode = 0; mode < 3; mode++) {
        MfTask *t = make_task(in, out, r, MF_ADAPTER, 1, NULL, 31);
        OptimConfig cfg = optim_config_default(METHOD_LOFT);
        if (mode == 1) cfg.damping = 1e-3;
        if (mode == 2) snprintf(cfg.parity, sizeof cfg.parity, "%s", "tnurbek-148998d");
        AdapterPair pairs[1];
        PlainTensor plain[3];
        int np, nl;
        mf_params(t, pairs, &np, plain, &nl);
        LoftPair lp;
        loft_pair_init(&lp, &pairs[0], &cfg);
        real S[r * r];
        int fresh = 1;
        for (long k = 1; k <= 12; k++) {
            mf_loss_grad(t);
            loft_pair_begin(&lp, &cfg);
            for (int s = 0; s < 2; s++) {
                double damping = mode == 2 ? (s == 1 ? 1e-6 : 1e-8) : cfg.damping;
                sym_pinv(S, lp.gram[s], r, damping);
                fresh &= same_bits(S, lp.S[s], (size_t)r * r);
            }
            loft_pair_step(&lp, &cfg, 0.05, k);
        }
        static const char *what[3] = { "LoFT's kept pseudo-inverse equals a fresh one, 12 alternating steps (exact, damping 0)",
                                       "... (exact, damping 1e-3)", "... (parity mode, damping per side)" };
        CHECK_LE(fresh ? 0.0 : 1.0, 0, what[mode]);
        loft_pair_free(&lp);
        mf_free(t);
    }
}

/* The pair steps spread over threads (OptimConfig.threads: a run's batch_threads) give what
   they give in turn: three MF problems of different shapes in one optimizer, 15 steps with
   clipping, threads 1 against 2 and 3. LoFT bit for bit (each pair's work is the same; its part
   of the norm is one sum); LoRA-AdamW within 1e-14 (its parts of the norm are summed per pair) */
static void pair_threads_same(void) {
    const int shape[3][3] = { { 9, 7, 3 }, { 12, 5, 2 }, { 6, 10, 4 } };   /* in, out, r */
    const MethodId methods[2] = { METHOD_LOFT, METHOD_LORA_ADAMW };
    for (int mi = 0; mi < 2; mi++) {
        real *result[3][3];   /* [threads - 1][problem]: A then B */
        for (int threads = 1; threads <= 3; threads++) {
            MfTask *t[3];
            AdapterPair pairs[3];
            PlainTensor plain[3];
            int np, nl;
            for (int k = 0; k < 3; k++) {
                t[k] = make_task(shape[k][0], shape[k][1], shape[k][2], MF_ADAPTER, 0, NULL, 40 + k);
                mf_params(t[k], &pairs[k], &np, plain, &nl);
            }
            OptimConfig cfg = optim_config_default(methods[mi]);
            cfg.threads = threads;
            cfg.max_grad_norm = 0.5;
            char err[256];
            Optimizer *o = optim_create(&cfg, pairs, 3, NULL, 0, err, sizeof err);
            double top = 0;
            for (long s = 0; s < 15; s++) {
                for (int k = 0; k < 3; k++) mf_loss_grad(t[k]);
                top = fmax(top, optim_step(o, 0.02));
            }
            optim_free(o);
            if (threads == 1) CHECK(top > cfg.max_grad_norm, "pair threads: the clipping must act (largest norm %.3g)", top);
            for (int k = 0; k < 3; k++) {
                const size_t na = (size_t)shape[k][2] * shape[k][0], nb = (size_t)shape[k][1] * shape[k][2];
                result[threads - 1][k] = mallocCheck(sizeof(real) * (na + nb));
                memcpy(result[threads - 1][k], t[k]->A, sizeof(real) * na);
                memcpy(result[threads - 1][k] + na, t[k]->B, sizeof(real) * nb);
                mf_free(t[k]);
            }
        }
        for (int threads = 2; threads <= 3; threads++) {
            double worst = 0;
            int same = 1;
            for (int k = 0; k < 3; k++) {
                const size_t n = (size_t)shape[k][2] * shape[k][0] + (size_t)shape[k][1] * shape[k][2];
                worst = fmax(worst, rel_err(result[threads - 1][k], result[0][k], n));
                same &= same_bits(result[threads - 1][k], result[0][k], n);
            }
            char what[128];
            snprintf(what, sizeof what, "%s, pair steps on %d threads vs in turn, 15 steps with clipping (%s)",
                     mi == 0 ? "LoFT" : "LoRA-AdamW", threads, mi == 0 ? "bits differ: 1" : "rel");
            CHECK_LE(mi == 0 ? (double)!same : worst, mi == 0 ? 0 : 1e-14, what);
        }
        for (int threads = 1; threads <= 3; threads++)
            for (int k = 0; k < 3; k++) free(result[threads - 1][k]);
    }
}

int main(void) {
    lora_equals_loft_off(0.0, "no clipping");
    lora_equals_loft_off(0.05, "with clipping at 0.05");
    fullrank_equivalence();
    nonsquare_counterexample();
    streaming_block_invariance();
    projected_clip_norm();
    toggles_independent();
    block2_identity(7, 9, 3, 1, 0.0, 1e-10);
    block2_identity(7, 9, 3, 0, 0.0, 1e-10);
    block2_identity(20, 12, 4, 1, 0.0, 1e-10);
    block2_identity(20, 12, 4, 0, 0.0, 1e-10);
    block2_identity(7, 9, 3, 1, 1e-3, 1e-10);
    /* r = m = n: exact in algebra, but at delta = 0 S = (V^T V)^-1 amplifies rounding by cond(V)^2
       (8 x 8 reaches 1.8e-6; without alternation the run itself is unstable, docs/algorithm.md §3.1); with
       delta = 1e-3 the two agree to ~1e-12, and 6 x 6 at delta = 0 to ~5e-10 */
    block2_identity(8, 8, 8, 1, 1e-3, 1e-10);
    block2_identity(5, 5, 5, 1, 1e-3, 1e-10);
    block2_identity(6, 6, 6, 1, 0.0, 1e-9);
    block2_acts_without_calibration();
    pinv_kept_is_fresh();
    pair_threads_same();
    return test_exit("test_loft_identities");
}
