/* The CUDA backend's Llama-family layers (compute/kernels.h): RMSNorm, rotary embeddings,
   SwiGLU, the grouped-query packing and the cross-entropy that ignores rows, with the CPU's
   arithmetic (compute/cpu/llama_layers.c): the row statistics in double, the same masks. */
#include "cuda_util.h"

/* ---- RMSNorm: one block per row ---- */
static __global__ void rmsnorm_forward_kernel(real *out, real *rstd, const real *inp, const real *weight, int C, double eps) {
    const int n = blockIdx.x;
    const real *x = inp + (size_t)n * C;
    double ss = 0;
    for (int i = threadIdx.x; i < C; i += blockDim.x) ss += (double)x[i] * x[i];
    __shared__ real r;
    ss = block_sum(ss);
    if (threadIdx.x == 0) { r = (real)(1.0 / sqrt(ss / C + eps)); rstd[n] = r; }
    __syncthreads();
    for (int i = threadIdx.x; i < C; i += blockDim.x) out[(size_t)n * C + i] = (x[i] * r) * weight[i];
}
void rmsnorm_forward(real *out, real *rstd, const real *inp, const real *weight, int N, int C, double eps) {
    if (N == 0) return;
    rmsnorm_forward_kernel<<<N, THREADS>>>(out, rstd, inp, weight, C, eps);
    LAUNCHED();
}

static __global__ void rmsnorm_dinp_kernel(real *dinp, const real *dout, const real *inp, const real *weight, const real *rstd, int C) {
    const int n = blockIdx.x;
    const real *x = inp + (size_t)n * C, *dy = dout + (size_t)n * C;
    const real r = rstd[n];
    double dot = 0;
    for (int i = threadIdx.x; i < C; i += blockDim.x) dot += (double)dy[i] * weight[i] * x[i];
    __shared__ real k;
    dot = block_sum(dot);
    if (threadIdx.x == 0) k = (real)(dot / C) * r * r * r;
    __syncthreads();
    for (int i = threadIdx.x; i < C; i += blockDim.x) dinp[(size_t)n * C + i] += r * dy[i] * weight[i] - x[i] * k;
}
/* dweight[i] += sum over rows of dy x r, one thread per column, rows in order (deterministic) */
static __global__ void rmsnorm_dweight_kernel(real *dweight, const real *dout, const real *inp, const real *rstd, int N, int C) {
    GRID_STRIDE(i, (size_t)C) {
        double s = 0;
        for (int n = 0; n < N; n++) s += (double)(dout[(size_t)n * C + i] * inp[(size_t)n * C + i] * rstd[n]);
        dweight[i] += (real)s;
    }
}
void rmsnorm_backward(real *dinp, real *dweight, const real *dout, const real *inp, const real *weight,
                      const real *rstd, int N, int C) {
    if (N == 0) return;
    rmsnorm_dinp_kernel<<<N, THREADS>>>(dinp, dout, inp, weight, rstd, C);
    LAUNCHED();
    if (!dweight) return;
    rmsnorm_dweight_kernel<<<grid_for((size_t)C), THREADS>>>(dweight, dout, inp, rstd, N, C);
    LAUNCHED();
}

/* ---- rotary embeddings: one thread per (row, head, pair) ---- */
static __global__ void rope_kernel(real *x, const real *cosv, const real *sinv, const int *pos, int T, int H, int d,
                                   int inverse, size_t n) {
    const int half = d / 2;
    GRID_STRIDE(k, n) {
        const int i = (int)(k % half);
        const size_t rowhead = k / half;               /* (b t) H + h */
        const int t = (int)(rowhead / H % T);
        const int p = pos ? pos[t] : t;
        const real c = cosv[(size_t)p * half + i], s = inverse ? -sinv[(size_t)p * half + i] : sinv[(size_t)p * half + i];
        real *x1 = x + rowhead * d + i, *x2 = x1 + half;
        const real a = *x1, e = *x2;
        *x1 = a * c - e * s;
        *x2 = e * c + a * s;
    }
}
void rope_apply(real *x, const real *cosv, const real *sinv, const int *pos, int B, int T, int H, int d, int inverse) {
    const size_t n = (size_t)B * T * H * (d / 2);
    if (!n) return;
    rope_kernel<<<grid_for(n), THREADS>>>(x, cosv, sinv, pos, T, H, d, inverse, n);
    LAUNCHED();
}

/* ---- SwiGLU ---- */
static __global__ void swiglu_forward_kernel(real *out, const real *gate, const real *up, size_t n) {
    GRID_STRIDE(i, n) { const real g = gate[i]; out[i] = g / (1 + expr(-g)) * up[i]; }
}
static __global__ void swiglu_backward_kernel(real *dgate, real *dup, const real *dout, const real *gate, const real *up, size_t n) {
    GRID_STRIDE(i, n) {
        const real g = gate[i], sg = 1 / (1 + expr(-g));
        dgate[i] += dout[i] * up[i] * sg * (1 + g * (1 - sg));
        dup[i] += dout[i] * g * sg;
    }
}
void swiglu_forward(real *out, const real *gate, const real *up, size_t n) {
    if (!n) return;
    swiglu_forward_kernel<<<grid_for(n), THREADS>>>(out, gate, up, n);
    LAUNCHED();
}
void swiglu_backward(real *dgate, real *dup, const real *dout, const real *gate, const real *up, size_t n) {
    if (!n) return;
    swiglu_backward_kernel<<<grid_for(n), THREADS>>>(dgate, dup, dout, gate, up, n);
    LAUNCHED();
}

/* ---- grouped-query packing: one thread per entry of a row's q (and its k, v copies) ---- */
static __global__ void gqa_pack_kernel(real *qkv, const real *q, const real *k, const real *v, int H, int KV, int d, size_t n) {
    const int C = H * d, group = H / KV;
    GRID_STRIDE(e, n) {
        const size_t row = e / C;
        const int i = (int)(e % C), h = i / d, j = i % d;
        const size_t src = (row * KV + h / group) * d + j;
        real *dst = qkv + row * 3 * C;
        dst[i] = q[e];
        dst[C + i] = k[src];
        dst[2 * C + i] = v[src];
    }
}
/* one thread per entry of a row's k / v: the sum over its group, in order */
static __global__ void gqa_unpack_kernel(real *dq, real *dk, real *dv, const real *dqkv, int H, int KV, int d, size_t nq, size_t nkv) {
    const int C = H * d, group = H / KV;
    GRID_STRIDE(e, nq) dq[e] += dqkv[e / C * 3 * C + e % C];
    GRID_STRIDE(e, nkv) {
        const size_t row = e / ((size_t)KV * d);
        const int g = (int)(e % ((size_t)KV * d)) / d, j = (int)(e % d);
        real sk = 0, sv = 0;
        for (int h = g * group; h < (g + 1) * group; h++) {
            sk += dqkv[row * 3 * C + C + h * d + j];
            sv += dqkv[row * 3 * C + 2 * C + h * d + j];
        }
        dk[e] += sk;
        dv[e] += sv;
    }
}
void gqa_pack(real *qkv, const real *q, const real *k, const real *v, int N, int H, int KV, int d) {
    const size_t n = (size_t)N * H * d;
    if (!n) return;
    gqa_pack_kernel<<<grid_for(n), THREADS>>>(qkv, q, k, v, H, KV, d, n);
    LAUNCHED();
}
void gqa_unpack(real *dq, real *dk, real *dv, const real *dqkv, int N, int H, int KV, int d) {
    const size_t nq = (size_t)N * H * d, nkv = (size_t)N * KV * d;
    if (!nq) return;
    gqa_unpack_kernel<<<grid_for(nq), THREADS>>>(dq, dk, dv, dqkv, H, KV, d, nq, nkv);
    LAUNCHED();
}

/* ---- the cross-entropy that skips rows with a negative target: one block per row ---- */
static __global__ void ce_masked_forward_kernel(double *row_loss, real *probs, const real *logits, const int *targets, int V) {
    const int n = blockIdx.x;
    if (targets[n] < 0) { if (threadIdx.x == 0) row_loss[n] = 0; return; }
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
double crossentropy_masked_forward(real *probs, const real *logits, const int *targets, int N, int V) {
    if (N == 0) return 0;
    double *rows = loft_cuda_partials((size_t)N);
    ce_masked_forward_kernel<<<N, THREADS>>>(rows, probs, logits, targets, V);
    LAUNCHED();
    return loft_cuda_sum_partials((size_t)N);
}
static __global__ void ce_masked_backward_kernel(real *dlogits, const real *probs, const int *targets, int V, real scale, size_t n) {
    GRID_STRIDE(k, n) {
        const size_t row = k / V, i = k % V;
        if (targets[row] >= 0) dlogits[k] += scale * (probs[k] - (real)(i == (size_t)targets[row]));
    }
}
void crossentropy_masked_backward(real *dlogits, const real *probs, const int *targets, int N, int V, double scale) {
    const size_t n = (size_t)N * V;
    if (!n) return;
    ce_masked_backward_kernel<<<grid_for(n), THREADS>>>(dlogits, probs, targets, V, (real)scale, n);
    LAUNCHED();
}
