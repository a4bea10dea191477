/* The matrix-factorization task (docs/algorithm.md §6, the authors' notebook): a linear layer
   W (out,in) with bias b (out,) fed the identity, so pred (in,out) = W^T + 1 b^T, fitted to a
   target T (in,out) by the mean squared error over all entries. W is trained in full, or as an
   adapter W = W0 + s B A (LoRA / LoFT), or DoRA. Its problem can be drawn or handed in. */
#ifndef LOFT_MF_H
#define LOFT_MF_H
#include "../optim/optimizer.h"
#include "../real.h"
#include "../rng.h"

typedef enum { MF_FULL = 0, MF_ADAPTER = 1, MF_DORA = 2 } MfParam;
/* how the factors start: both like torch.nn.Linear (the notebook), or PEFT's LoRA init */
typedef enum { MF_INIT_LINEAR = 0, MF_INIT_LORA = 1, MF_INIT_GAUSSIAN = 2 } MfInit;

typedef struct {
    int in, out, r, use_bias;
    MfParam param;
    double scale;          /* s in W0 + s B A */
    real *target;          /* (in,out) */
    real *targetT;         /* (out,in) the target transposed, as the loss reads it */
    real *W;               /* (out,in) trained weight (MF_FULL) or frozen W0 */
    real *A, *B;           /* (r,in), (out,r) */
    real *mag;             /* (out,) DoRA magnitudes */
    real *bias;            /* (out,) */
    real *gW, *gA, *gB, *gmag, *gbias;
    real *Weff, *dWeff;    /* (out,in) work: effective weight and its gradient */
    real *V, *norm, *dV;   /* DoRA work: (out,in), (out,), backward buffer (out,in) */
    int weff_fresh;        /* Weff (and DoRA's V, norm) already hold the current parameters' */
    int w0_zero;           /* W0 (MF_ADAPTER) is all zero: 1, 0, or -1 not yet looked at. Whoever writes W0
                              sets -1 (mf_set_problem, the spectral inits), except a scaling (LoRA-Pro's
                              decay), which keeps a zero W0 zero */
} MfTask;

#define mf_create LOFT_NAME(mf_create)
MfTask *mf_create(int in, int out, int r, MfParam param, int use_bias, double scale);
#define mf_free LOFT_NAME(mf_free)
void mf_free(MfTask *t);
/* the notebook's problem: T = randn(in,k) randn(k,out) with k = target_rank; A, B, bias per
   init (MF_INIT_LINEAR: A ~ Linear(in,r), B and bias ~ Linear(r,out)); W0 = 0. For MF_FULL the
   trained W starts at s B A, so every parameterisation starts from the same function. */
#define mf_draw_problem LOFT_NAME(mf_draw_problem)
void mf_draw_problem(MfTask *t, int target_rank, MfInit init, Rng *rng);
/* the problem from tensors: target (in,out), A0 (r,in), B0 (out,r), bias0 (out,) or NULL (zero),
   W0 (out,in) or NULL (zero). MF_FULL starts at W0 + s B0 A0. DoRA magnitudes start at the
   row norms of W0 + s B0 A0 (the function at the start is then the plain adapter's). */
#define mf_set_problem LOFT_NAME(mf_set_problem)
void mf_set_problem(MfTask *t, const real *target, const real *A0, const real *B0,
                    const real *bias0, const real *W0);
/* the effective weight (out,in) [OUT] */
#define mf_weight LOFT_NAME(mf_weight)
void mf_weight(MfTask *t, real *W);
/* the effective weight in t->Weff, kept for the next mf_loss_grad: call it only when the
   parameters will not change before that call (the run loop evaluates, then takes the gradient) */
#define mf_weight_for_step LOFT_NAME(mf_weight_for_step)
const real *mf_weight_for_step(MfTask *t);
/* loss at the current parameters; gradients are zeroed then filled */
#define mf_loss_grad LOFT_NAME(mf_loss_grad)
double mf_loss_grad(MfTask *t);
/* the trainable tensors for an optimizer: at most 1 pair and 3 plain tensors */
/* the parameters (W: the trained weight or the frozen W0, which LoRA-Pro's decay scales; A, B,
   DoRA magnitudes, bias) through the walk (state_walk.h); a load drops the cached Weff */
#define mf_walk LOFT_NAME(mf_walk)
void mf_walk(MfTask *t, StateWalk *w);
#define mf_params LOFT_NAME(mf_params)
void mf_params(MfTask *t, AdapterPair *pairs, int *npairs, PlainTensor *plain, int *nplain);
#endif
