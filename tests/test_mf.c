/* The matrix-factorization task: finite-difference checks of its loss gradient (full weight,
   LoRA adapter, DoRA) in double; its fast paths (the tiled loss kernel, W0 = 0, the effective
   weight kept from the evaluation) against the plain computation, bit for bit; and the toy
   problem of docs/algorithm.md §6 (1024 x 512 target of rank 8, r = 8, lr 10, 300 steps): LoFT fits
   it, LoRA stalls. */
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "adapters/lora.h"
#include "compute/kernels.h"
#include "mf_train.h"
#include "tasks/mf.h"

#define FD_H 1e-6

static double loss_of(void *t) { return mf_loss_grad(t); }

static double fd_check(MfTask *t, real *p, const real *g, int n) {
    real *grad = mallocCheck(sizeof(real) * n), *fd = mallocCheck(sizeof(real) * n);
    memcpy(grad, g, sizeof(real) * n);
    fd_central(fd, p, n, FD_H, loss_of, t);
    mf_loss_grad(t);
    double e = rel_err(grad, fd, n);
    free(grad); free(fd);
    return e;
}

static void gradients(void) {
    const int in = 6, out = 4, r = 2;
    const char *names[3] = { "full W", "LoRA adapter (s = 0.5)", "DoRA" };
    for (int param = 0; param < 3; param++) {
        MfTask *t = mf_create(in, out, r, (MfParam)param, 1, 0.5);
        Rng rng;
        rng_seed(&rng, 3);
        mf_draw_problem(t, 2, MF_INIT_LINEAR, &rng);
        for (int i = 0; i < out * in; i++) t->W[i] += (real)(0.1 * ((i % 5) - 2));   /* W0 != 0 */
        t->w0_zero = -1;   /* W0 written: the task looks again (mf.h) */
        mf_loss_grad(t);
        char what[96];
        if (param == MF_FULL) {
            snprintf(what, sizeof what, "MF %s: dW vs finite differences (rel)", names[param]);
            CHECK_LE(fd_check(t, t->W, t->gW, out * in), 1e-7, what);
        } else {
            snprintf(what, sizeof what, "MF %s: dA vs finite differences (rel)", names[param]);
            /* DoRA's norm is detached, so only dmag and bias have a plain FD reference */
            if (param == MF_ADAPTER) CHECK_LE(fd_check(t, t->A, t->gA, r * in), 1e-7, what);
            snprintf(what, sizeof what, "MF %s: dB vs finite differences (rel)", names[param]);
            if (param == MF_ADAPTER) CHECK_LE(fd_check(t, t->B, t->gB, out * r), 1e-7, what);
            if (param == MF_DORA) CHECK_LE(fd_check(t, t->mag, t->gmag, out), 1e-7, "MF DoRA: dmag vs finite differences (rel)");
        }
        snprintf(what, sizeof what, "MF %s: dbias vs finite differences (rel)", names[param]);
        CHECK_LE(fd_check(t, t->bias, t->gbias, out), 1e-7, what);
        mf_free(t);
    }
}

/* number of entries where a and b differ as bits (0 = the same numbers) */
static int bits_differ(const real *a, const real *b, size_t n) {
    int d = 0;
    for (size_t i = 0; i < n; i++) d += memcmp(&a[i], &b[i], sizeof(real)) != 0;
    return d;
}

/* the loss kernel (64 x 64 tiles, target held transposed) against a plain loop; the W0 = 0
   product and the kept effective weight against copy + merge and a fresh one */
static void fast_paths(void) {
    const int in = 130, out = 70, r = 3;   /* not multiples of the 64 tile */
    for (int param = 1; param < 3; param++) {
        MfTask *t = mf_create(in, out, r, (MfParam)param, 1, 0.5), *u = mf_create(in, out, r, (MfParam)param, 1, 0.5);
        Rng rng;
        rng_seed(&rng, 5);
        mf_draw_problem(t, 2, MF_INIT_LINEAR, &rng);
        mf_set_problem(u, t->target, t->A, t->B, t->bias, NULL);
        size_t n = (size_t)in * out;
        real *W = mallocCheck(sizeof(real) * n), *dW = mallocCheck(sizeof(real) * n);
        double loss = 0, c = 2.0 / n;
        mf_weight(t, W);
        if (param == MF_ADAPTER) {   /* W0 = 0: s B A alone, against 0 + s B A */
            real *W2 = mallocCheck(sizeof(real) * n);
            vec_zero(W2, n);
            lora_merge(W2, t->A, t->B, t->scale, in, out, r, +1);
            CHECK(bits_differ(W, W2, n) == 0, "MF W0 = 0: s B A differs from 0 + s B A in %d entries", bits_differ(W, W2, n));
            free(W2);
        }
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) {
                double res = (double)W[(size_t)o * in + i] + t->bias[o] - t->target[(size_t)i * out + o];
                loss += res * res;
                dW[(size_t)o * in + i] = (real)(c * res);
            }
        double l1 = mf_loss_grad(t) * n;
        CHECK_LE(fabs(l1 - loss) / loss, 1e-13, "MF loss kernel (tiled, 70 x 130) vs a plain loop (rel)");
        CHECK(bits_differ(t->dWeff, dW, n) == 0, "MF loss kernel: dW differs from the plain loop in %d entries",
              bits_differ(t->dWeff, dW, n));
        /* the effective weight kept from an evaluation: the same gradients as computing it afresh */
        for (int i = 0; i < r * in; i++) t->A[i] += (real)0.01, u->A[i] += (real)0.01;
        mf_weight_for_step(t);
        double lt = mf_loss_grad(t), lu = mf_loss_grad(u);
        CHECK(lt == lu && bits_differ(t->gA, u->gA, (size_t)r * in) == 0 && bits_differ(t->gB, u->gB, (size_t)out * r) == 0,
              "MF %s: gradients after mf_weight_for_step differ from fresh ones", param == MF_DORA ? "DoRA" : "LoRA");
        /* and the next step computes it again (the parameters moved) */
        for (int i = 0; i < r * in; i++) t->A[i] += (real)0.01, u->A[i] += (real)0.01;
        lt = mf_loss_grad(t), lu = mf_loss_grad(u);
        CHECK(lt == lu && bits_differ(t->gA, u->gA, (size_t)r * in) == 0, "MF: the kept effective weight was reused after a step");
        free(W); free(dW);
        mf_free(t); mf_free(u);
    }
}

static double toy_run(const OptimConfig *cfg, const MfTask *like, MfTask **out_task) {
    MfTask *t = mf_create(1024, 512, 8, MF_ADAPTER, 1, 1.0);
    if (like) mf_set_problem(t, like->target, like->A, like->B, like->bias, NULL);
    else { Rng rng; rng_seed(&rng, 42); mf_draw_problem(t, 8, MF_INIT_LINEAR, &rng); }
    char err[256];
    MfResult res = mf_run(t, cfg, 10.0, 300, NULL, NULL, err, sizeof err);
    CHECK(!res.diverged, "toy run diverged at step %ld", res.diverged_step);
    if (out_task) *out_task = t; else mf_free(t);
    return res.final_loss;
}

static void toy_problem(void) {
    OptimConfig loft = optim_config_default(METHOD_LOFT), lora = optim_config_default(METHOD_LORA_ADAMW);
    loft.eps = lora.eps = 1e-4;
    MfTask *first;
    double l_loft = toy_run(&loft, NULL, &first);
    double l_lora = toy_run(&lora, first, NULL);
    mf_free(first);
    CHECK_LE(l_loft, 1e-8, "toy (1024x512, rank 8, r = 8, seed 42): LoFT loss after 300 steps");
    CHECK_GE(l_lora, 1e-2, "toy (1024x512, rank 8, r = 8, seed 42): LoRA loss after 300 steps");
}

int main(void) {
    gradients();
    fast_paths();
    toy_problem();
    return test_exit("test_mf");
}
