/* A bare training loop over the MF task for the optimizer tests (the harness's own loop is
   core/run.c): N steps of one optimizer, losses and gradient norms recorded, divergence noted. */
#ifndef LOFT_TEST_MF_TRAIN_H
#define LOFT_TEST_MF_TRAIN_H
#include <math.h>
#include "optim/optimizer.h"
#include "tasks/mf.h"

typedef struct {
    long steps_done;       /* optimizer steps taken */
    int diverged;          /* 1 when a loss or gradient norm became NaN/Inf */
    long diverged_step;    /* the step whose loss was not finite (1-based), else 0 */
    double final_loss;     /* loss after the last step taken */
} MfResult;

/* N steps at learning rate lr; losses (steps,) and gnorms (steps,) (either may be NULL) get
   the loss and gradient norm before each step. Stops early and records a divergence when the
   loss or gradient norm stops being finite. err gets a message when the optimizer is refused. */
static MfResult mf_run(MfTask *t, const OptimConfig *cfg, double lr, long steps, double *losses,
                       double *gnorms, char *err, size_t errlen) {
    MfResult res = { 0, 0, 0, NAN };
    AdapterPair pairs[1];
    PlainTensor plain[3];
    int npairs, nplain;
    mf_params(t, pairs, &npairs, plain, &nplain);
    Optimizer *opt = optim_create(cfg, pairs, npairs, plain, nplain, err, errlen);
    if (!opt) { res.diverged = -1; return res; }
    for (long k = 0; k < steps; k++) {
        double loss = mf_loss_grad(t);
        if (losses) losses[k] = loss;
        if (!isfinite(loss)) { res.diverged = 1; res.diverged_step = k + 1; break; }
        double gn = optim_step(opt, lr);
        if (gnorms) gnorms[k] = gn;
        res.steps_done = k + 1;
        if (!isfinite(gn)) { res.diverged = 1; res.diverged_step = k + 1; break; }
    }
    res.final_loss = mf_loss_grad(t);
    if (!res.diverged && !isfinite(res.final_loss)) { res.diverged = 1; res.diverged_step = res.steps_done + 1; }
    optim_free(opt);
    return res;
}
#endif
