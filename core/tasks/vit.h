/* A small Vision Transformer for 28 x 28 images (MNIST): patch embedding, class token, learned
   positions, pre-norm blocks (attention + GELU MLP), final norm on the class token, linear head.
   Parameters, gradients and activations each live in one allocation with named pointers
   (llm.c). Its qkv, proj, fc1 and fc2 layers can carry LoRA / rsLoRA / DoRA adapters. */
#ifndef LOFT_VIT_H
#define LOFT_VIT_H
#include <stddef.h>
#include "../adapters/adapted_linear.h"
#include "../nn/blocks.h"
#include "../optim/optimizer.h"
#include "../real.h"
#include "../rng.h"

#define VIT_MAX_DEPTH BLOCKS_MAX_DEPTH
#define VIT_NMOD BLOCKS_NMOD   /* adaptable modules per block: qkv, proj, fc1, fc2 */
#define VIT_NPARAM 20       /* named parameter tensors */

typedef struct { int image, patch, width, depth, heads, mlp, classes; } VitShape;

typedef struct {
    real *patch_w, *patch_b, *cls, *pos;                        /* (C,pp) (C) (C) (T,C) */
    real *ln1_w, *ln1_b, *qkv_w, *qkv_b, *proj_w, *proj_b;      /* (L,C) (L,C) (L,3C,C) (L,3C) (L,C,C) (L,C) */
    real *ln2_w, *ln2_b, *fc1_w, *fc1_b, *fc2_w, *fc2_b;        /* (L,C) (L,C) (L,H,C) (L,H) (L,C,H) (L,C) */
    real *lnf_w, *lnf_b, *head_w, *head_b;                      /* (C) (C) (K,C) (K) */
} VitParams;

typedef struct {
    VitShape s;
    int P, T, pp;                  /* patches per image, tokens (P + 1), pixels per patch */
    VitParams p, g;                /* parameters and their gradients, in one allocation each */
    real *params, *grads;
    size_t nparams, sizes[VIT_NPARAM];
    /* the transformer blocks: their linear layers blk.lin[l][0..3] = qkv, proj, fc1, fc2 are
       (possibly adapted) layers; their activations live in blk */
    Blocks blk;
    real *adapter, *adapter_grad;  /* A, B (and DoRA magnitudes) of every adapted layer */
    size_t nadapter;
    /* the activations around the blocks, for a batch of at most B = Bmax images, one allocation
       (acts) laid out by the size table in vit_create */
    int Bmax;
    real *acts;
    real *patches;                 /* (B,P,pp) the images cut into patches */
    real *pe;                      /* (B,P,C) patch embeddings */
    real *clsx;                    /* (B,C) the class token after the blocks */
    real *lnf;                     /* (B,C) final norm of the class token */
    real *lnf_mean, *lnf_rstd;     /* (B,) */
    real *logits, *probs;          /* (B,K) */
    real *dlogits;                 /* (B,K) */
    real *dlnf, *dcls;             /* (B,C) */
    real *dpe;                     /* (B,P,C) */
} Vit;

/* names of the parameter tensors, in storage order */
#define VIT_PARAM_NAMES LOFT_NAME(VIT_PARAM_NAMES)
extern const char *const VIT_PARAM_NAMES[VIT_NPARAM];

#define vit_create LOFT_NAME(vit_create)
Vit *vit_create(VitShape s, int Bmax);
#define vit_free LOFT_NAME(vit_free)
void vit_free(Vit *v);
/* torch-like init: linear weights and biases U(-1/sqrt(in), 1/sqrt(in)), cls and pos N(0, 0.02^2),
   norms (1, 0) */
#define vit_init LOFT_NAME(vit_init)
void vit_init(Vit *v, Rng *rng);
/* pointer to the named tensor and its element count, or NULL */
#define vit_param LOFT_NAME(vit_param)
real *vit_param(Vit *v, const char *name, size_t *count);

/* Adds adapters to the modules named in target ("qkv,proj,fc1,fc2", comma separated): kind
   ADAPT_LORA or ADAPT_DORA, rank r, scale s, PEFT init (kaiming A, B = 0; gaussian: A ~ N(0,1/r)).
   Returns -1 with a message when a name matches no module. */
#define vit_add_adapters LOFT_NAME(vit_add_adapters)
int vit_add_adapters(Vit *v, const char *target, AdaptKind kind, int r, double s, int gaussian_init,
                     Rng *rng, char *err, size_t errlen);
/* folds every adapter into its W (the model then runs without adapters) */
#define vit_merge LOFT_NAME(vit_merge)
void vit_merge(Vit *v);

/* forward of B images (B,28,28) in [0,1]; targets (B,) or NULL; returns the mean cross-entropy
   (or 0 without targets). Logits are in v->logits (B,classes). */
#define vit_forward LOFT_NAME(vit_forward)
double vit_forward(Vit *v, const real *images, const int *targets, int B);
/* backward of the last forward (with targets); zeroes then fills grads and adapter_grad */
#define vit_backward LOFT_NAME(vit_backward)
void vit_backward(Vit *v, const int *targets, int B);

/* The trainable tensors: full = every parameter as one plain tensor; otherwise one adapter pair
   per adapted layer (DoRA magnitudes plain) plus the parameters named in modules_to_save
   ("head,norm,pos,patch"). Returns -1 with a message on an unknown name. */
#define vit_trainables LOFT_NAME(vit_trainables)
int vit_trainables(Vit *v, int full, const char *modules_to_save, AdapterPair *pairs, int *npairs,
                   PlainTensor *plain, int *nplain, int max_plain, char *err, size_t errlen);
#endif
