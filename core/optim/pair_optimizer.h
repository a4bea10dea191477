/* The interface every optimizer of adapter pairs implements, one file each (adamw_pairs.c,
   loft.c, ...), named by a line of methods.def: its per-pair state (an opaque block of
   state_size bytes), the parts of a step, and the state's size. The optimizer object
   (optimizer.c) owns the pairs, runs AdamW on the plain tensors and does the clipping:
   per step it calls begin on every pair, adds every pair's sqnorm to the clipping norm, scales
   the gradients if it clips, then calls step. */
#ifndef LOFT_PAIR_OPTIMIZER_H
#define LOFT_PAIR_OPTIMIZER_H
#include "../compute/kernels.h"
#include "optimizer.h"
#include "../compute/tensor_walk.h"

typedef struct {
    size_t state_size;                                          /* bytes of one pair's state */
    /* state [OUT] for pair; cfg outlives the state */
    void (*init)(void *state, const AdapterPair *pair, const OptimConfig *cfg);
    void (*begin)(void *state, const OptimConfig *cfg);          /* start of a step; may be NULL */
    /* adds this pair's squared gradient norm (the one clipping looks at) to *acc, term by term */
    void (*sqnorm)(void *state, const OptimConfig *cfg, double *acc);
    void (*scale_grads)(void *state, real coef);                /* clipping: gradients *= coef */
    void (*step)(void *state, const OptimConfig *cfg, double lr, long step);   /* step = k >= 1 */
    size_t (*state_bytes)(const void *state);                   /* moments, snapshots: not work buffers */
    void (*free)(void *state);
    /* every part of the state a later step reads (moments, snapshots, counters, caches), through
       the walk (state_walk.h): what a resumed run needs to continue bit for bit */
    void (*walk)(void *state, StateWalk *w);
} PairOptimizer;

/* the raw gradients of a pair: their squared norm added to *acc term by term, and their scaling
   by coef (clipping); for the sqnorm / scale_grads of methods that clip what they receive */
static inline void pair_grad_sqnorm(const AdapterPair *p, double *acc) {
    *acc += blas_sumsq(p->gA, (size_t)p->r * p->n);
    *acc += blas_sumsq(p->gB, (size_t)p->m * p->r);
}
static inline void pair_scale_grads(const AdapterPair *p, real coef) {
    vec_scale(p->gA, coef, (size_t)p->r * p->n);
    vec_scale(p->gB, coef, (size_t)p->m * p->r);
}

/* <pairs>_pairs for every pair optimizer a line of methods.def names */
#define METHOD(ID, name, aliases, adapter, pairs, unit_scale, help) \
    extern const PairOptimizer LOFT_NAME(pairs##_pairs);
#include "../methods/methods.def"
#undef METHOD
#endif
