/* The compute seam: every kernel that layers, blocks, adapters, optimizers and the models'
   forward/backward call on tensors, in `real` (float32 or float64). Tensors are pointers a
   backend allocated (compute/memory.h); the CPU backend (compute/cpu/) implements every
   function here on host memory with OpenBLAS (threads) and SIMD loops. A second backend (CUDA) implements this
   header and compute/memory.h and nothing above it changes. Conventions (llm.c): outputs first,
   [OUT] / [BUFFER] marks, a shape beside every tensor, backward ACCUMULATES into gradients (the
   caller zeroes them). */
#ifndef LOFT_COMPUTE_KERNELS_H
#define LOFT_COMPUTE_KERNELS_H
#include <stddef.h>
#include "../real.h"

/* ---- GEMM and reductions (cpu/gemm.c) ---- */
/* C = alpha op(A) op(B) + beta C;  op(A) is (M,K), op(B) is (K,N), C is (M,N).
   transA/transB: 0 = as stored, 1 = transposed. lda/ldb/ldc are row strides as stored. */
#define blas_gemm LOFT_NAME(blas_gemm)
void blas_gemm(int transA, int transB, int M, int N, int K, real alpha,
               const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc);
/* sum of squares of x (n,), accumulated in double */
#define blas_sumsq LOFT_NAME(blas_sumsq)
double blas_sumsq(const real *x, size_t n);
/* ||a - b|| / ||b|| over n entries (0 when both are zero), accumulated in double */
#define blas_rel_dist LOFT_NAME(blas_rel_dist)
double blas_rel_dist(const real *a, const real *b, size_t n);

/* ---- elementwise vector kernels (cpu/vec.c) ---- */
/* x (n,) [OUT] = 0 */
#define vec_zero LOFT_NAME(vec_zero)
void vec_zero(real *x, size_t n);
/* dst (n,) [OUT] = src (n,) */
#define vec_copy LOFT_NAME(vec_copy)
void vec_copy(real *dst, const real *src, size_t n);
/* out (n,) [OUT] = a (n,) + b (n,); out may alias a or b */
#define vec_add LOFT_NAME(vec_add)
void vec_add(real *out, const real *a, const real *b, size_t n);
/* x (n,) [OUT] *= s */
#define vec_scale LOFT_NAME(vec_scale)
void vec_scale(real *x, real s, size_t n);
/* y (n,) [OUT] = b y + a x */
#define vec_axpby LOFT_NAME(vec_axpby)
void vec_axpby(real *y, real a, const real *x, real b, size_t n);
/* sum of x (n,) * y (n,), accumulated in double */
#define vec_dot LOFT_NAME(vec_dot)
double vec_dot(const real *x, const real *y, size_t n);
/* 1 when some entry of x (n,) is not zero (NaN counts as not zero), else 0 */
#define vec_any_nonzero LOFT_NAME(vec_any_nonzero)
int vec_any_nonzero(const real *x, size_t n);
/* 1 when x (n,) and y (n,) hold the same bits, else 0 */
#define vec_equal LOFT_NAME(vec_equal)
int vec_equal(const real *x, const real *y, size_t n);
/* x (n,) [OUT] = v */
#define vec_fill LOFT_NAME(vec_fill)
void vec_fill(real *x, real v, size_t n);
/* S (r,r) [OUT] = I */
#define mat_identity LOFT_NAME(mat_identity)
void mat_identity(real *S, int r);

/* ---- layers (cpu/layers.c) ---- */
/* out (N,OC) = inp (N,C) weight^T (OC,C) + bias (OC, or NULL) */
#define linear_forward LOFT_NAME(linear_forward)
void linear_forward(real *out, const real *inp, const real *weight, const real *bias, int N, int C, int OC);
/* dinp (N,C) (NULL: skip), dweight (OC,C) (NULL: skip), dbias (OC) (NULL: skip) += ... from dout (N,OC) */
#define linear_backward LOFT_NAME(linear_backward)
void linear_backward(real *dinp, real *dweight, real *dbias, const real *dout, const real *inp,
                     const real *weight, int N, int C, int OC);

/* out (N,C) = (inp - mean) * rstd * weight + bias, per row; mean, rstd (N,) saved for backward */
#define layernorm_forward LOFT_NAME(layernorm_forward)
void layernorm_forward(real *out, real *mean, real *rstd, const real *inp, const real *weight,
                       const real *bias, int N, int C);
#define layernorm_backward LOFT_NAME(layernorm_backward)
void layernorm_backward(real *dinp, real *dweight, real *dbias, const real *dout, const real *inp,
                        const real *weight, const real *mean, const real *rstd, int N, int C);

/* exact GELU, x Phi(x) (torch.nn.GELU()): out (n,) */
#define gelu_forward LOFT_NAME(gelu_forward)
void gelu_forward(real *out, const real *inp, size_t n);
#define gelu_backward LOFT_NAME(gelu_backward)
void gelu_backward(real *dinp, const real *inp, const real *dout, size_t n);
/* GPT-2's tanh approximation ("gelu_new"): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
#define gelu_tanh_forward LOFT_NAME(gelu_tanh_forward)
void gelu_tanh_forward(real *out, const real *inp, size_t n);
#define gelu_tanh_backward LOFT_NAME(gelu_tanh_backward)
void gelu_tanh_backward(real *dinp, const real *inp, const real *dout, size_t n);

/* multi-head self-attention on qkv (B,T,3C) packed [q | k | v], NH heads of C/NH:
   out (B,T,C); att (B,NH,T,T) softmax weights saved for backward; causal: mask j > i;
   skip (T,2) index tensor or NULL: query row i also masks keys j in [skip[2i], skip[2i+1])
   (several continuations packed after one shared prefix, each blind to the others) */
#define attention_forward LOFT_NAME(attention_forward)
void attention_forward(real *out, real *att, const real *qkv, int B, int T, int C, int NH, int causal,
                       const int *skip);
/* dqkv (B,T,3C) += ...; datt (B,NH,T,T) is scratch (overwritten). The per-(batch, head) T x T
   products run as GEMMs on strided views of qkv. Masked weights are 0 in att, so a skip mask of
   the forward needs nothing here. */
#define attention_backward LOFT_NAME(attention_backward)
void attention_backward(real *dqkv, real *datt, const real *dout, const real *qkv, const real *att,
                        int B, int T, int C, int NH, int causal);

/* mean cross-entropy of softmax(logits (N,V)) against targets (N,); probs (N,V) saved.
   Returns the mean loss. */
#define crossentropy_forward LOFT_NAME(crossentropy_forward)
double crossentropy_forward(real *probs, const real *logits, const int *targets, int N, int V);
/* dlogits (N,V) += (probs - onehot) / N */
#define crossentropy_backward LOFT_NAME(crossentropy_backward)
void crossentropy_backward(real *dlogits, const real *probs, const int *targets, int N, int V);

/* patch embedding input: images (B,H,W) -> patches (B,P,p*p), P = (H/p)(W/p), row-major patches */
#define patchify LOFT_NAME(patchify)
void patchify(real *patches, const real *images, int B, int H, int W, int p);
/* tokens (B,T,C), T = P+1: token 0 = cls (C) + pos[0], token t = emb (B,P,C)[t-1] + pos (T,C)[t] */
#define tokens_forward LOFT_NAME(tokens_forward)
void tokens_forward(real *tokens, const real *emb, const real *cls, const real *pos, int B, int P, int C);
/* demb (B,P,C), dcls (C), dpos (T,C) += ... from dtokens (B,T,C) */
#define tokens_backward LOFT_NAME(tokens_backward)
void tokens_backward(real *demb, real *dcls, real *dpos, const real *dtokens, int B, int P, int C);
/* out (B,T,C) = wte (V,C)[tokens (B,T)] + wpe (Tmax,C)[pos[t]]; pos (T,) index tensor, NULL = t */
#define embedding_forward LOFT_NAME(embedding_forward)
void embedding_forward(real *out, const int *tokens, const real *wte, const real *wpe, const int *pos,
                       int B, int T, int C);
/* dwte, dwpe += ... from dout (B,T,C); pos as in the forward */
#define embedding_backward LOFT_NAME(embedding_backward)
void embedding_backward(real *dwte, real *dwpe, const real *dout, const int *tokens, const int *pos,
                        int B, int T, int C);
/* dbias (OC,) += column sums of dout (N,OC): the bias gradient of any linear map */
#define bias_backward LOFT_NAME(bias_backward)
void bias_backward(real *dbias, const real *dout, int N, int OC);
/* out (N,OC) [OUT] = bias (OC,) broadcast to every row, or 0 when bias is NULL */
#define bias_broadcast LOFT_NAME(bias_broadcast)
void bias_broadcast(real *out, const real *bias, int N, int OC);

/* ---- the Llama family's layers (cpu/llama_layers.c, cuda/llama_layers.cu) ---- */
/* RMSNorm: out (N,C) = inp (N,C) * rstd * weight (C,), rstd (N,) [OUT] = 1 / sqrt(mean(inp^2) + eps)
   (the mean in double), saved for backward */
#define rmsnorm_forward LOFT_NAME(rmsnorm_forward)
void rmsnorm_forward(real *out, real *rstd, const real *inp, const real *weight, int N, int C, double eps);
/* dinp (N,C), dweight (C,) (NULL: skip) += ... from dout (N,C); rstd from the forward */
#define rmsnorm_backward LOFT_NAME(rmsnorm_backward)
void rmsnorm_backward(real *dinp, real *dweight, const real *dout, const real *inp, const real *weight,
                      const real *rstd, int N, int C);
/* rotary embedding, Hugging Face's rotate_half pairing, in place on x (B,T,H*d): in each head,
   entry i < d/2 and entry i + d/2 turn by the angle of (position, i): y_i = x_i c - x_{i+d/2} s,
   y_{i+d/2} = x_{i+d/2} c + x_i s, with c = cosv[p, i], s = sinv[p, i] (P,d/2) and p = pos[t]
   (pos (T,) index tensor, NULL: p = t). inverse = 1 turns back (the backward of the forward: the
   rotation's transpose, applied in place to the gradient) */
#define rope_apply LOFT_NAME(rope_apply)
void rope_apply(real *x, const real *cosv, const real *sinv, const int *pos, int B, int T, int H, int d, int inverse);
/* SwiGLU: out (n,) [OUT] = silu(gate) * up, silu(z) = z / (1 + exp(-z)) */
#define swiglu_forward LOFT_NAME(swiglu_forward)
void swiglu_forward(real *out, const real *gate, const real *up, size_t n);
/* dgate, dup (n,) += ... from dout (n,) */
#define swiglu_backward LOFT_NAME(swiglu_backward)
void swiglu_backward(real *dgate, real *dup, const real *dout, const real *gate, const real *up, size_t n);
/* grouped-query attention's inputs as attention_forward takes them: qkv (N, 3 H d) [OUT] =
   [q | k | v] per row with the KV heads repeated, query head h reading KV head h / (H / KV):
   q (N, H d), k and v (N, KV d) */
#define gqa_pack LOFT_NAME(gqa_pack)
void gqa_pack(real *qkv, const real *q, const real *k, const real *v, int N, int H, int KV, int d);
/* its backward: dq (N, H d), dk, dv (N, KV d) += ... from dqkv (N, 3 H d) (each KV head the sum
   over its group of query heads) */
#define gqa_unpack LOFT_NAME(gqa_unpack)
void gqa_unpack(real *dq, real *dk, real *dv, const real *dqkv, int N, int H, int KV, int d);
/* cross-entropy of softmax(logits (N,V)) against targets (N,), rows whose target is negative
   (ignored, as torch's -100) skipped: returns the SUM over the other rows; probs (N,V) saved */
#define crossentropy_masked_forward LOFT_NAME(crossentropy_masked_forward)
double crossentropy_masked_forward(real *probs, const real *logits, const int *targets, int N, int V);
/* dlogits (N,V) += scale (probs - onehot) on the rows whose target is not negative */
#define crossentropy_masked_backward LOFT_NAME(crossentropy_masked_backward)
void crossentropy_masked_backward(real *dlogits, const real *probs, const int *targets, int N, int V, double scale);

/* ---- AdamW (cpu/adamw.c) ---- */
/* m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2.   m, v [OUT] and g are (n,) */
#define adam_moments LOFT_NAME(adam_moments)
void adam_moments(real *m, real *v, const real *g, size_t n, double beta1, double beta2);
/* p = p (1 - decay) - (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps), with bc = 1 - beta^step.
   decay = lr * weight_decay for decoupled AdamW. p [OUT], m, v are (n,) */
#define adamw_apply LOFT_NAME(adamw_apply)
void adamw_apply(real *p, const real *m, const real *v, size_t n, double lr, double beta1,
                 double beta2, double eps, double decay, long step);
/* v (n,) [OUT] = b2 v + (1 - b2) g^2, without a first moment (AltLoRA+) */
#define sq_moment LOFT_NAME(sq_moment)
void sq_moment(real *v, const real *g, size_t n, double beta2);
/* p (n,) [OUT] -= step u / (sqrt(v) + eps): a step along u, preconditioned by an uncorrected
   second moment v (AltLoRA+) */
#define precond_step LOFT_NAME(precond_step)
void precond_step(real *p, const real *u, const real *v, size_t n, double step, double eps);
/* adam_moments then adamw_apply in one pass over memory (identical results). p, m, v [OUT] */
#define adamw_step LOFT_NAME(adamw_step)
void adamw_step(real *p, real *m, real *v, const real *g, size_t n, double lr, double beta1,
                double beta2, double eps, double decay, long step);

/* ---- small dense linear algebra on r x r matrices (cpu/solvers.c, cuda/solvers.cu: sym_pinv and
   sym_sylvester, solved on the host by host/small_linalg.c, shared with svd_dense;
   cpu/transpose.c: transpose, small_matmul) ---- */
/* S = (G + damping I)^+ for a symmetric positive semi-definite G.
   S is (r,r) [OUT], G is (r,r). Computed in double by a cyclic Jacobi eigendecomposition;
   eigenvalues at or below r * 1e-15 (double) or r * 1e-7 (float) times the largest are
   treated as zero (pseudo-inverse), so a zero factor gives S = 0 instead of Inf.
   Returns the numerical rank. */
#define sym_pinv LOFT_NAME(sym_pinv)
int sym_pinv(real *S, const real *G, int r, double damping);
/* X (r,r) [OUT] solving P X + X Q = C for symmetric positive semi-definite P, Q (r,r) and any
   C (r,r), through the eigendecompositions of P and Q in double (Jacobi): X = U (U^T C V ./
   (lambda_i + mu_j)) V^T. Where lambda_i + mu_j is zero (both singular in a shared direction) the
   component is set to 0 (the minimum-norm solution) instead of dividing by zero. */
#define sym_sylvester LOFT_NAME(sym_sylvester)
void sym_sylvester(real *X, const real *P, const real *Q, const real *C, int r);
/* the thin SVD of the host matrix M (rows,cols) = U diag(S) Vt in double (LAPACK dgesdd),
   k = min(rows, cols): U (rows,k) [OUT], S (k,) [OUT] descending, Vt (k,cols) [OUT], all
   row-major host arrays (an init-time routine, not a tensor kernel). Each
   singular pair's sign is fixed so that the entry of largest magnitude of its column of U (the
   first such) is positive. 0, or -1 when LAPACK does not converge. */
#define svd_dense LOFT_NAME(svd_dense)
int svd_dense(double *U, double *S, double *Vt, const double *M, int rows, int cols);
/* out (cols,rows) = in (rows,cols) transposed */
#define transpose LOFT_NAME(transpose)
void transpose(real *out, const real *in, int rows, int cols);
/* out (r,r) = op(A) (r,r) op(B) (r,r), plain loops for the tiny matrices of an adapter */
#define small_matmul LOFT_NAME(small_matmul)
void small_matmul(real *out, const real *A, int transA, const real *B, int transB, int r);

/* ---- DoRA's per-row pieces (cpu/dora_rows.c) ---- */
/* norm (out,) [OUT] = max(||V_o||, floor), or frozen_norm when not NULL; Wd (out,in) [OUT] =
   mag_o V_o / norm_o */
#define dora_rows_forward LOFT_NAME(dora_rows_forward)
void dora_rows_forward(real *norm, real *Wd, const real *V, const real *mag, const real *frozen_norm,
                       double floor, int in, int out);
/* with the norm detached: dmag (out,) += <dWd_o, V_o> / norm_o; dV (out,in) [OUT] = dWd mag / norm */
#define dora_rows_backward LOFT_NAME(dora_rows_backward)
void dora_rows_backward(real *dmag, real *dV, const real *dWd, const real *V, const real *norm, const real *mag,
                        int in, int out);
/* mag (out,) [OUT] = row norms of W (out,in) */
#define row_norms LOFT_NAME(row_norms)
void row_norms(real *mag, const real *W, int in, int out);

/* ---- LoFT-AdamW's per-row pieces (cpu/loft_rows.c) ---- */
/* LoFT's cross terms for one step, P (rows,r,r) [OUT]: each P[i] transported, P[i] <- C^T P[i] C
   (exact) or C P[i] C^T (parity D1), when C (r,r) is not NULL, then P[i] = b2 P[i] + (1-b2)
   g[i] g[i]^T with g (rows,r); P[i] symmetric (LoFT's are). work (rows,r,r) [BUFFER]. The CPU
   takes it by blocks of rows, so each block's matrices stay in cache through both. */
#define loft_cross_terms_step LOFT_NAME(loft_cross_terms_step)
void loft_cross_terms_step(real *P, const real *g, const real *C, int rows, int r, int parity_d1, double beta2, real *work);
/* the pairs (a, b) with a <= b of an r x r matrix, in row order (0,0), (0,1), ..., (0,r-1),
   (1,1), ...: the packed width of LoFT's symmetric cross terms, r (r + 1) / 2 */
static inline int loft_packed_width(int r) { return r * (r + 1) / 2; }
/* the Khatri-Rao rows of the held factor H (hrows,r): K (loft_packed_width(r), hrows) [OUT] with
   K[(a,b), j] = H[j,a] H[j,b] for the pairs a <= b (cross = 1), or K (r, hrows) with
   K[a, j] = H[j,a]^2 (cross = 0). With loft_pack_cross_terms: h^T P[i] h = Pp[i] . K[:, j]. */
#define loft_khatri_rao LOFT_NAME(loft_khatri_rao)
void loft_khatri_rao(real *K, const real *H, int hrows, int r, int cross);
/* Pp (rows, loft_packed_width(r)) [OUT] = each P[i] (rows,r,r) folded onto its pairs a <= b:
   P[i]_aa on the diagonal, P[i]_ab + P[i]_ba off it (so h^T P[i] h = sum over pairs of
   Pp[i](a,b) h_a h_b, for any P[i], with half the products of the r x r sum) */
#define loft_pack_cross_terms LOFT_NAME(loft_pack_cross_terms)
void loft_pack_cross_terms(real *Pp, const real *P, int rows, int r);
/* AdamW's direction from the first moment M (n,) [OUT] and the second moment Q (n,):
   M = (M / bc1) / (sqrt(max(Q, 0)) / sqrt_bc2 + eps) */
#define loft_adam_direction LOFT_NAME(loft_adam_direction)
void loft_adam_direction(real *M, const real *Q, size_t n, double inv_bc1, double sqrt_bc2, double eps);
/* vhat (rows,r) [OUT] = the diagonals of P (rows,r,r) */
#define loft_cross_diagonal LOFT_NAME(loft_cross_diagonal)
void loft_cross_diagonal(real *vhat, const real *P, int rows, int r);

/* ---- the matrix-factorization objective (cpu/mse.c) ---- */
/* pred[i][o] = W[o][i] + bias[o] against the target T (in,out), given transposed as Tt (out,in):
   returns the sum of squared errors and writes dW (out,in) [OUT] = c (pred - T)^T; W is (out,in),
   bias (out,) */
#define mse_loss_grad LOFT_NAME(mse_loss_grad)
double mse_loss_grad(real *dW, const real *W, const real *bias, const real *Tt, double c, int in, int out);
/* dbias (out,) [OUT] = row sums of dW (out,in), accumulated in double */
#define row_sums LOFT_NAME(row_sums)
void row_sums(real *dbias, const real *dW, int in, int out);
#endif
