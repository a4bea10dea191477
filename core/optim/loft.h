/* LoFT-AdamW state and step for one adapter pair (docs/algorithm.md §2-4). A pair has two sides:
   side 0 is U = B (m,r), held factor V; side 1 is V = A^T (n,r), held factor U. The optimizer
   object (optimizer.c) owns the pairs and calls these functions in order each step. */
#ifndef LOFT_LOFT_H
#define LOFT_LOFT_H
#include "optimizer.h"
#include "../state_walk.h"

typedef struct {
    int rows;       /* m for side 0, n for side 1 */
    real *mom;      /* (rows,r) first moment */
    real *P;        /* (rows,r,r) second-moment cross terms (block 4 on), else NULL */
    real *v;        /* (rows,r) element-wise second moment (block 4 off), else NULL */
    real *Hprev;    /* (rows of the held factor, r) held factor when this side was last processed */
    real *Sprev;    /* (r,r) its (Hprev^T Hprev + delta I)^+, for the raw-moment transport (block 2 off), else NULL */
    int has_prev;
    real *g;        /* (rows,r) work: rescaled gradient */
    real *delta;    /* (rows,r) work: projected step direction */
    real *vhat;     /* (rows,r) work: diag of P for the factor-space step (block 4 on, 5 off) */
} LoftSide;

typedef struct {
    AdapterPair pair;
    LoftSide side[2];
    real *V, *gV;      /* (n,r) working copies of A^T and gA^T (times root_s, over root_s) */
    double root_s;     /* sqrt(s) of W = W0 + s B A: the step runs on U = root_s B, V = root_s A^T (1: on B, A^T) */
    real *U;           /* (m,r) working copy root_s B when root_s != 1, else NULL (U is B itself) */
    real *gram[2];     /* (r,r) Gram matrix of side s's held factor: [0] = V^T V, [1] = U^T U */
    real *S[2];        /* (r,r) (gram + delta I)^+ (block 2 on) or I: [0] = SV, [1] = SU */
    real *S_of[2];     /* (r,r) the Gram S[s] was last taken of (valid when S_known[s]) */
    int S_known[2];
    real *C;           /* (r,r) work: transport matrix */
    real *tmp;         /* (max(m,n,2r),r) work */
    real *K, *M, *Q, *T;  /* work of the streamed update: (r*r, max(m,n)), 2 x (stream), (max(m,n), r); K
                             holds r(r+1)/2 Khatri-Rao rows there and is the cross terms' transport
                             work before it (all rows at once on the GPU: rows x r x r) */
    real *Pp;          /* a block of rows' packed cross terms (block rows, r(r+1)/2), with block 4 */
    size_t stream;     /* elements of M and Q */
    int phase;         /* side that moves next under alternation */
} LoftPair;

#define loft_pair_init LOFT_NAME(loft_pair_init)
void loft_pair_init(LoftPair *lp, const AdapterPair *pair, const OptimConfig *cfg);
#define loft_pair_free LOFT_NAME(loft_pair_free)
void loft_pair_free(LoftPair *lp);
#define loft_pair_state_bytes LOFT_NAME(loft_pair_state_bytes)
size_t loft_pair_state_bytes(const LoftPair *lp);
/* start of a step: copy A^T and gA^T, compute both sides' Gram and S from the current factors */
/* the state a later step reads (moments, snapshots, cached S, phase), through the walk (state_walk.h) */
#define loft_pair_walk LOFT_NAME(loft_pair_walk)
void loft_pair_walk(LoftPair *lp, StateWalk *w);
#define loft_pair_begin LOFT_NAME(loft_pair_begin)
void loft_pair_begin(LoftPair *lp, const OptimConfig *cfg);
/* squared gradient norm this pair adds to the clipping norm (docs/algorithm.md §3, block 6) */
#define loft_pair_sqnorm LOFT_NAME(loft_pair_sqnorm)
double loft_pair_sqnorm(LoftPair *lp, const OptimConfig *cfg);
/* multiply the raw gradients gA, gB by scale (clipping) */
#define loft_pair_scale_grads LOFT_NAME(loft_pair_scale_grads)
void loft_pair_scale_grads(LoftPair *lp, real scale);
/* the step: moments of both sides, then the update of the side(s) that move; step = k >= 1 */
#define loft_pair_step LOFT_NAME(loft_pair_step)
void loft_pair_step(LoftPair *lp, const OptimConfig *cfg, double lr, long step);
#endif
