/* A small GPT-style language model: token + position embeddings, causal pre-norm blocks
   (nn/blocks, shared with the ViT), final norm, LM head tied to the token embedding, mean
   cross-entropy over every position. Parameters and gradients each in one allocation with
   named pointers; the blocks' linear layers can carry LoRA / DoRA adapters. */
#ifndef LOFT_GPT_H
#define LOFT_GPT_H
#include <stddef.h>
#include "../nn/blocks.h"
#include "../optim/optimizer.h"
#include "../real.h"
#include "../rng.h"

#define GPT_NPARAM 16

typedef struct { int vocab, ctx, width, depth, heads, mlp, gelu_tanh; } GptShape;   /* ctx: positions */

typedef struct {
    real *wte, *wpe;                                            /* (V,C) (ctx,C) */
    real *ln1_w, *ln1_b, *qkv_w, *qkv_b, *proj_w, *proj_b;      /* (L,C) (L,C) (L,3C,C) (L,3C) (L,C,C) (L,C) */
    real *ln2_w, *ln2_b, *fc1_w, *fc1_b, *fc2_w, *fc2_b;        /* (L,C) (L,C) (L,H,C) (L,H) (L,C,H) (L,C) */
    real *lnf_w, *lnf_b;                                        /* (C) (C) */
} GptParams;

typedef struct {
    GptShape s;
    GptParams p, g;
    real *params, *grads;
    size_t nparams, sizes[GPT_NPARAM];
    Blocks blk;
    real *adapter, *adapter_grad;
    size_t nadapter;
    /* the activations around the blocks for N = Bmax*Tmax tokens, one allocation (acts) laid
       out by the size table in gpt_create */
    int Bmax, Tmax;
    real *acts;
    real *lnf;                     /* (N,C) final norm */
    real *lnf_mean, *lnf_rstd;     /* (N,) */
    real *logits, *probs;          /* (N,V) */
    real *dlogits;                 /* (N,V) */
    real *dlnf;                    /* (N,C) */
    int *tokens;                   /* (N,) index tensor: the last forward's tokens */
    const int *pos;                /* (T,) index tensor or NULL (= 0..T-1): each row's position, for
                                      packed sequences together with blk.att_skip */
} Gpt;

#define GPT_PARAM_NAMES LOFT_NAME(GPT_PARAM_NAMES)
extern const char *const GPT_PARAM_NAMES[GPT_NPARAM];

#define gpt_create LOFT_NAME(gpt_create)
Gpt *gpt_create(GptShape s, int Bmax, int Tmax);
#define gpt_free LOFT_NAME(gpt_free)
void gpt_free(Gpt *m);
/* GPT-2's init: weights N(0, 0.02^2) (residual projections N(0, (0.02 / sqrt(2L))^2)), biases 0,
   norms (1, 0) */
#define gpt_init LOFT_NAME(gpt_init)
void gpt_init(Gpt *m, Rng *rng);
#define gpt_param LOFT_NAME(gpt_param)
real *gpt_param(Gpt *m, const char *name, size_t *count);
#define gpt_add_adapters LOFT_NAME(gpt_add_adapters)
int gpt_add_adapters(Gpt *m, const char *target, AdaptKind kind, int r, double s, int gaussian_init,
                     Rng *rng, char *err, size_t errlen);
#define gpt_merge LOFT_NAME(gpt_merge)
void gpt_merge(Gpt *m);
/* tokens (B,T) in [0,V); targets (B,T) or NULL; returns the mean cross-entropy (0 without
   targets); logits (B,T,V) in m->logits */
#define gpt_forward LOFT_NAME(gpt_forward)
double gpt_forward(Gpt *m, const int *tokens, const int *targets, int B, int T);
/* backward of the last forward; zeroes then fills grads and adapter_grad */
#define gpt_backward LOFT_NAME(gpt_backward)
void gpt_backward(Gpt *m, const int *targets, int B, int T);
/* full: every parameter; otherwise the adapters plus "norm" / "embed" if named in modules_to_save */
#define gpt_trainables LOFT_NAME(gpt_trainables)
int gpt_trainables(Gpt *m, int full, const char *modules_to_save, AdapterPair *pairs, int *npairs,
                   PlainTensor *plain, int *nplain, int max_plain, char *err, size_t errlen);
#endif
