/* Finite-difference checks in double of the LoRA, rsLoRA and DoRA layers (dA, dB, dmag, dx,
   dbias) on non-square shapes, and DoRA's contract: identity at init, the norm taken along
   output rows, and a zero row that gives zero, not NaN. Loss = sum(y (.) R) for a fixed R. */
#include <stdlib.h>
#include "adapters/dora.h"
#include "adapters/lora.h"
#include "compute/kernels.h"
#include "check.h"
#include "check_util.h"
#include "init.h"
#include "rng.h"

enum { N = 3, IN = 7, OUT = 5, RK = 2 };
#define FD_H 1e-6
#define FD_TOL 1e-7

typedef struct {
    real x[N * IN], W0[OUT * IN], bias[OUT], A[RK * IN], B[OUT * RK], mag[OUT], R[N * OUT];
    real frozen[OUT];
    double s;
    int dora, freeze;
} Layer;

static double loss_of(void *ctx) {
    Layer *L = ctx;
    real y[N * OUT];
    if (L->dora) {
        real V[OUT * IN], norm[OUT], Wd[OUT * IN];
        dora_weight(V, norm, Wd, L->W0, L->A, L->B, L->mag, L->s, L->freeze ? L->frozen : NULL, IN, OUT, RK);
        dora_forward(y, L->x, Wd, L->bias, N, IN, OUT);
    } else {
        real xa[N * RK];
        lora_forward(y, xa, L->x, L->W0, L->bias, L->A, L->B, L->s, N, IN, OUT, RK);
    }
    double l = 0;
    for (int i = 0; i < N * OUT; i++) l += (double)y[i] * L->R[i];
    return l;
}

/* central differences of loss_of w.r.t. every entry of p (n,), compared with grad (n,) */
static double fd_rel_err(Layer *L, real *p, const real *grad, int n) {
    real fd[IN * N > OUT * IN ? IN * N : OUT * IN];
    fd_central(fd, p, n, FD_H, loss_of, L);
    return rel_err(grad, fd, n);
}

static void random_layer(Layer *L, Rng *rng) {
    init_normal(L->x, N * IN, 0, 1, rng);
    init_normal(L->W0, OUT * IN, 0, 0.5, rng);
    init_normal(L->bias, OUT, 0, 1, rng);
    init_normal(L->A, RK * IN, 0, 1, rng);
    init_normal(L->B, OUT * RK, 0, 1, rng);
    init_uniform(L->mag, OUT, 0.5, 2.0, rng);
    init_normal(L->R, N * OUT, 0, 1, rng);
}

static void check_lora(Rng *rng, LoraScaling scaling, const char *name) {
    Layer L = { 0 };
    random_layer(&L, rng);
    L.s = lora_scale(16.0, RK, scaling);
    real y[N * OUT], xa[N * RK], dx[N * IN] = { 0 }, dA[RK * IN] = { 0 }, dB[OUT * RK] = { 0 }, db[OUT] = { 0 };
    lora_forward(y, xa, L.x, L.W0, L.bias, L.A, L.B, L.s, N, IN, OUT, RK);
    real dyB[N * RK];
    lora_backward(dx, dA, dB, db, dyB, L.R, L.x, xa, L.W0, L.A, L.B, L.s, N, IN, OUT, RK);
    char what[96];
    snprintf(what, sizeof what, "%s dA vs finite differences (rel)", name);
    CHECK_LE(fd_rel_err(&L, L.A, dA, RK * IN), FD_TOL, what);
    snprintf(what, sizeof what, "%s dB vs finite differences (rel)", name);
    CHECK_LE(fd_rel_err(&L, L.B, dB, OUT * RK), FD_TOL, what);
    snprintf(what, sizeof what, "%s dx vs finite differences (rel)", name);
    CHECK_LE(fd_rel_err(&L, L.x, dx, N * IN), FD_TOL, what);
    snprintf(what, sizeof what, "%s dbias vs finite differences (rel)", name);
    CHECK_LE(fd_rel_err(&L, L.bias, db, OUT), FD_TOL, what);
    /* merge: W0 + s B A as a plain layer gives the same output */
    real W[OUT * IN], y2[N * OUT], zeroA[RK * IN] = { 0 };
    memcpy(W, L.W0, sizeof W);
    lora_merge(W, L.A, L.B, L.s, IN, OUT, RK, +1);
    lora_forward(y2, xa, L.x, W, L.bias, zeroA, L.B, L.s, N, IN, OUT, RK);
    snprintf(what, sizeof what, "%s merged output vs adapted output (rel)", name);
    CHECK_LE(rel_err(y2, y, N * OUT), 1e-14, what);
}

static void check_dora(Rng *rng) {
    Layer L = { 0 };
    random_layer(&L, rng);
    L.dora = 1;
    L.s = lora_scale(4.0, RK, SCALING_LORA);
    real V[OUT * IN], norm[OUT], Wd[OUT * IN];
    real dx[N * IN] = { 0 }, dA[RK * IN] = { 0 }, dB[OUT * RK] = { 0 }, dm[OUT] = { 0 }, db[OUT] = { 0 };
    dora_weight(V, norm, Wd, L.W0, L.A, L.B, L.mag, L.s, NULL, IN, OUT, RK);
    real dWd[OUT * IN], dV[OUT * IN];
    dora_backward(dx, dA, dB, dm, db, dWd, dV, L.R, L.x, V, norm, Wd, L.A, L.B, L.mag, L.s, N, IN, OUT, RK);
    /* dmag, dx, dbias: the norm does not depend on them, so the plain forward is the reference */
    CHECK_LE(fd_rel_err(&L, L.mag, dm, OUT), FD_TOL, "DoRA dmag vs finite differences (rel)");
    CHECK_LE(fd_rel_err(&L, L.x, dx, N * IN), FD_TOL, "DoRA dx vs finite differences (rel)");
    CHECK_LE(fd_rel_err(&L, L.bias, db, OUT), FD_TOL, "DoRA dbias vs finite differences (rel)");
    /* dA, dB: the norm is detached, so differentiate with the norm frozen at this point */
    memcpy(L.frozen, norm, sizeof norm);
    L.freeze = 1;
    CHECK_LE(fd_rel_err(&L, L.A, dA, RK * IN), FD_TOL, "DoRA dA vs finite differences, norm detached (rel)");
    CHECK_LE(fd_rel_err(&L, L.B, dB, OUT * RK), FD_TOL, "DoRA dB vs finite differences, norm detached (rel)");
    /* and the detached gradient is not the attached one (the test can tell them apart) */
    L.freeze = 0;
    CHECK_GE(fd_rel_err(&L, L.A, dA, RK * IN), 1e-3, "DoRA dA differs from the norm-attached gradient (rel)");
}

static void check_dora_contract(Rng *rng) {
    Layer L = { 0 };
    random_layer(&L, rng);
    /* rows of very different scale, so a column-wise norm cannot pass */
    for (int o = 0; o < OUT; o++)
        for (int i = 0; i < IN; i++) L.W0[o * IN + i] *= (real)(o + 1) * (o + 1);
    real B0[OUT * RK] = { 0 }, mag[OUT], V[OUT * IN], norm[OUT], Wd[OUT * IN], dWd[OUT * IN], dV[OUT * IN];
    dora_init_magnitude(mag, L.W0, IN, OUT);
    dora_weight(V, norm, Wd, L.W0, L.A, B0, mag, 1.0, NULL, IN, OUT, RK);
    CHECK_LE(rel_err(Wd, L.W0, OUT * IN), 1e-15, "DoRA at init (B = 0, mag = row norms): W' = W0 (rel)");
    /* with B != 0 and any magnitudes, output row o of W' has norm mag[o] */
    dora_weight(V, norm, Wd, L.W0, L.A, L.B, L.mag, 1.0, NULL, IN, OUT, RK);
    double worst = 0;
    for (int o = 0; o < OUT; o++) {
        double s = 0;
        for (int i = 0; i < IN; i++) s += (double)Wd[o * IN + i] * Wd[o * IN + i];
        worst = fmax(worst, fabs(sqrt(s) - L.mag[o]) / L.mag[o]);
    }
    CHECK_LE(worst, 1e-14, "DoRA: |row norm of W' - mag| / mag, worst output row");
    /* a zero row of W0 with B = 0: output 0 for that row, finite gradients */
    for (int i = 0; i < IN; i++) L.W0[2 * IN + i] = 0;
    dora_init_magnitude(mag, L.W0, IN, OUT);
    dora_weight(V, norm, Wd, L.W0, L.A, B0, mag, 1.0, NULL, IN, OUT, RK);
    real y[N * OUT], dx[N * IN] = { 0 }, dA[RK * IN] = { 0 }, dB[OUT * RK] = { 0 }, dm[OUT] = { 0 };
    dora_forward(y, L.x, Wd, NULL, N, IN, OUT);
    dora_backward(dx, dA, dB, dm, NULL, dWd, dV, L.R, L.x, V, norm, Wd, L.A, B0, mag, 1.0, N, IN, OUT, RK);
    int finite = !has_nonfinite(y, N * OUT) && !has_nonfinite(dx, N * IN) && !has_nonfinite(dA, RK * IN)
                 && !has_nonfinite(dB, OUT * RK) && !has_nonfinite(dm, OUT);
    CHECK(finite, "DoRA with a zero row: output and every gradient finite");
    CHECK(y[0 * OUT + 2] == 0 && y[1 * OUT + 2] == 0, "DoRA zero row gives output 0");
}

int main(void) {
    Rng rng;
    rng_seed(&rng, 7);
    check_lora(&rng, SCALING_LORA, "LoRA");
    check_lora(&rng, SCALING_RSLORA, "rsLoRA");
    check_dora(&rng);
    check_dora_contract(&rng);
    return test_exit("test_adapters_grad");
}
