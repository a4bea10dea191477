/* The pairs of LoRA-AdamW (and DoRA's factors): AdamW on A and on B of each pair, as on any
   tensor; LoRA+ gives B the learning rate lr x loraplus_lr_ratio (its decoupled decay scales with
   it, as in torch's AdamW per parameter group). The methods full-adamw, lora-adamw, lora-plus
   and dora-adamw (methods.def). */
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "pair_optimizer.h"

typedef struct {
    AdapterPair pair;
    real *mA, *vA;   /* (r,n) moments of A */
    real *mB, *vB;   /* (m,r) moments of B */
} AdamwPair;

static size_t size_A(const AdamwPair *p) { return (size_t)p->pair.r * p->pair.n; }
static size_t size_B(const AdamwPair *p) { return (size_t)p->pair.m * p->pair.r; }

static void init(void *state, const AdapterPair *pair, const OptimConfig *cfg) {
    (void)cfg;
    AdamwPair *p = state;
    p->pair = *pair;
    p->mA = tensor_alloc(size_A(p)); p->vA = tensor_alloc(size_A(p));
    p->mB = tensor_alloc(size_B(p)); p->vB = tensor_alloc(size_B(p));
}

static void sqnorm(void *state, const OptimConfig *cfg, double *acc) {
    (void)cfg;
    pair_grad_sqnorm(&((AdamwPair *)state)->pair, acc);
}

static void scale_grads(void *state, real coef) { pair_scale_grads(&((AdamwPair *)state)->pair, coef); }

static void step(void *state, const OptimConfig *c, double lr, long k) {
    AdamwPair *p = state;
    const double lrB = c->loraplus_lr_ratio > 0 ? lr * c->loraplus_lr_ratio : lr;   /* 0: the setting does not act */
    adamw_step(p->pair.A, p->mA, p->vA, p->pair.gA, size_A(p), lr, c->beta1, c->beta2, c->eps, lr * c->weight_decay, k);
    adamw_step(p->pair.B, p->mB, p->vB, p->pair.gB, size_B(p), lrB, c->beta1, c->beta2, c->eps, lrB * c->weight_decay, k);
}

static size_t state_bytes(const void *state) {
    const AdamwPair *p = state;
    return 2 * (size_A(p) + size_B(p)) * sizeof(real);
}

static void release(void *state) {
    AdamwPair *p = state;
    tensor_free(p->mA); tensor_free(p->vA); tensor_free(p->mB); tensor_free(p->vB);
}

static void walk(void *state, StateWalk *w) {
    AdamwPair *p = state;
    tensor_walk(w, "mA", p->mA, size_A(p));
    tensor_walk(w, "vA", p->vA, size_A(p));
    tensor_walk(w, "mB", p->mB, size_B(p));
    tensor_walk(w, "vB", p->vB, size_B(p));
}

const PairOptimizer LOFT_NAME(adamw_pairs) = { sizeof(AdamwPair), init, NULL, sqnorm, scale_grads, step, state_bytes, release, walk };
