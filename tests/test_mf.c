/* The matrix-factorization task: finite-difference checks of its loss gradient (full weight,
   LoRA adapter, DoRA) in double, and the toy problem of spec section 6 (1024 x 512 target of
   rank 8, r = 8, lr 10, 300 steps): LoFT fits it, LoRA stalls. */
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
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
    toy_problem();
    return test_exit("test_mf");
}
