/* The CUDA backend's layers (compute/kernels.h): linear, layernorm, GELU, attention,
   cross-entropy, embeddings and patch tokens, forward and backward. Each kernel keeps the CPU
   backend's arithmetic (compute/cpu/layers.c): the same precision for each intermediate (double
   for the layer-norm statistics and the softmax sums of the cross-entropy), the same masks;
   only the order of summation differs (and atomics where rows share a gradient row). */
#include "cuda_util.h"

/* ---- linear ---- */
static __global__ void broadcast_kernel(real *out, const real *bias, int N, int OC) {
    GRID_STRIDE(i, (size_t)N * OC) out[i] = bias ? bias[i % OC] : (real)0;
}
void bias_broadcast(real *out, const real *bias, int N, int OC) {
    if ((size_t)N * OC == 0) return;
    broadcast_kernel<<<grid_for((size_t)N * OC), THREADS>>>(out, bias, N, OC);
    LAUNCHED();
}

/* Column sums of an (N, OC) matrix in two passes, deterministic: the rows are cut into at most
   COL_CHUNKS chunks; pass 1 sums each chunk of each column in double (a block is 32 columns x 8
   row lanes, reduced in shared memory), pass 2 adds the chunks of a column in order. One thread
   per column looping over all N rows would leave a GPT-2-sized layer (N = 8192) to a few blocks. */
#define COL_CHUNKS 64
static int col_chunks(int N) { int c = (N + 127) / 128; return c < 1 ? 1 : c > COL_CHUNKS ? COL_CHUNKS : c; }

/* partial[(which * chunks + chunk) * OC + o] for which = 0: sum of dout, 1: sum of
   ((inp - mean) rstd) dout (the layer norm's weight gradient; only when inp != NULL) */
static __global__ void column_partials_kernel(double *partial, const real *dout, const real *inp, const real *mean,
                                              const real *rstd, int N, int OC, int chunks) {
    __shared__ double s0[8][33], s1[8][33];
    const int o = blockIdx.x * 32 + threadIdx.x, chunk = blockIdx.y;
    const int per = (N + chunks - 1) / chunks, n0 = chunk * per, n1 = n0 + per < N ? n0 + per : N;
    double a = 0, w = 0;
    if (o < OC)
        for (int n = n0 + threadIdx.y; n < n1; n += 8) {
            const real d = dout[(size_t)n * OC + o];
            a += d;
            if (inp) w += (double)((inp[(size_t)n * OC + o] - mean[n]) * rstd[n]) * d;
        }
    s0[threadIdx.y][threadIdx.x] = a;
    s1[threadIdx.y][threadIdx.x] = w;
    __syncthreads();
    if (threadIdx.y == 0 && o < OC) {
        double ta = 0, tw = 0;
        for (int y = 0; y < 8; y++) { ta += s0[y][threadIdx.x]; tw += s1[y][threadIdx.x]; }
        partial[(size_t)chunk * OC + o] = ta;
        if (inp) partial[((size_t)chunks + chunk) * OC + o] = tw;
    }
}
static __global__ void column_finish_kernel(real *dsum, real *dweighted, const double *partial, int OC, int chunks) {
    GRID_STRIDE(o, (size_t)OC) {
        double a = 0, w = 0;
        for (int c = 0; c < chunks; c++) {
            a += partial[(size_t)c * OC + o];
            if (dweighted) w += partial[((size_t)chunks + c) * OC + o];
        }
        dsum[o] += (real)a;
        if (dweighted) dweighted[o] += (real)w;
    }
}
/* dsum (OC,) += column sums of dout (N,OC); with inp: dweighted (OC,) += column sums of
   ((inp - mean) rstd) dout, inp (N,OC), mean and rstd (N,) */
static void column_sums(real *dsum, real *dweighted, const real *dout, const real *inp, const real *mean, const real *rstd,
                        int N, int OC) {
    if (OC == 0 || N == 0) return;
    const int chunks = col_chunks(N);
    double *partial = loft_cuda_partials((size_t)(inp ? 2 : 1) * chunks * OC);
    column_partials_kernel<<<dim3((OC + 31) / 32, chunks), dim3(32, 8)>>>(partial, dout, inp, mean, rstd, N, OC, chunks);
    LAUNCHED();
    column_finish_kernel<<<grid_for((size_t)OC), THREADS>>>(dsum, dweighted, partial, OC, chunks);
    LAUNCHED();
}

void bias_backward(real *dbias, const real *dout, int N, int OC) { column_sums(dbias, NULL, dout, NULL, NULL, NULL, N, OC); }

void linear_forward(real *out, const real *inp, const real *weight, const real *bias, int N, int C, int OC) {
    if (bias) bias_broadcast(out, bias, N, OC);
    blas_gemm(0, 1, N, OC, C, 1, inp, C, weight, C, bias ? 1 : 0, out, OC);   /* out += inp W^T */
}

void linear_backward(real *dinp, real *dweight, real *dbias, const real *dout, const real *inp,
                     const real *weight, int N, int C, int OC) {
    if (dinp) blas_gemm(0, 0, N, C, OC, 1, dout, OC, weight, C, 1, dinp, C);          /* dinp += dout W */
    if (dweight) blas_gemm(1, 0, OC, C, N, 1, dout, OC, inp, C, 1, dweight, C);       /* dW += dout^T inp */
    if (dbias) bias_backward(dbias, dout, N, OC);
}

/* ---- layernorm: one warp per row ---- */
#define LN_EPS 1e-5
#define ROWS_PER_BLOCK (THREADS / 32)

static __global__ void layernorm_forward_kernel(real *out, real *mean, real *rstd, const real *inp, const real *weight,
                                                const real *bias, int N, int C) {
    const int n = blockIdx.x * ROWS_PER_BLOCK + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (n >= N) return;
    const real *x = inp + (size_t)n * C;
    double m = 0, v = 0;
    for (int i = lane; i < C; i += 32) m += x[i];
    m = warp_sum(m) / C;
    for (int i = lane; i < C; i += 32) v += (x[i] - m) * (x[i] - m);
    v = warp_sum(v) / C;
    const real s = (real)(1.0 / sqrt(v + LN_EPS));
    real *o = out + (size_t)n * C;
    for (int i = lane; i < C; i += 32) o[i] = ((x[i] - (real)m) * s) * weight[i] + bias[i];
    if (lane == 0) { mean[n] = (real)m; rstd[n] = s; }
}
void layernorm_forward(real *out, real *mean, real *rstd, const real *inp, const real *weight,
                       const real *bias, int N, int C) {
    if (N == 0) return;
    layernorm_forward_kernel<<<(N + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK, THREADS>>>(out, mean, rstd, inp, weight, bias, N, C);
    LAUNCHED();
}

static __global__ void layernorm_dinp_kernel(real *dinp, const real *dout, const real *inp, const real *weight,
                                             const real *mean, const real *rstd, int N, int C) {
    const int n = blockIdx.x * ROWS_PER_BLOCK + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (n >= N) return;
    const real *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
    real *dx = dinp + (size_t)n * C;
    double dnorm_mean = 0, dnorm_norm_mean = 0;
    for (int i = lane; i < C; i += 32) {
        double norm = (x[i] - mean[n]) * rstd[n], dnorm = (double)weight[i] * d[i];
        dnorm_mean += dnorm;
        dnorm_norm_mean += dnorm * norm;
    }
    dnorm_mean = warp_sum(dnorm_mean) / C;
    dnorm_norm_mean = warp_sum(dnorm_norm_mean) / C;
    for (int i = lane; i < C; i += 32) {
        double norm = (x[i] - mean[n]) * rstd[n], dnorm = (double)weight[i] * d[i];
        dx[i] += (real)((dnorm - dnorm_mean - norm * dnorm_norm_mean) * rstd[n]);
    }
}
void layernorm_backward(real *dinp, real *dweight, real *dbias, const real *dout, const real *inp,
                        const real *weight, const real *mean, const real *rstd, int N, int C) {
    if (N == 0) return;
    layernorm_dinp_kernel<<<(N + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK, THREADS>>>(dinp, dout, inp, weight, mean, rstd, N, C);
    LAUNCHED();
    column_sums(dbias, dweight, dout, inp, mean, rstd, N, C);
}

/* ---- GELU ---- */
static __global__ void gelu_forward_kernel(real *out, const real *inp, size_t n) {
    GRID_STRIDE(i, n) out[i] = (real)0.5 * inp[i] * (1 + erfr(inp[i] * (real)M_SQRT1_2));
}
static __global__ void gelu_backward_kernel(real *dinp, const real *inp, const real *dout, size_t n) {
    GRID_STRIDE(i, n) {   /* d/dx x Phi(x) = Phi(x) + x phi(x) */
        real x = inp[i], cdf = (real)0.5 * (1 + erfr(x * (real)M_SQRT1_2));
        real pdf = expr((real)-0.5 * x * x) * (real)0.3989422804014327;
        dinp[i] += (cdf + x * pdf) * dout[i];
    }
}
void gelu_forward(real *out, const real *inp, size_t n) {
    if (!n) return;
    gelu_forward_kernel<<<grid_for(n), THREADS>>>(out, inp, n);
    LAUNCHED();
}
void gelu_backward(real *dinp, const real *inp, const real *dout, size_t n) {
    if (!n) return;
    gelu_backward_kernel<<<grid_for(n), THREADS>>>(dinp, inp, dout, n);
    LAUNCHED();
}

#define GELU_K 0.7978845608028654   /* sqrt(2 / pi) */
#define GELU_C 0.044715
static __global__ void gelu_tanh_forward_kernel(real *out, const real *inp, size_t n) {
    GRID_STRIDE(i, n) {
        real x = inp[i];
        out[i] = (real)0.5 * x * (1 + tanhr((real)GELU_K * (x + (real)GELU_C * x * x * x)));
    }
}
static __global__ void gelu_tanh_backward_kernel(real *dinp, const real *inp, const real *dout, size_t n) {
    GRID_STRIDE(i, n) {
        real x = inp[i], t = tanhr((real)GELU_K * (x + (real)GELU_C * x * x * x));
        real du = (real)GELU_K * (1 + 3 * (real)GELU_C * x * x);
        dinp[i] += ((real)0.5 * (1 + t) + (real)0.5 * x * (1 - t * t) * du) * dout[i];
    }
}
void gelu_tanh_forward(real *out, const real *inp, size_t n) {
    if (!n) return;
    gelu_tanh_forward_kernel<<<grid_for(n), THREADS>>>(out, inp, n);
    LAUNCHED();
}
void gelu_tanh_backward(real *dinp, const real *inp, const real *dout, size_t n) {
    if (!n) return;
    gelu_tanh_backward_kernel<<<grid_for(n), THREADS>>>(dinp, inp, dout, n);
    LAUNCHED();
}

/* ---- attention: per batch, strided-batched GEMMs over the heads (head h's Q, K, V are (T,hs)
   blocks of qkv at column offset h hs with row stride 3C; its output a block of out at h hs with
   row stride C); the masked softmax one warp per row ---- */

/* row-major C_h = alpha op(A_h) op(B_h) + beta C_h for h < count, A_h = A + h sA (and B, C) */
static void gemm_batched(int transA, int transB, int M, int N, int K, real alpha, const real *A, int lda, long long sA,
                         const real *B, int ldb, long long sB, real beta, real *C, int ldc, long long sC, int count) {
    const cublasOperation_t ta = transA ? CUBLAS_OP_T : CUBLAS_OP_N, tb = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
#ifdef LOFT_F32
    CUBLAS_CHECK(cublasSgemmStridedBatched(loft_cublas(), tb, ta, N, M, K, &alpha, B, ldb, sB, A, lda, sA, &beta, C, ldc, sC, count));
#else
    CUBLAS_CHECK(cublasDgemmStridedBatched(loft_cublas(), tb, ta, N, M, K, &alpha, B, ldb, sB, A, lda, sA, &beta, C, ldc, sC, count));
#endif
}

/* rows (rows = NH T of one batch; row t = index % T) of a (T,T) blocks: masked softmax in place */
static __global__ void softmax_rows_kernel(real *att, int rows, int T, int causal, const int *skip) {
    const int row = blockIdx.x * ROWS_PER_BLOCK + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (row >= rows) return;
    const int t = row % T, tmax = causal ? t : T - 1;
    real *a = att + (size_t)row * T;
    if (skip) for (int t2 = skip[2 * t] + lane; t2 < skip[2 * t + 1]; t2 += 32) a[t2] = (real)-INFINITY;
    __syncwarp();
    real maxv = (real)-INFINITY;
    for (int t2 = lane; t2 <= tmax; t2 += 32) maxv = a[t2] > maxv ? a[t2] : maxv;
    maxv = warp_max(maxv);
    double sum = 0;
    for (int t2 = lane; t2 <= tmax; t2 += 32) { real e = expr(a[t2] - maxv); a[t2] = e; sum += e; }
    const real s = (real)warp_sum(sum);
    for (int t2 = lane; t2 < T; t2 += 32) a[t2] = t2 <= tmax ? a[t2] / s : (real)0;
}

void attention_forward(real *out, real *att, const real *qkv, int B, int T, int C, int NH, int causal,
                       const int *skip) {
    const int hs = C / NH, C3 = 3 * C;
    const real scale = (real)(1.0 / sqrt((double)hs));
    const long long TT = (long long)T * T;
    if (T == 0 || NH == 0) return;
    for (int b = 0; b < B; b++) {
        const real *q = qkv + (size_t)b * T * C3, *k = q + C, *v = q + 2 * C;
        real *a = att + (size_t)b * NH * TT, *o = out + (size_t)b * T * C;
        gemm_batched(0, 1, T, T, hs, scale, q, C3, hs, k, C3, hs, 0, a, T, TT, NH);   /* a = q k^T / sqrt(hs) */
        const int rows = NH * T;
        softmax_rows_kernel<<<(rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK, THREADS>>>(a, rows, T, causal, skip);
        LAUNCHED();
        gemm_batched(0, 0, T, hs, T, 1, a, T, TT, v, C3, hs, 0, o, C, hs, NH);          /* o = a v */
    }
}

/* softmax backward in place, one warp per row: ds = a (da - a.da), 0 where masked */
static __global__ void softmax_backward_rows_kernel(real *datt, const real *att, int rows, int T, int causal) {
    const int row = blockIdx.x * ROWS_PER_BLOCK + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (row >= rows) return;
    const int t = row % T, tmax = causal ? t : T - 1;
    real *d = datt + (size_t)row * T;
    const real *a = att + (size_t)row * T;
    double dot = 0;
    for (int t2 = lane; t2 <= tmax; t2 += 32) dot += (double)a[t2] * d[t2];
    const real dt = (real)warp_sum(dot);
    for (int t2 = lane; t2 < T; t2 += 32) d[t2] = t2 <= tmax ? a[t2] * (d[t2] - dt) : (real)0;
}

void attention_backward(real *dqkv, real *datt, const real *dout, const real *qkv, const real *att,
                        int B, int T, int C, int NH, int causal) {
    const int hs = C / NH, C3 = 3 * C;
    const real scale = (real)(1.0 / sqrt((double)hs));
    const long long TT = (long long)T * T;
    if (T == 0 || NH == 0) return;
    for (int b = 0; b < B; b++) {
        const real *q = qkv + (size_t)b * T * C3, *k = q + C, *v = q + 2 * C;
        real *dq = dqkv + (size_t)b * T * C3, *dk = dq + C, *dv = dq + 2 * C;
        const real *a = att + (size_t)b * NH * TT, *d = dout + (size_t)b * T * C;
        real *da = datt + (size_t)b * NH * TT;
        gemm_batched(0, 1, T, T, hs, 1, d, C, hs, v, C3, hs, 0, da, T, TT, NH);          /* da = d v^T */
        gemm_batched(1, 0, T, hs, T, 1, a, T, TT, d, C, hs, 1, dv, C3, hs, NH);          /* dv += a^T d */
        const int rows = NH * T;
        softmax_backward_rows_kernel<<<(rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK, THREADS>>>(da, a, rows, T, causal);
        LAUNCHED();
        gemm_batched(0, 0, T, hs, T, scale, da, T, TT, k, C3, hs, 1, dq, C3, hs, NH);    /* dq += ds k scale */
        gemm_batched(1, 0, T, hs, T, scale, da, T, TT, q, C3, hs, 1, dk, C3, hs, NH);    /* dk += ds^T q scale */
    }
}

/* ---- cross-entropy: one block per row; the row losses summed on the host in row order ---- */
static __global__ void crossentropy_forward_kernel(double *row_loss, real *probs, const real *logits, const int *targets,
                                                   int N, int V) {
    const int n = blockIdx.x;
    const real *l = logits + (size_t)n * V;
    real *p = probs + (size_t)n * V;
    real maxv = (real)-INFINITY;
    for (int i = threadIdx.x; i < V; i += blockDim.x) maxv = l[i] > maxv ? l[i] : maxv;
    maxv = block_max(maxv);
    double sum = 0;
    for (int i = threadIdx.x; i < V; i += blockDim.x) { real e = expr(l[i] - maxv); p[i] = e; sum += e; }
    __shared__ double total;
    sum = block_sum(sum);
    if (threadIdx.x == 0) total = sum;
    __syncthreads();
    for (int i = threadIdx.x; i < V; i += blockDim.x) p[i] = (real)(p[i] / total);
    if (threadIdx.x == 0) row_loss[n] = -(l[targets[n]] - maxv - log(total));
}
double crossentropy_forward(real *probs, const real *logits, const int *targets, int N, int V) {
    if (N == 0) return NAN;   /* the CPU's mean over no rows, 0 / 0 */
    double *rows = loft_cuda_partials((size_t)N);
    crossentropy_forward_kernel<<<N, THREADS>>>(rows, probs, logits, targets, N, V);
    LAUNCHED();
    return loft_cuda_sum_partials((size_t)N) / N;
}

static __global__ void crossentropy_backward_kernel(real *dlogits, const real *probs, const int *targets, int N, int V) {
    GRID_STRIDE(k, (size_t)N * V) {
        const size_t n = k / V, i = k % V;
        dlogits[k] += (probs[k] - (real)(i == (size_t)targets[n])) / (real)N;
    }
}
void crossentropy_backward(real *dlogits, const real *probs, const int *targets, int N, int V) {
    if ((size_t)N * V == 0) return;
    crossentropy_backward_kernel<<<grid_for((size_t)N * V), THREADS>>>(dlogits, probs, targets, N, V);
    LAUNCHED();
}

/* ---- patches, tokens, embeddings ---- */
static __global__ void patchify_kernel(real *patches, const real *images, int B, int H, int W, int p) {
    const int ph = H / p, pw = W / p, P = ph * pw, pp = p * p;
    GRID_STRIDE(k, (size_t)B * P * pp) {
        const int e = (int)(k % pp), patch = (int)(k / pp % P), b = (int)(k / ((size_t)pp * P));
        const int py = patch / pw, px = patch % pw, y = e / p, x = e % p;
        patches[k] = images[(size_t)b * H * W + (py * p + y) * W + px * p + x];
    }
}
void patchify(real *patches, const real *images, int B, int H, int W, int p) {
    const size_t n = (size_t)B * (H / p) * (W / p) * p * p;
    if (!n) return;
    patchify_kernel<<<grid_for(n), THREADS>>>(patches, images, B, H, W, p);
    LAUNCHED();
}

static __global__ void tokens_forward_kernel(real *tokens, const real *emb, const real *cls, const real *pos, int B, int P, int C) {
    const int T = P + 1;
    GRID_STRIDE(k, (size_t)B * T * C) {
        const int i = (int)(k % C), t = (int)(k / C % T), b = (int)(k / ((size_t)C * T));
        const real src = t == 0 ? cls[i] : emb[((size_t)b * P + t - 1) * C + i];
        tokens[k] = src + pos[(size_t)t * C + i];
    }
}
void tokens_forward(real *tokens, const real *emb, const real *cls, const real *pos, int B, int P, int C) {
    const size_t n = (size_t)B * (P + 1) * C;
    if (!n) return;
    tokens_forward_kernel<<<grid_for(n), THREADS>>>(tokens, emb, cls, pos, B, P, C);
    LAUNCHED();
}

/* one thread per (t, i): the batch added in order, so dcls and dpos need no atomics */
static __global__ void tokens_backward_kernel(real *demb, real *dcls, real *dpos, const real *dtokens, int B, int P, int C) {
    const int T = P + 1;
    GRID_STRIDE(k, (size_t)T * C) {
        const int i = (int)(k % C), t = (int)(k / C);
        real dp = dpos[k];
        for (int b = 0; b < B; b++) {
            const real d = dtokens[((size_t)b * T + t) * C + i];
            if (t == 0) dcls[i] += d;
            else demb[((size_t)b * P + t - 1) * C + i] += d;
            dp += d;
        }
        dpos[k] = dp;
    }
}
void tokens_backward(real *demb, real *dcls, real *dpos, const real *dtokens, int B, int P, int C) {
    const size_t n = (size_t)(P + 1) * C;
    if (!n) return;
    tokens_backward_kernel<<<grid_for(n), THREADS>>>(demb, dcls, dpos, dtokens, B, P, C);
    LAUNCHED();
}

static __global__ void embedding_forward_kernel(real *out, const int *tokens, const real *wte, const real *wpe, const int *pos,
                                                int B, int T, int C) {
    GRID_STRIDE(k, (size_t)B * T * C) {
        const int i = (int)(k % C), bt = (int)(k / C), t = bt % T;
        out[k] = wte[(size_t)tokens[bt] * C + i] + wpe[(size_t)(pos ? pos[t] : t) * C + i];
    }
}
void embedding_forward(real *out, const int *tokens, const real *wte, const real *wpe, const int *pos,
                       int B, int T, int C) {
    const size_t n = (size_t)B * T * C;
    if (!n) return;
    embedding_forward_kernel<<<grid_for(n), THREADS>>>(out, tokens, wte, wpe, pos, B, T, C);
    LAUNCHED();
}

/* rows of several positions may share a token (and, with pos, a position): atomics */
static __global__ void embedding_backward_kernel(real *dwte, real *dwpe, const real *dout, const int *tokens, const int *pos,
                                                 int B, int T, int C) {
    GRID_STRIDE(k, (size_t)B * T * C) {
        const int i = (int)(k % C), bt = (int)(k / C), t = bt % T;
        atomicAdd(&dwte[(size_t)tokens[bt] * C + i], dout[k]);
        atomicAdd(&dwpe[(size_t)(pos ? pos[t] : t) * C + i], dout[k]);
    }
}
void embedding_backward(real *dwte, real *dwpe, const real *dout, const int *tokens, const int *pos,
                        int B, int T, int C) {
    const size_t n = (size_t)B * T * C;
    if (!n) return;
    embedding_backward_kernel<<<grid_for(n), THREADS>>>(dwte, dwpe, dout, tokens, pos, B, T, C);
    LAUNCHED();
}
