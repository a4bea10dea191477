/* Matrix factorization: problem set-up, loss and gradients, and the training loop. */
#include <math.h>
#include <string.h>
#include "../adapters/dora.h"
#include "../adapters/lora.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "../check.h"
#include "../init.h"
#include "../compute/tensor_walk.h"
#include "mf.h"

#define ALLOC(n) tensor_alloc((size_t)(n))

MfTask *mf_create(int in, int out, int r, MfParam param, int use_bias, double scale) {
    MfTask *t = mallocCheck(sizeof(MfTask));
    t->in = in; t->out = out; t->r = r; t->param = param; t->use_bias = use_bias; t->scale = scale;
    t->weff_fresh = 0;
    t->w0_zero = -1;
    size_t W = (size_t)out * in;
    t->target = ALLOC(W); t->targetT = ALLOC(W); t->W = ALLOC(W); t->gW = ALLOC(W);
    t->Weff = ALLOC(W); t->dWeff = ALLOC(W);
    t->A = ALLOC((size_t)r * in); t->gA = ALLOC((size_t)r * in);
    t->B = ALLOC((size_t)out * r); t->gB = ALLOC((size_t)out * r);
    t->mag = ALLOC(out); t->gmag = ALLOC(out); t->bias = ALLOC(out); t->gbias = ALLOC(out);
    t->norm = ALLOC(out);
    t->V = param == MF_DORA ? ALLOC(W) : NULL;
    t->dV = param == MF_DORA ? ALLOC(W) : NULL;
    return t;
}

void mf_walk(MfTask *t, StateWalk *w) {
    tensor_walk(w, "W", t->W, (size_t)t->out * t->in);
    tensor_walk(w, "A", t->A, (size_t)t->r * t->in);
    tensor_walk(w, "B", t->B, (size_t)t->out * t->r);
    tensor_walk(w, "mag", t->mag, (size_t)t->out);
    tensor_walk(w, "bias", t->bias, (size_t)t->out);
    if (w->loading) { t->weff_fresh = 0; t->w0_zero = -1; }
}

void mf_free(MfTask *t) {
    if (!t) return;
    real *tensors[] = { t->target, t->targetT, t->W, t->gW, t->Weff, t->dWeff, t->A, t->gA, t->B, t->gB, t->mag, t->gmag,
                        t->bias, t->gbias, t->norm, t->V, t->dV };
    for (size_t i = 0; i < sizeof tensors / sizeof tensors[0]; i++) tensor_free(tensors[i]);
    free(t);
}

void mf_set_problem(MfTask *t, const real *target, const real *A0, const real *B0,
                    const real *bias0, const real *W0) {
    size_t W = (size_t)t->out * t->in;
    vec_copy(t->target, target, W);
    transpose(t->targetT, target, t->in, t->out);
    vec_copy(t->A, A0, (size_t)t->r * t->in);
    vec_copy(t->B, B0, (size_t)t->out * t->r);
    if (bias0) vec_copy(t->bias, bias0, (size_t)t->out); else vec_zero(t->bias, (size_t)t->out);
    if (W0) vec_copy(t->W, W0, W); else vec_zero(t->W, W);
    t->weff_fresh = 0;
    t->w0_zero = -1;
    if (t->param == MF_FULL) lora_merge(t->W, t->A, t->B, t->scale, t->in, t->out, t->r, +1);
    if (t->param == MF_DORA) {
        vec_copy(t->Weff, t->W, W);
        lora_merge(t->Weff, t->A, t->B, t->scale, t->in, t->out, t->r, +1);
        dora_init_magnitude(t->mag, t->Weff, t->in, t->out);
    }
}

static int all_zero(const real *x, size_t n) { return !vec_any_nonzero(x, n); }

void mf_draw_problem(MfTask *t, int target_rank, MfInit init, Rng *rng) {
    const int in = t->in, out = t->out, r = t->r, k = target_rank;
    real *L = ALLOC((size_t)in * k), *R = ALLOC((size_t)k * out), *T = ALLOC((size_t)in * out);
    real *A = ALLOC((size_t)r * in), *B = ALLOC((size_t)out * r), *b = ALLOC(out);
    init_normal(L, (size_t)in * k, 0, 1, rng);
    init_normal(R, (size_t)k * out, 0, 1, rng);
    blas_gemm(0, 0, in, out, k, 1, L, k, R, out, 0, T, out);
    if (init == MF_INIT_LINEAR) {
        init_linear_uniform(A, r, in, rng);
        init_linear_uniform(B, out, r, rng);
        init_uniform(b, out, -1.0 / sqrt((double)r), 1.0 / sqrt((double)r), rng);
    } else {
        lora_init(A, B, in, out, r, init == MF_INIT_GAUSSIAN ? LORA_INIT_GAUSSIAN : LORA_INIT_KAIMING, rng);
    }
    mf_set_problem(t, T, A, B, t->use_bias ? b : NULL, NULL);
    tensor_free(L); tensor_free(R); tensor_free(T); tensor_free(A); tensor_free(B); tensor_free(b);
}

void mf_weight(MfTask *t, real *W) {
    size_t n = (size_t)t->out * t->in;
    if (t->param == MF_DORA) {
        dora_weight(t->V, t->norm, W, t->W, t->A, t->B, t->mag, t->scale, NULL, t->in, t->out, t->r);
        return;
    }
    if (t->param == MF_ADAPTER && t->w0_zero < 0) t->w0_zero = all_zero(t->W, n);   /* once, not every step */
    if (t->param == MF_ADAPTER && t->w0_zero) {   /* W0 = 0 (the notebook's problem): s B A alone */
        lora_product(W, t->A, t->B, t->scale, t->in, t->out, t->r);
        return;
    }
    vec_copy(W, t->W, n);
    if (t->param == MF_ADAPTER) lora_merge(W, t->A, t->B, t->scale, t->in, t->out, t->r, +1);
}

const real *mf_weight_for_step(MfTask *t) {
    if (t->param == MF_FULL) return t->W;
    if (!t->weff_fresh) mf_weight(t, t->Weff);
    t->weff_fresh = 1;
    return t->Weff;
}

double mf_loss_grad(MfTask *t) {
    const int in = t->in, out = t->out, r = t->r;
    const int full = t->param == MF_FULL;
    vec_zero(t->gA, (size_t)r * in);
    vec_zero(t->gB, (size_t)out * r);
    vec_zero(t->gmag, out);
    vec_zero(t->gbias, out);
    const real *W = full ? t->W : t->Weff;
    real *dW = full ? t->gW : t->dWeff;   /* full W: its gradient is dL/dWeff itself */
    if (!full && !t->weff_fresh) mf_weight(t, t->Weff);
    t->weff_fresh = 0;   /* the step that follows changes the parameters */
    /* pred[i][o] = W[o][i] + b[o]; dL/dW[o][i] = 2 (pred[i][o] - T[i][o]) / (in out) */
    const double c = 2.0 / ((double)in * out);
    double loss = mse_loss_grad(dW, W, t->bias, t->targetT, c, in, out);
    if (t->use_bias) row_sums(t->gbias, dW, in, out);
    if (t->param == MF_ADAPTER) lora_backward_dW(t->gA, t->gB, t->dWeff, t->A, t->B, t->scale, in, out, r);
    else if (t->param == MF_DORA) dora_backward_dW(t->gA, t->gB, t->gmag, t->dV, t->dWeff, t->V, t->norm, t->A, t->B, t->mag, t->scale, in, out, r);
    return loss / ((double)in * out);
}

void mf_params(MfTask *t, AdapterPair *pairs, int *npairs, PlainTensor *plain, int *nplain) {
    *npairs = 0; *nplain = 0;
    if (t->param == MF_FULL) {
        plain[(*nplain)++] = (PlainTensor){ t->W, t->gW, (size_t)t->out * t->in };
    } else {
        pairs[(*npairs)++] = (AdapterPair){ t->A, t->B, t->gA, t->gB, t->out, t->in, t->r, t->scale, t->W };
        if (t->param == MF_DORA) plain[(*nplain)++] = (PlainTensor){ t->mag, t->gmag, (size_t)t->out };
    }
    if (t->use_bias) plain[(*nplain)++] = (PlainTensor){ t->bias, t->gbias, (size_t)t->out };
}
