/* The optimizer object: the adapter pairs, stepped by the method's pair optimizer (methods.def,
   pair_optimizer.h), AdamW on the plain tensors, one shared step count, global-norm gradient
   clipping, and the pair steps spread over threads when the run has them (batch_threads). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../check.h"
#include "../compute/backend.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "optimizer.h"
#include "pair_optimizer.h"

/* each method's pair optimizer, in methods.def order */
#define METHOD(ID, name, aliases, adapter, pairs, unit_scale, help) &LOFT_NAME(pairs##_pairs),
static const PairOptimizer *const PAIRS[METHOD_COUNT] = {
#include "../methods/methods.def"
};
#undef METHOD

typedef struct { PlainTensor t; real *m, *v; } AdamTensor;

struct Optimizer {
    OptimConfig cfg;
    long step;
    const PairOptimizer *po;
    char *pair_state;      /* npairs blocks of po->state_size bytes */
    int npairs;
    AdamTensor *adam;      /* the plain tensors */
    int nadam;
    AdapterPair *pairs;    /* the pairs as given (their gradients, for grads_copy) */
    int threads;           /* the pair steps' threads (cfg.threads, at most npairs) */
    int *owner;            /* (npairs,) the thread that steps pair i: a fixed, balanced assignment */
    double *sq;            /* (npairs,) each pair's part of the squared gradient norm (threads > 1) */
};

static void *pair_at(const Optimizer *o, int i) { return o->pair_state + (size_t)i * o->po->state_size; }

static int config_error(const OptimConfig *c, char *err, size_t errlen) {
    const char *msg = NULL;
    if (!(c->method >= 0 && c->method < METHOD_COUNT)) msg = "unknown method";
    else if (!(c->beta1 >= 0 && c->beta1 < 1)) msg = "beta1 must be in [0, 1)";
    else if (!(c->beta2 >= 0 && c->beta2 < 1)) msg = "beta2 must be in [0, 1)";
    else if (!(c->eps >= 0)) msg = "eps must be >= 0";
    else if (!(c->weight_decay >= 0)) msg = "weight_decay must be >= 0";
    else if (!(c->damping >= 0)) msg = "damping must be >= 0";
    else if (!(c->max_grad_norm >= 0)) msg = "max_grad_norm must be >= 0 (0 = no clipping)";
    else if (optim_parity(c) && c->reproject_second_moment && !c->rescale_grads)
        msg = "parity tnurbek-148998d: reproject_second_moment needs rescale_grads "
              "(the authors' code fails in that combination)";
    if (msg && err) snprintf(err, errlen, "%s", msg);
    return msg != NULL;
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
    o->step = 0;
    o->po = PAIRS[cfg->method];
    o->npairs = npairs;
    o->pair_state = mallocCheck(o->po->state_size * (size_t)(npairs ? npairs : 1));
    o->pairs = mallocCheck(sizeof(AdapterPair) * (size_t)(npairs ? npairs : 1));
    if (npairs) memcpy(o->pairs, pairs, sizeof(AdapterPair) * (size_t)npairs);
    for (int i = 0; i < npairs; i++) o->po->init(pair_at(o, i), &pairs[i], &o->cfg);
    /* the pairs over the threads, largest first to the least loaded (cost ~ the m x n
       second-moment product and the (m + n) r^2 cross terms): fixed, so runs repeat bit for bit */
    o->threads = cfg->threads < npairs ? cfg->threads : npairs;
    if (o->threads > 64) o->threads = 64;
    if (o->threads < 1) o->threads = 1;
    o->owner = mallocCheck(sizeof(int) * (size_t)(npairs ? npairs : 1));
    o->sq = mallocCheck(sizeof(double) * (size_t)(npairs ? npairs : 1));
    double load[64] = { 0 };
    for (int i = 0; i < npairs; i++) o->owner[i] = -1;   /* -1: not placed yet */
    for (int k = 0; k < npairs; k++) {
        int big = -1, least = 0;
        double cost_big = -1;
        for (int i = 0; i < npairs; i++) {
            double cost = (double)pairs[i].m * pairs[i].n + (double)(pairs[i].m + pairs[i].n) * pairs[i].r * pairs[i].r;
            if (o->owner[i] < 0 && cost > cost_big) { big = i; cost_big = cost; }
        }
        for (int t = 1; t < o->threads; t++) if (load[t] < load[least]) least = t;
        o->owner[big] = least;
        load[least] += cost_big;
    }
    o->nadam = nplain;
    o->adam = mallocCheck(sizeof(AdamTensor) * (size_t)(nplain ? nplain : 1));
    for (int i = 0; i < nplain; i++) {
        AdamTensor *a = &o->adam[i];
        a->t = plain[i];
        a->m = tensor_alloc(plain[i].size);
        a->v = tensor_alloc(plain[i].size);
    }
    return o;
}

/* one phase of the step over thread t's pairs, in their order: the pair optimizer's begin, its
   part of the squared gradient norm (into sq[i], summed in pair order by the caller), or its step */
typedef enum { PAIRS_BEGIN, PAIRS_SQNORM, PAIRS_STEP } PairPhase;
typedef struct { Optimizer *o; double lr; PairPhase phase; double *sq; } PairWork;

static void pair_work(void *ctx, int t) {
    PairWork *w = ctx;
    Optimizer *o = w->o;
    for (int i = 0; i < o->npairs; i++) {
        if (o->owner[i] != t) continue;
        if (w->phase == PAIRS_BEGIN) o->po->begin(pair_at(o, i), &o->cfg);
        else if (w->phase == PAIRS_SQNORM) { w->sq[i] = 0.0; o->po->sqnorm(pair_at(o, i), &o->cfg, &w->sq[i]); }
        else o->po->step(pair_at(o, i), &o->cfg, w->lr, o->step);
    }
}

/* a phase over every pair: on the threads (each pair's state is its own), or in turn */
static void pairs_run(Optimizer *o, PairWork *w, PairPhase phase) {
    w->phase = phase;
    if (o->threads > 1) compute_parallel(o->threads, pair_work, w);
    else pair_work(w, 0);
}

double optim_step(Optimizer *o, double lr) {
    const OptimConfig *c = &o->cfg;
    o->step++;
    PairWork w = { o, lr, PAIRS_BEGIN, o->sq };
    if (o->po->begin) pairs_run(o, &w, PAIRS_BEGIN);
    double sq = 0.0;
    if (o->threads > 1) {   /* each pair's part apart, then summed in pair order */
        pairs_run(o, &w, PAIRS_SQNORM);
        for (int i = 0; i < o->npairs; i++) sq += w.sq[i];
    } else {
        for (int i = 0; i < o->npairs; i++) o->po->sqnorm(pair_at(o, i), c, &sq);
    }
    for (int i = 0; i < o->nadam; i++) sq += blas_sumsq(o->adam[i].t.g, o->adam[i].t.size);
    double norm = sqrt(sq);
    if (c->max_grad_norm > 0) {
        double coef = c->max_grad_norm / (norm + 1e-6);
        if (coef < 1.0) {
            for (int i = 0; i < o->npairs; i++) o->po->scale_grads(pair_at(o, i), (real)coef);
            for (int i = 0; i < o->nadam; i++) vec_scale(o->adam[i].t.g, (real)coef, o->adam[i].t.size);
        }
    }
    pairs_run(o, &w, PAIRS_STEP);
    /* parity D5 applies to every parameter of the authors' optimizer, plain tensors included */
    const double decay = optim_parity(c) ? c->weight_decay : lr * c->weight_decay;
    for (int i = 0; i < o->nadam; i++) {
        AdamTensor *a = &o->adam[i];
        adamw_step(a->t.p, a->m, a->v, a->t.g, a->t.size, lr, c->beta1, c->beta2, c->eps, decay, o->step);
    }
    return norm;
}

static size_t grad_count(const Optimizer *o) {
    size_t n = 0;
    for (int i = 0; i < o->npairs; i++) n += (size_t)o->pairs[i].r * (o->pairs[i].n + o->pairs[i].m);
    for (int i = 0; i < o->nadam; i++) n += o->adam[i].t.size;
    return n;
}

static void grads_copy(Optimizer *o, void *buf, int back) {
    real *b = buf;
    for (int i = 0; i < o->npairs; i++) {
        const AdapterPair *p = &o->pairs[i];
        const size_t a = (size_t)p->r * p->n, c = (size_t)p->m * p->r;
        if (back) { tensor_upload(p->gA, b, a); tensor_upload(p->gB, b + a, c); }
        else { tensor_download(b, p->gA, a); tensor_download(b + a, p->gB, c); }
        b += a + c;
    }
    for (int i = 0; i < o->nadam; i++) {
        const PlainTensor *t = &o->adam[i].t;
        if (back) tensor_upload(t->g, b, t->size);
        else tensor_download(b, t->g, t->size);
        b += t->size;
    }
}

static size_t pair_state_bytes(const Optimizer *o) {
    size_t b = 0;
    for (int i = 0; i < o->npairs; i++) b += o->po->state_bytes(pair_at(o, i));
    return b;
}

size_t optim_state_bytes(const Optimizer *o) {
    size_t b = 0;
    for (int i = 0; i < o->npairs; i++) b += o->po->state_bytes(pair_at(o, i));
    for (int i = 0; i < o->nadam; i++) b += 2 * o->adam[i].t.size * sizeof(real);
    return b;
}

void optim_free(Optimizer *o) {
    if (!o) return;
    for (int i = 0; i < o->npairs; i++) o->po->free(pair_at(o, i));
    for (int i = 0; i < o->nadam; i++) { tensor_free(o->adam[i].m); tensor_free(o->adam[i].v); }
    free(o->adam); free(o->pair_state); free(o->pairs); free(o->owner); free(o->sq); free(o);
}

void optim_walk(Optimizer *o, StateWalk *w) {
    state_walk(w, "optim/step", &o->step, sizeof o->step);
    for (int i = 0; i < o->npairs; i++) {
        StateWalkScope s;
        o->po->walk(pair_at(o, i), state_walk_scope(&s, w, "optim/pair", i));
    }
    for (int i = 0; i < o->nadam; i++) {
        StateWalkScope s;
        StateWalk *a = state_walk_scope(&s, w, "optim/plain", i);
        tensor_walk(a, "m", o->adam[i].m, o->adam[i].t.size);
        tensor_walk(a, "v", o->adam[i].v, o->adam[i].t.size);
    }
}

static Optimizer *create_opaque(const OptimConfig *cfg, const void *pairs, int npairs, const void *plain, int nplain,
                                char *err, size_t errlen) {
    return optim_create(cfg, pairs, npairs, plain, nplain, err, errlen);
}

const OptimApi OPTIM_API = { LOFT_PRECISION, create_opaque, optim_step, optim_state_bytes, pair_state_bytes, grad_count,
                             grads_copy, optim_free, optim_walk };
