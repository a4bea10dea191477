/* The optimizer object of the harness: full AdamW, LoRA-AdamW (AdamW on adapter factors) and
   LoFT-AdamW with its six building blocks as independent toggles. It sees an explicit table of
   adapter pairs and a list of plain tensors; it never matches names or positions.
   Hyper-parameters that change per step (the learning rate) are passed to optim_step. */
#ifndef LOFT_OPTIMIZER_H
#define LOFT_OPTIMIZER_H
#include <stddef.h>
#include "../real.h"

typedef enum { OPTIM_ADAMW = 0, OPTIM_LOFT = 1 } OptimKind;
typedef enum { PARITY_NONE = 0, PARITY_TNURBEK_148998D = 1 } ParityMode;

typedef struct {
    OptimKind kind;
    double beta1, beta2, eps, weight_decay;
    double max_grad_norm;          /* > 0: clip the global gradient norm to this */
    double damping;                /* delta in (V^T V + delta I)^-1, exact mode */
    /* LoFT building blocks (spec section 3); ignored by OPTIM_ADAMW */
    int alternate_update;          /* 1 */
    int alternate_first_A;         /* 0: B (= U) moves first, the spec's default */
    int rescale_grads;             /* 2 */
    int reproject_momentum;        /* 3 */
    int reproject_second_moment;   /* 4 */
    int project_full_update;       /* 5 */
    int clip_projected;            /* 6 */
    ParityMode parity;
    int row_block;                 /* rows per block of the streamed update; 0 = automatic */
} OptimConfig;

/* One adapted layer W = W0 + s B A. A is (r,n) = V^T, B is (m,r) = U, m = out, n = in.
   gA, gB are the gradients of the loss w.r.t. A and B (the caller zeroes them). */
typedef struct { real *A, *B, *gA, *gB; int m, n, r; } AdapterPair;
/* Any other trainable tensor (full weights, biases, heads, DoRA magnitudes): plain AdamW. */
typedef struct { real *p, *g; size_t size; } PlainTensor;

typedef struct Optimizer Optimizer;

/* defaults: betas (0.9, 0.999), eps 1e-8 (AdamW) or 1e-4 (LoFT), decay 0, every block on */
OptimConfig optim_config_default(OptimKind kind);
/* the "LoFT-simple" variant of spec section 3: blocks 1, 2, 3 on; 4 and 5 off */
OptimConfig optim_config_loft_simple(void);
/* Returns NULL and writes a message into err (errlen bytes) when the config is invalid. */
Optimizer *optim_create(const OptimConfig *cfg, const AdapterPair *pairs, int npairs,
                        const PlainTensor *plain, int nplain, char *err, size_t errlen);
/* One step with learning rate lr. Returns the global gradient norm that clipping looks at
   (before clipping): projected for LoFT with clip_projected, raw otherwise. Gradients are
   scaled in place when clipping is active. */
double optim_step(Optimizer *opt, double lr);
long optim_step_count(const Optimizer *opt);
/* bytes of optimizer state (moments, cross terms, snapshots), not counting work buffers */
size_t optim_state_bytes(const Optimizer *opt);
void optim_free(Optimizer *opt);
#endif
