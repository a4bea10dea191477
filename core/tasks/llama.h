/* A Llama-family decoder (Llama 2/3, SmolLM2, TinyLlama, Qwen2) in the Hugging Face layout:
   token embedding, per layer x = x + o(GQA(RoPE(q, k), v)(RMSNorm x)) and
   x = x + down(silu(gate(RMSNorm x)) * up(RMSNorm x)), a final RMSNorm and an LM head (tied to
   the embedding or not), cross-entropy over the positions whose label is not ignored (-100).
   Parameters and gradients each in one allocation with named pointers; the seven linear layers
   of each block (q, k, v, o, gate, up, down: PEFT's target_modules names) may carry LoRA / DoRA. */
#ifndef LOFT_LLAMA_H
#define LOFT_LLAMA_H
#include <stddef.h>
#include "../adapters/adapter_set.h"
#include "../adapters/adapted_linear.h"
#include "../optim/optimizer.h"
#include "../real.h"
#include "../rng.h"

#define LLAMA_NMOD 7             /* q_proj k_proj v_proj o_proj gate_proj up_proj down_proj */
#define LLAMA_MAX_DEPTH 64
#define LLAMA_NPARAM 15

typedef struct {
    int vocab, width, depth, heads, kv_heads, head_dim, mlp, max_pos;
    double rope_theta, rms_eps;
    int tied;                    /* lm_head = the embedding */
    int qkv_bias, o_bias;        /* Qwen2: q, k, v biases; Llama's attention_bias: q, k, v and o */
    /* rope_type llama3: factor > 0 scales the long wavelengths (modeling_rope_utils) */
    double rope_factor, rope_low, rope_high;
    int rope_orig_max;
} LlamaShape;

typedef struct {
    real *embed;                         /* (V,C) */
    real *attn_norm;                     /* (L,C) input_layernorm */
    real *wq, *wk, *wv, *wo;             /* (L,H d,C) (L,KV d,C) (L,KV d,C) (L,C,H d) */
    real *bq, *bk, *bv, *bo;             /* (L,H d) (L,KV d) (L,KV d) (L,C): size 0 without biases */
    real *mlp_norm;                      /* (L,C) post_attention_layernorm */
    real *wgate, *wup, *wdown;           /* (L,I,C) (L,I,C) (L,C,I) */
    real *norm;                          /* (C) model.norm */
    real *lm_head;                       /* (V,C), size 0 when tied */
} LlamaParams;

typedef struct {
    LlamaShape s;
    LlamaParams p, g;
    real *params, *grads;
    size_t nparams, sizes[LLAMA_NPARAM];
    AdaptedLinear lin[LLAMA_MAX_DEPTH][LLAMA_NMOD];
    real *xa[LLAMA_MAX_DEPTH][LLAMA_NMOD];   /* LoRA caches x A^T (N,r), or NULL */
    AdapterSet ad;
    int frozen;                  /* 1: embedding, norms and head get no gradients (adapters only) */
    int Bmax, Tmax;
    real *cosv, *sinv;           /* (Tmax, d/2) rotary tables */
    real *zero_pos, *dzero_pos;  /* (Tmax, C) zeros: embedding_forward without position embeddings */
    /* the activations for N = Bmax Tmax tokens, one allocation laid out by the size table in llama_create */
    real *acts;
    real *x;                     /* (L+1,N,C) the residual stream before each layer, x[L] after the last */
    real *h;                     /* (L,N,C) x + attention */
    real *xn1, *xn2;             /* (L,N,C) the two RMSNorms' outputs */
    real *rstd1, *rstd2;         /* (L,N) */
    real *qkv;                   /* (L,N,3 H d) q and the repeated k, v after RoPE (attention's input) */
    real *att;                   /* (L,Bmax,H,Tmax,Tmax) */
    real *atto;                  /* (L,N,H d) */
    real *gate, *up, *act;       /* (L,N,I) gate, up, silu(gate) * up */
    real *xf;                    /* (N,C) final norm */
    real *rstdf;                 /* (N,) */
    real *logits, *probs;        /* (N,V) */
    /* one layer's scratch and gradients */
    real *q, *k, *v;             /* (N,H d) (N,KV d) (N,KV d) */
    real *tmp;                   /* (N,C) */
    real *dx, *dxn;              /* (N,C) */
    real *dq, *dk, *dv;          /* (N,H d) (N,KV d) (N,KV d) */
    real *dqkv;                  /* (N,3 H d) */
    real *datt;                  /* (Bmax,H,Tmax,Tmax) */
    real *datto;                 /* (N,H d) */
    real *dgate, *dup, *dact;    /* (N,I) */
    real *dlogits;               /* (N,V) */
    int *tokens;                 /* (N,) index tensor: the last forward's tokens */
    int ntargets;                /* the last forward's labels that are not ignored */
} Llama;

#define LLAMA_PARAM_NAMES LOFT_NAME(LLAMA_PARAM_NAMES)
extern const char *const LLAMA_PARAM_NAMES[LLAMA_NPARAM];
#define LLAMA_MODULES LOFT_NAME(LLAMA_MODULES)
extern const char *const LLAMA_MODULES[LLAMA_NMOD];

/* bytes a model of this shape needs for B x T tokens: weights, gradients and two moments
   (full: every weight; else the base weights once plus adapters of rank r on nmod modules
   per layer), activations and logits, float32 */
#define llama_bytes LOFT_NAME(llama_bytes)
double llama_bytes(const LlamaShape *s, int B, int T, int full, int r);
/* NULL when the shape is invalid (heads not a multiple of kv_heads, odd head_dim, depth > max) */
#define llama_create LOFT_NAME(llama_create)
Llama *llama_create(LlamaShape s, int Bmax, int Tmax);
#define llama_free LOFT_NAME(llama_free)
void llama_free(Llama *m);
/* weights N(0, 0.02^2), biases 0, norms 1 (HF's _init_weights) */
#define llama_init LOFT_NAME(llama_init)
void llama_init(Llama *m, Rng *rng);
#define llama_param LOFT_NAME(llama_param)
real *llama_param(Llama *m, const char *name, size_t *count);
/* adapters on the modules named in target ("q_proj,v_proj", PEFT's names, comma separated) of
   every layer; -1 with a message naming an unknown module */
#define llama_add_adapters LOFT_NAME(llama_add_adapters)
int llama_add_adapters(Llama *m, const char *target, AdaptKind kind, int r, double s, int gaussian_init, Rng *rng,
                       char *err, size_t errlen);
/* full: every parameter (one plain tensor); otherwise the adapters (the rest frozen) */
#define llama_trainables LOFT_NAME(llama_trainables)
int llama_trainables(Llama *m, int full, AdapterPair *pairs, int *npairs, PlainTensor *plain, int *nplain, int max_plain,
                     char *err, size_t errlen);
#define llama_merge LOFT_NAME(llama_merge)
void llama_merge(Llama *m);
/* tokens (B,T) index tensor; targets (B,T) index tensor (negative: ignored) or NULL, ntargets
   of them not ignored (counted by the caller, who built them on the host); returns the mean
   cross-entropy over those (0 without targets; NaN when all are ignored) and leaves the logits
   (B,T,V) in m->logits */
#define llama_forward LOFT_NAME(llama_forward)
double llama_forward(Llama *m, const int *tokens, const int *targets, int ntargets, int B, int T);
/* backward of the last forward: zeroes, then fills grads (unless frozen) and the adapters' gradients */
#define llama_backward LOFT_NAME(llama_backward)
void llama_backward(Llama *m, const int *targets, int B, int T);
#endif
