/* Neural-network layers with explicit forward and backward, llm.c style: outputs first, a shape
   comment on every tensor, backward ACCUMULATES into gradients (the caller zeroes them) and
   quotes the forward line it inverts. Built for `real` (float for networks, double for the
   finite-difference tests). Loops other than GEMMs run in parallel with OpenMP. */
#ifndef LOFT_NN_LAYERS_H
#define LOFT_NN_LAYERS_H
#include "../real.h"

/* out (N,OC) = inp (N,C) weight^T (OC,C) + bias (OC, or NULL) */
void linear_forward(real *out, const real *inp, const real *weight, const real *bias, int N, int C, int OC);
/* dinp (N,C) (NULL: skip), dweight (OC,C) (NULL: skip), dbias (OC) (NULL: skip) += ... from dout (N,OC) */
void linear_backward(real *dinp, real *dweight, real *dbias, const real *dout, const real *inp,
                     const real *weight, int N, int C, int OC);

/* out (N,C) = (inp - mean) * rstd * weight + bias, per row; mean, rstd (N,) saved for backward */
void layernorm_forward(real *out, real *mean, real *rstd, const real *inp, const real *weight,
                       const real *bias, int N, int C);
void layernorm_backward(real *dinp, real *dweight, real *dbias, const real *dout, const real *inp,
                        const real *weight, const real *mean, const real *rstd, int N, int C);

/* exact GELU, x Phi(x) (torch.nn.GELU()): out (n,) */
void gelu_forward(real *out, const real *inp, size_t n);
void gelu_backward(real *dinp, const real *inp, const real *dout, size_t n);
/* GPT-2's tanh approximation ("gelu_new"): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
void gelu_tanh_forward(real *out, const real *inp, size_t n);
void gelu_tanh_backward(real *dinp, const real *inp, const real *dout, size_t n);

/* multi-head self-attention on qkv (B,T,3C) packed [q | k | v], NH heads of C/NH:
   out (B,T,C); att (B,NH,T,T) softmax weights saved for backward; causal: mask j > i */
void attention_forward(real *out, real *att, const real *qkv, int B, int T, int C, int NH, int causal);
/* dqkv (B,T,3C) += ...; datt (B,NH,T,T) is scratch (overwritten). The per-(batch, head) T x T
   products run as GEMMs on strided views of qkv. */
void attention_backward(real *dqkv, real *datt, const real *dout, const real *qkv, const real *att,
                        int B, int T, int C, int NH, int causal);

/* mean cross-entropy of softmax(logits (N,V)) against targets (N,); probs (N,V) saved.
   Returns the mean loss. */
double crossentropy_forward(real *probs, const real *logits, const int *targets, int N, int V);
/* dlogits (N,V) += (probs - onehot) / N */
void crossentropy_backward(real *dlogits, const real *probs, const int *targets, int N, int V);

/* patch embedding input: images (B,H,W) -> patches (B,P,p*p), P = (H/p)(W/p), row-major patches */
void patchify(real *patches, const real *images, int B, int H, int W, int p);
/* tokens (B,T,C), T = P+1: token 0 = cls (C) + pos[0], token t = emb (B,P,C)[t-1] + pos (T,C)[t] */
void tokens_forward(real *tokens, const real *emb, const real *cls, const real *pos, int B, int P, int C);
/* demb (B,P,C), dcls (C), dpos (T,C) += ... from dtokens (B,T,C) */
void tokens_backward(real *demb, real *dcls, real *dpos, const real *dtokens, int B, int P, int C);
/* out (B,T,C) = wte (V,C)[tokens (B,T)] + wpe (Tmax,C)[t] */
void embedding_forward(real *out, const int *tokens, const real *wte, const real *wpe, int B, int T, int C);
/* dwte, dwpe += ... from dout (B,T,C) */
void embedding_backward(real *dwte, real *dwpe, const real *dout, const int *tokens, int B, int T, int C);
#endif
