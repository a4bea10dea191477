/* The CPU backend's Llama-family layers (compute/kernels.h): RMSNorm, rotary embeddings, SwiGLU,
   the grouped-query packing around attention_forward, and the cross-entropy that ignores rows. */
#include <math.h>
#include "../kernels.h"
#include "vector_math.h"

void rmsnorm_forward(real *out, real *rstd, const real *inp, const real *weight, int N, int C, double eps) {
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C;
        double ss = 0;
#pragma omp simd reduction(+ : ss)
        for (int i = 0; i < C; i++) ss += (double)x[i] * x[i];
        const real r = (real)(1.0 / sqrt(ss / C + eps));
        real *o = out + (size_t)n * C;
        for (int i = 0; i < C; i++) o[i] = (x[i] * r) * weight[i];
        rstd[n] = r;
    }
}

/* y = x r w with r = (mean(x^2) + eps)^-1/2:  dx = r (dy w) - x r^3 mean(dy w x),  dw += dy x r */
void rmsnorm_backward(real *dinp, real *dweight, const real *dout, const real *inp, const real *weight,
                      const real *rstd, int N, int C) {
    for (int n = 0; n < N; n++) {
        const real *x = inp + (size_t)n * C, *dy = dout + (size_t)n * C;
        real *dx = dinp + (size_t)n * C;
        const real r = rstd[n];
        double dot = 0;
#pragma omp simd reduction(+ : dot)
        for (int i = 0; i < C; i++) dot += (double)dy[i] * weight[i] * x[i];
        const real k = (real)(dot / C) * r * r * r;
        for (int i = 0; i < C; i++) dx[i] += r * dy[i] * weight[i] - x[i] * k;
        if (dweight)
            for (int i = 0; i < C; i++) dweight[i] += dy[i] * x[i] * r;
    }
}

void rope_apply(real *x, const real *cosv, const real *sinv, const int *pos, int B, int T, int H, int d, int inverse) {
    const int half = d / 2;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const int p = pos ? pos[t] : t;
            const real *c = cosv + (size_t)p * half, *s = sinv + (size_t)p * half;
            for (int h = 0; h < H; h++) {
                real *x1 = x + (((size_t)b * T + t) * H + h) * d, *x2 = x1 + half;
                for (int i = 0; i < half; i++) {
                    const real a = x1[i], e = x2[i], si = inverse ? -s[i] : s[i];
                    x1[i] = a * c[i] - e * si;
                    x2[i] = e * c[i] + a * si;
                }
            }
        }
}

void swiglu_forward(real *out, const real *gate, const real *up, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const real g = gate[i];
        out[i] = g / (1 + expr(-g)) * up[i];
    }
}

/* out = g sigma(g) u:  dg += dout u sigma(g) (1 + g (1 - sigma(g))),  du += dout g sigma(g) */
void swiglu_backward(real *dgate, real *dup, const real *dout, const real *gate, const real *up, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const real g = gate[i], sg = 1 / (1 + expr(-g));
        dgate[i] += dout[i] * up[i] * sg * (1 + g * (1 - sg));
        dup[i] += dout[i] * g * sg;
    }
}

void gqa_pack(real *qkv, const real *q, const real *k, const real *v, int N, int H, int KV, int d) {
    const int C = H * d, group = H / KV;
    for (int n = 0; n < N; n++) {
        real *row = qkv + (size_t)n * 3 * C;
        for (int i = 0; i < C; i++) row[i] = q[(size_t)n * C + i];
        for (int h = 0; h < H; h++)
            for (int j = 0; j < d; j++) {
                const size_t src = ((size_t)n * KV + h / group) * d + j;
                row[C + h * d + j] = k[src];
                row[2 * C + h * d + j] = v[src];
            }
    }
}

void gqa_unpack(real *dq, real *dk, real *dv, const real *dqkv, int N, int H, int KV, int d) {
    const int C = H * d, group = H / KV;
    for (int n = 0; n < N; n++) {
        const real *row = dqkv + (size_t)n * 3 * C;
        for (int i = 0; i < C; i++) dq[(size_t)n * C + i] += row[i];
        for (int h = 0; h < H; h++)
            for (int j = 0; j < d; j++) {
                const size_t dst = ((size_t)n * KV + h / group) * d + j;
                dk[dst] += row[C + h * d + j];
                dv[dst] += row[2 * C + h * d + j];
            }
    }
}

double crossentropy_masked_forward(real *probs, const real *logits, const int *targets, int N, int V) {
    double loss = 0;
    for (int n = 0; n < N; n++) {
        if (targets[n] < 0) continue;
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
    return loss;
}

void crossentropy_masked_backward(real *dlogits, const real *probs, const int *targets, int N, int V, double scale) {
    for (int n = 0; n < N; n++) {
        if (targets[n] < 0) continue;
        for (int i = 0; i < V; i++)
            dlogits[(size_t)n * V + i] += (real)scale * (probs[(size_t)n * V + i] - (i == targets[n]));
    }
}
