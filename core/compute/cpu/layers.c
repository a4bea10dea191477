/* The CPU backend's layers (compute/kernels.h): linear, layernorm, GELU, attention,
   cross-entropy, embeddings and patch tokens, forward and backward. */
#include <math.h>
#include <string.h>
#include "../kernels.h"
#include "vector_math.h"

void linear_forward(real *out, const real *inp, const real *weight, const real *bias, int N, int C, int OC) {
    if (bias) {
        for (int n = 0; n < N; n++) memcpy(out + (size_t)n * OC, bias, sizeof(real) * OC);
    }
    blas_gemm(0, 1, N, OC, C, 1, inp, C, weight, C, bias ? 1 : 0, out, OC);   /* out += inp W^T */
}

void linear_backward(real *dinp, real *dweight, real *dbias, const real *dout, const real *inp,
                     const real *weight, int N, int C, int OC) {
    if (dinp) blas_gemm(0, 0, N, C, OC, 1, dout, OC, weight, C, 1, dinp, C);          /* dinp += dout W */
    if (dweight) blas_gemm(1, 0, OC, C, N, 1, dout, OC, inp, C, 1, dweight, C);       /* dW += dout^T inp */
    if (dbias)
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) dbias[o] += dout[(size_t)n * OC + o];
}

#define LN_EPS 1e-5

void layernorm_forward(real *out, real *mean, real *rstd, const real *inp, const real *weight,
                       const real *bias, int N, int C) {
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C;
        double m = 0, v = 0;
#pragma omp simd reduction(+ : m)
        for (int i = 0; i < C; i++) m += x[i];
        m /= C;
#pragma omp simd reduction(+ : v)
        for (int i = 0; i < C; i++) v += (x[i] - m) * (x[i] - m);
        v /= C;
        real s = (real)(1.0 / sqrt(v + LN_EPS));
        real *o = out + (size_t)n * C;
        for (int i = 0; i < C; i++) o[i] = ((x[i] - (real)m) * s) * weight[i] + bias[i];
        mean[n] = (real)m;
        rstd[n] = s;
    }
}

void layernorm_backward(real *dinp, real *dweight, real *dbias, const real *dout, const real *inp,
                        const real *weight, const real *mean, const real *rstd, int N, int C) {
    /* out = norm * w + b, norm = (x - mean) rstd */
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C, *d = dout + (size_t)n * C;
        real *dx = dinp + (size_t)n * C;
        double dnorm_mean = 0, dnorm_norm_mean = 0;
#pragma omp simd reduction(+ : dnorm_mean, dnorm_norm_mean)
        for (int i = 0; i < C; i++) {
            double norm = (x[i] - mean[n]) * rstd[n], dnorm = (double)weight[i] * d[i];
            dnorm_mean += dnorm;
            dnorm_norm_mean += dnorm * norm;
        }
        dnorm_mean /= C;
        dnorm_norm_mean /= C;
        for (int i = 0; i < C; i++) {
            double norm = (x[i] - mean[n]) * rstd[n], dnorm = (double)weight[i] * d[i];
            dx[i] += (real)((dnorm - dnorm_mean - norm * dnorm_norm_mean) * rstd[n]);
        }
    }
    for (int n = 0; n < N; n++)
        for (int i = 0; i < C; i++) {
            real norm = (inp[(size_t)n * C + i] - mean[n]) * rstd[n];
            dweight[i] += norm * dout[(size_t)n * C + i];
            dbias[i] += dout[(size_t)n * C + i];
        }
}

void gelu_forward(real *out, const real *inp, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) out[i] = (real)0.5 * inp[i] * (1 + erfr(inp[i] * (real)M_SQRT1_2));
}

void gelu_backward(real *dinp, const real *inp, const real *dout, size_t n) {
    /* d/dx x Phi(x) = Phi(x) + x phi(x) */
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        real x = inp[i], cdf = (real)0.5 * (1 + erfr(x * (real)M_SQRT1_2));
        real pdf = expr((real)-0.5 * x * x) * (real)0.3989422804014327;   /* 1 / sqrt(2 pi) */
        dinp[i] += (cdf + x * pdf) * dout[i];
    }
}

#define GELU_K 0.7978845608028654   /* sqrt(2 / pi) */
#define GELU_C 0.044715

void gelu_tanh_forward(real *out, const real *inp, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        real x = inp[i];
        out[i] = (real)0.5 * x * (1 + tanhr((real)GELU_K * (x + (real)GELU_C * x * x * x)));
    }
}

void gelu_tanh_backward(real *dinp, const real *inp, const real *dout, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        real x = inp[i], t = tanhr((real)GELU_K * (x + (real)GELU_C * x * x * x));
        real du = (real)GELU_K * (1 + 3 * (real)GELU_C * x * x);
        dinp[i] += ((real)0.5 * (1 + t) + (real)0.5 * x * (1 - t * t) * du) * dout[i];
    }
}

/* attention per (batch, head) on strided views of qkv: Q, K, V of head h are (T,hs) blocks with
   row stride 3C, O is a (T,hs) block of out with row stride C; the T x T products run as GEMMs */
void attention_forward(real *out, real *att, const real *qkv, int B, int T, int C, int NH, int causal,
                       const int *skip) {
    const int hs = C / NH, C3 = 3 * C;
    const real scale = (real)(1.0 / sqrt((double)hs));
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const real *q = qkv + (size_t)b * T * C3 + h * hs, *k = q + C, *v = q + 2 * C;
            real *a = att + ((size_t)b * NH + h) * T * T, *o = out + (size_t)b * T * C + h * hs;
            blas_gemm(0, 1, T, T, hs, scale, q, C3, k, C3, 0, a, T);          /* a = q k^T / sqrt(hs) */
            for (int t = 0; t < T; t++) {                                       /* a = softmax(a), masked */
                real *row = a + (size_t)t * T, maxv = -INFINITY, sum = 0;
                int tmax = causal ? t : T - 1, s0 = skip ? skip[2 * t] : 0, s1 = skip ? skip[2 * t + 1] : 0;
                for (int t2 = s0; t2 < s1; t2++) row[t2] = -INFINITY;
#pragma omp simd reduction(max : maxv)
                for (int t2 = 0; t2 <= tmax; t2++) maxv = row[t2] > maxv ? row[t2] : maxv;
#pragma omp simd reduction(+ : sum)
                for (int t2 = 0; t2 <= tmax; t2++) { row[t2] = expr(row[t2] - maxv); sum += row[t2]; }
                for (int t2 = 0; t2 < T; t2++) row[t2] = t2 <= tmax ? row[t2] / sum : 0;
            }
            blas_gemm(0, 0, T, hs, T, 1, a, T, v, C3, 0, o, C);                /* o = a v */
        }
}

void attention_backward(real *dqkv, real *datt, const real *dout, const real *qkv, const real *att,
                        int B, int T, int C, int NH, int causal) {
    const int hs = C / NH, C3 = 3 * C;
    const real scale = (real)(1.0 / sqrt((double)hs));
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const real *q = qkv + (size_t)b * T * C3 + h * hs, *k = q + C, *v = q + 2 * C;
            real *dq = dqkv + (size_t)b * T * C3 + h * hs, *dk = dq + C, *dv = dq + 2 * C;
            const real *a = att + ((size_t)b * NH + h) * T * T, *d = dout + (size_t)b * T * C + h * hs;
            real *da = datt + ((size_t)b * NH + h) * T * T;
            blas_gemm(0, 1, T, T, hs, 1, d, C, v, C3, 0, da, T);               /* o = a v: da = d v^T */
            blas_gemm(1, 0, T, hs, T, 1, a, T, d, C, 1, dv, C3);               /*          dv += a^T d */
            for (int t = 0; t < T; t++) {                                       /* softmax: ds = a (da - a.da) */
                real *drow = da + (size_t)t * T, dot = 0;
                const real *arow = a + (size_t)t * T;
                int tmax = causal ? t : T - 1;
                for (int t2 = 0; t2 <= tmax; t2++) dot += arow[t2] * drow[t2];
                for (int t2 = 0; t2 < T; t2++) drow[t2] = t2 <= tmax ? arow[t2] * (drow[t2] - dot) : 0;
            }
            blas_gemm(0, 0, T, hs, T, scale, da, T, k, C3, 1, dq, C3);         /* a = q k^T scale: dq += ds k */
            blas_gemm(1, 0, T, hs, T, scale, da, T, q, C3, 1, dk, C3);         /*                  dk += ds^T q */
        }
}

double crossentropy_forward(real *probs, const real *logits, const int *targets, int N, int V) {
    double loss = 0;
    for (int n = 0; n < N; n++) {
        const real *l = logits + (size_t)n * V;
        real *p = probs + (size_t)n * V;
        real maxv = l[0];
#pragma omp simd reduction(max : maxv)
        for (int i = 1; i < V; i++) maxv = l[i] > maxv ? l[i] : maxv;
        double sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int i = 0; i < V; i++) { p[i] = expr(l[i] - maxv); sum += p[i]; }
        for (int i = 0; i < V; i++) p[i] = (real)(p[i] / sum);
        loss += -(l[targets[n]] - maxv - log(sum));
    }
    return loss / N;
}

void crossentropy_backward(real *dlogits, const real *probs, const int *targets, int N, int V) {
    for (int n = 0; n < N; n++)
        for (int i = 0; i < V; i++)
            dlogits[(size_t)n * V + i] += (probs[(size_t)n * V + i] - (i == targets[n])) / (real)N;
}

void patchify(real *patches, const real *images, int B, int H, int W, int p) {
    const int ph = H / p, pw = W / p, P = ph * pw;
    for (int b = 0; b < B; b++)
        for (int py = 0; py < ph; py++)
            for (int px = 0; px < pw; px++) {
                real *dst = patches + ((size_t)b * P + py * pw + px) * p * p;
                for (int y = 0; y < p; y++)
                    for (int x = 0; x < p; x++)
                        dst[y * p + x] = images[(size_t)b * H * W + (py * p + y) * W + px * p + x];
            }
}

void tokens_forward(real *tokens, const real *emb, const real *cls, const real *pos, int B, int P, int C) {
    const int T = P + 1;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            real *o = tokens + ((size_t)b * T + t) * C;
            const real *src = t == 0 ? cls : emb + ((size_t)b * P + t - 1) * C;
            for (int i = 0; i < C; i++) o[i] = src[i] + pos[(size_t)t * C + i];
        }
}

void tokens_backward(real *demb, real *dcls, real *dpos, const real *dtokens, int B, int P, int C) {
    const int T = P + 1;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const real *d = dtokens + ((size_t)b * T + t) * C;
            real *dst = t == 0 ? dcls : demb + ((size_t)b * P + t - 1) * C;
            for (int i = 0; i < C; i++) { dst[i] += d[i]; dpos[(size_t)t * C + i] += d[i]; }
        }
}

void embedding_forward(real *out, const int *tokens, const real *wte, const real *wpe, const int *pos,
                       int B, int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            real *o = out + ((size_t)b * T + t) * C;
            const real *e = wte + (size_t)tokens[b * T + t] * C, *p = wpe + (size_t)(pos ? pos[t] : t) * C;
            for (int i = 0; i < C; i++) o[i] = e[i] + p[i];
        }
}

void embedding_backward(real *dwte, real *dwpe, const real *dout, const int *tokens, const int *pos,
                        int B, int T, int C) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const real *d = dout + ((size_t)b * T + t) * C;
            real *de = dwte + (size_t)tokens[b * T + t] * C, *dp = dwpe + (size_t)(pos ? pos[t] : t) * C;
            for (int i = 0; i < C; i++) { de[i] += d[i]; dp[i] += d[i]; }
        }
}

void bias_backward(real *dbias, const real *dout, int N, int OC) {
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) dbias[o] += dout[(size_t)n * OC + o];
}

void bias_broadcast(real *out, const real *bias, int N, int OC) {
    if (!bias) {
        memset(out, 0, sizeof(real) * N * OC);
        return;
    }
    for (int n = 0; n < N; n++) memcpy(out + (size_t)n * OC, bias, sizeof(real) * OC);
}
