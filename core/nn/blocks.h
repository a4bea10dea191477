/* A stack of pre-norm transformer blocks, shared by the ViT and the GPT:
   x' = x + proj(attention(qkv(ln1(x)))),  x'' = x' + fc2(gelu(fc1(ln2(x')))), causal or not.
   The four linear layers of each block are AdaptedLinears (plain, LoRA or DoRA). Parameters are
   pointers into the owning model's flat buffers; activations are allocated here for at most
   Bmax x Tmax tokens, llm.c style. */
#ifndef LOFT_BLOCKS_H
#define LOFT_BLOCKS_H
#include <stddef.h>
#include "../adapters/adapted_linear.h"
#include "../adapters/spectral_init.h"
#include "../optim/optimizer.h"
#include "../rng.h"
#include "../real.h"

#define BLOCKS_MAX_DEPTH 16
#define BLOCKS_NMOD 4            /* qkv, proj, fc1, fc2 */

typedef struct {
    int L, C, NH, H, Bmax, Tmax, causal;
    int gelu_tanh;            /* 1: GPT-2's tanh GELU; 0 (default): the exact erf GELU */
    const int *att_skip;      /* (T,2) index tensor or NULL: keys each query row skips (attention_forward) */
    real *ln1_w, *ln1_b, *ln2_w, *ln2_b;          /* (L,C) each */
    real *g_ln1_w, *g_ln1_b, *g_ln2_w, *g_ln2_b;  /* their gradients */
    AdaptedLinear lin[BLOCKS_MAX_DEPTH][BLOCKS_NMOD];
    /* activations, one allocation (acts) laid out by the size table in blocks_alloc; N = Bmax*Tmax */
    real *acts;
    real *x;                  /* (L+1, N, C): x[0] is the input, x[L] the output */
    real *ln1;                /* (L, N, C) ln1(x) */
    real *ln1_mean, *ln1_rstd;   /* (L, N) */
    real *qkv;                /* (L, N, 3C) */
    real *att;                /* (L, Bmax, NH, Tmax, Tmax) attention probabilities */
    real *atto;               /* (L, N, C) attention output, before proj */
    real *res1;               /* (L, N, C) x + proj(atto) */
    real *ln2;                /* (L, N, C) ln2(res1) */
    real *ln2_mean, *ln2_rstd;   /* (L, N) */
    real *h;                  /* (L, N, H) fc1 output */
    real *gact;               /* (L, N, H) gelu(h) */
    real *f;                  /* (N, C) fc2 output of the current layer */
    real *xa;                 /* (L, 4, N, 3C) LoRA caches x A^T, one slot per module */
    /* gradients of the activations, for one layer at a time */
    real *dx;                 /* (N, C): d x[L] on entry to backward, d x[0] on exit (d res1 between) */
    real *dgact;              /* (N, H) d gelu(h) */
    real *dh;                 /* (N, H) d h */
    real *dln2;               /* (N, C) d ln2 */
    real *datto;              /* (N, C) d atto */
    real *dqkv;               /* (N, 3C) d qkv */
    real *datt;               /* (Bmax, NH, Tmax, Tmax) d att */
    real *dln1;               /* (N, C) d ln1 */
    real *adapter_work;       /* the adapted layers' work buffers (blocks_add_adapters), one allocation */
} Blocks;

/* allocates the activations; the caller then points the parameter fields and binds lin[][] */
#define blocks_alloc LOFT_NAME(blocks_alloc)
void blocks_alloc(Blocks *k, int L, int C, int NH, int H, int Bmax, int Tmax, int causal);
#define blocks_free LOFT_NAME(blocks_free)
void blocks_free(Blocks *k);
/* the block input x[0] (B,T,C) -> x[L] */
#define blocks_forward LOFT_NAME(blocks_forward)
void blocks_forward(Blocks *k, int B, int T);
/* from dx = d x[L] (B,T,C) to dx = d x[0]; accumulates the parameter gradients */
#define blocks_backward LOFT_NAME(blocks_backward)
void blocks_backward(Blocks *k, int B, int T);
/* Adds adapters (ADAPT_LORA or ADAPT_DORA, rank r, scale s, PEFT init: kaiming A or N(0,1/r),
   B = 0) to the modules named in target ("qkv,proj,fc1,fc2", comma separated) of every block;
   their tensors go into one new allocation (*adapter, *adapter_grad, *n numbers). A name that
   matches no module is an error naming it and `model`. */
#define blocks_add_adapters LOFT_NAME(blocks_add_adapters)
int blocks_add_adapters(Blocks *k, const char *target, AdaptKind kind, int r, double s, int gaussian_init,
                        Rng *rng, real **adapter, real **adapter_grad, size_t *n, const char *model,
                        char *err, size_t errlen);
/* The spectral init (adapters/spectral_init.h) of every LoRA layer. For lora-ga and lora-one,
   grad_batch(ctx, j) runs the forward and backward of init batch j < nbatches while the adapted
   layers run as plain ones (B = 0: the same function) accumulating dL/dW0, whose mean is then
   decomposed, every layer from the same pass at the pristine W0 (as the references do).
   0, or -1 with a message. */
#define blocks_spectral_init LOFT_NAME(blocks_spectral_init)
int blocks_spectral_init(Blocks *k, SpectralInit kind, double gamma, int nbatches, void (*grad_batch)(void *ctx, int j),
                         void *ctx, char *err, size_t errlen);
/* folds every adapter into its W (the blocks then run without adapters) */
#define blocks_merge LOFT_NAME(blocks_merge)
void blocks_merge(Blocks *k);
/* freezes the blocks' plain weights and biases (no weight gradients) and appends one adapter
   pair per adapted layer (and DoRA magnitudes as plain tensors); -1 with a message when plain
   would hold more than max_plain tensors */
#define blocks_adapter_params LOFT_NAME(blocks_adapter_params)
int blocks_adapter_params(Blocks *k, AdapterPair *pairs, int *npairs, PlainTensor *plain, int *nplain, int max_plain,
                          char *err, size_t errlen);
/* the output x[L] (B,T,C) */
#define blocks_output LOFT_NAME(blocks_output)
real *blocks_output(Blocks *k);
#endif
