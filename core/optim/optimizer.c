/* The optimizer object: plain AdamW tensors, LoRA (AdamW on the factors) or LoFT pairs, one
   shared step count, and global-norm gradient clipping. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../check.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "loft.h"
#include "optimizer.h"

typedef struct { PlainTensor t; real *m, *v; } AdamTensor;

struct Optimizer {
    OptimConfig cfg;
    long step;
    AdamTensor *adam;      /* plain tensors, and the factors of every pair under OPTIM_ADAMW */
    int nadam;
    LoftPair *pairs;       /* OPTIM_LOFT only */
    int npairs;
};

static int config_error(const OptimConfig *c, char *err, size_t errlen) {
    const char *msg = NULL;
    if (!(c->beta1 >= 0 && c->beta1 < 1)) msg = "beta1 must be in [0, 1)";
    else if (!(c->beta2 >= 0 && c->beta2 < 1)) msg = "beta2 must be in [0, 1)";
    else if (!(c->eps >= 0)) msg = "eps must be >= 0";
    else if (!(c->weight_decay >= 0)) msg = "weight_decay must be >= 0";
    else if (!(c->damping >= 0)) msg = "damping must be >= 0";
    else if (!(c->max_grad_norm >= 0)) msg = "max_grad_norm must be >= 0 (0 = no clipping)";
    else if (c->kind == OPTIM_LOFT && c->parity == PARITY_TNURBEK_148998D &&
             c->reproject_second_moment && !c->rescale_grads)
        msg = "parity tnurbek-148998d: reproject_second_moment needs rescale_grads "
              "(the authors' code fails in that combination)";
    if (msg && err) snprintf(err, errlen, "%s", msg);
    return msg != NULL;
}

static void add_adam(Optimizer *o, real *p, real *g, size_t size) {
    AdamTensor *a = &o->adam[o->nadam++];
    a->t.p = p; a->t.g = g; a->t.size = size;
    a->m = tensor_alloc(size);
    a->v = tensor_alloc(size);
}

Optimizer *optim_create(const OptimConfig *cfg, const AdapterPair *pairs, int npairs,
                        const PlainTensor *plain, int nplain, char *err, size_t errlen) {
    if (config_error(cfg, err, errlen)) return NULL;
    for (int i = 0; i < npairs; i++) {
        const AdapterPair *p = &pairs[i];
        if (p->m < 1 || p->n < 1 || p->r < 1 || !p->A || !p->B || !p->gA || !p->gB) {
            if (err) snprintf(err, errlen, "adapter pair %d: expected m, n, r >= 1 and A, B, gA, gB set (got m=%d n=%d r=%d)",
                              i, p->m, p->n, p->r);
            return NULL;
        }
    }
    Optimizer *o = mallocCheck(sizeof(Optimizer));
    o->cfg = *cfg;
    int lora = cfg->kind == OPTIM_ADAMW;
    o->adam = mallocCheck(sizeof(AdamTensor) * (size_t)(nplain + (lora ? 2 * npairs : 0)));
    if (lora) {   /* LoRA: AdamW on A then B of every pair */
        for (int i = 0; i < npairs; i++) {
            add_adam(o, pairs[i].A, pairs[i].gA, (size_t)pairs[i].r * pairs[i].n);
            add_adam(o, pairs[i].B, pairs[i].gB, (size_t)pairs[i].m * pairs[i].r);
        }
    } else {
        o->npairs = npairs;
        o->pairs = mallocCheck(sizeof(LoftPair) * (size_t)(npairs ? npairs : 1));
        for (int i = 0; i < npairs; i++) loft_pair_init(&o->pairs[i], &pairs[i], cfg);
    }
    for (int i = 0; i < nplain; i++) add_adam(o, plain[i].p, plain[i].g, plain[i].size);
    return o;
}

double optim_step(Optimizer *o, double lr) {
    const OptimConfig *c = &o->cfg;
    o->step++;
    for (int i = 0; i < o->npairs; i++) loft_pair_begin(&o->pairs[i], c);
    double sq = 0.0;
    for (int i = 0; i < o->npairs; i++) sq += loft_pair_sqnorm(&o->pairs[i], c);
    for (int i = 0; i < o->nadam; i++) sq += blas_sumsq(o->adam[i].t.g, o->adam[i].t.size);
    double norm = sqrt(sq);
    if (c->max_grad_norm > 0) {
        double coef = c->max_grad_norm / (norm + 1e-6);
        if (coef < 1.0) {
            for (int i = 0; i < o->npairs; i++) loft_pair_scale_grads(&o->pairs[i], (real)coef);
            for (int i = 0; i < o->nadam; i++) vec_scale(o->adam[i].t.g, (real)coef, o->adam[i].t.size);
        }
    }
    for (int i = 0; i < o->npairs; i++) loft_pair_step(&o->pairs[i], c, lr, o->step);
    /* parity D5 applies to every parameter of the authors' optimizer, plain tensors included */
    const double decay = (c->kind == OPTIM_LOFT && c->parity == PARITY_TNURBEK_148998D)
                             ? c->weight_decay : lr * c->weight_decay;
    for (int i = 0; i < o->nadam; i++) {
        AdamTensor *a = &o->adam[i];
        adamw_step(a->t.p, a->m, a->v, a->t.g, a->t.size, lr, c->beta1, c->beta2, c->eps, decay, o->step);
    }
    return norm;
}

size_t optim_state_bytes(const Optimizer *o) {
    size_t b = 0;
    for (int i = 0; i < o->nadam; i++) b += 2 * o->adam[i].t.size * sizeof(real);
    for (int i = 0; i < o->npairs; i++) b += loft_pair_state_bytes(&o->pairs[i]);
    return b;
}

void optim_free(Optimizer *o) {
    if (!o) return;
    for (int i = 0; i < o->nadam; i++) { tensor_free(o->adam[i].m); tensor_free(o->adam[i].v); }
    for (int i = 0; i < o->npairs; i++) loft_pair_free(&o->pairs[i]);
    free(o->adam); free(o->pairs); free(o);
}

static Optimizer *create_opaque(const OptimConfig *cfg, const void *pairs, int npairs, const void *plain, int nplain,
                                char *err, size_t errlen) {
    return optim_create(cfg, pairs, npairs, plain, nplain, err, errlen);
}

const OptimApi OPTIM_API = { LOFT_PRECISION, create_opaque, optim_step, optim_state_bytes, optim_free };
