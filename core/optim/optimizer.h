/* The optimizer object of the harness, for every method of methods.def (full AdamW, LoRA-AdamW,
   DoRA, LoFT-AdamW with its six building blocks as independent toggles, ...). It sees an explicit
   table of adapter pairs and a list of plain tensors; it never matches names or positions.
   Hyper-parameters that change per step (the learning rate) are passed to optim_step. */
#ifndef LOFT_OPTIMIZER_H
#define LOFT_OPTIMIZER_H
#include <stddef.h>
#include "../real.h"
#include "optim_config.h"
#include "../state_walk.h"


/* One adapted layer W = W0 + s B A. A is (r,n) = V^T, B is (m,r) = U, m = out, n = in.
   gA, gB are the gradients of the loss w.r.t. A and B (the caller zeroes them). s is the
   adapter's scale and W0 (m,n) its frozen weight (NULL when there is none): only methods that
   read them (LoRA-Pro) do. */
typedef struct { real *A, *B, *gA, *gB; int m, n, r; double s; real *W0; } AdapterPair;
/* Any other trainable tensor (full weights, biases, heads, DoRA magnitudes): plain AdamW. */
typedef struct { real *p, *g; size_t size; } PlainTensor;

/* Returns NULL and writes a message into err (errlen bytes) when the config is invalid. */
#define optim_create LOFT_NAME(optim_create)
Optimizer *optim_create(const OptimConfig *cfg, const AdapterPair *pairs, int npairs,
                        const PlainTensor *plain, int nplain, char *err, size_t errlen);
/* One step with learning rate lr. Returns the global gradient norm that clipping looks at
   (before clipping): projected for LoFT with clip_projected, raw otherwise. Gradients are
   scaled in place when clipping is active. */
#define optim_step LOFT_NAME(optim_step)
double optim_step(Optimizer *opt, double lr);
/* bytes of optimizer state (moments, cross terms, snapshots), not counting work buffers */
#define optim_state_bytes LOFT_NAME(optim_state_bytes)
size_t optim_state_bytes(const Optimizer *opt);
/* the step count, the pairs' states and the plain tensors' moments through the walk (state_walk.h);
   the parameters themselves belong to the task */
#define optim_walk LOFT_NAME(optim_walk)
void optim_walk(Optimizer *opt, StateWalk *w);
#define optim_free LOFT_NAME(optim_free)
void optim_free(Optimizer *opt);
/* the four above as a table, for the run layer (optim_config.h) */
#define OPTIM_API LOFT_NAME(OPTIM_API)
extern const OptimApi OPTIM_API;
#endif
