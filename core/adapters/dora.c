/* DoRA layer: magnitude init, effective weight with per-output-row norm, forward, backward. */
#include <math.h>
#include <string.h>
#include "../blas.h"
#include "../check.h"
#include "dora.h"
#include "lora.h"

static double row_norm(const real *row, int in) {
    double s = 0.0;
    for (int i = 0; i < in; i++) s += (double)row[i] * row[i];
    return sqrt(s);
}

void dora_init_magnitude(real *mag, const real *W0, int in, int out) {
    for (int o = 0; o < out; o++) mag[o] = (real)row_norm(W0 + (size_t)o * in, in);
}

void dora_weight(real *V, real *norm, real *Wd, const real *W0, const real *A, const real *B,
                 const real *mag, double s, const real *frozen_norm, int in, int out, int r) {
    memcpy(V, W0, sizeof(real) * (size_t)out * in);
    lora_merge(V, A, B, s, in, out, r, +1);
    for (int o = 0; o < out; o++) {
        double nv = frozen_norm ? (double)frozen_norm[o] : row_norm(V + (size_t)o * in, in);
        norm[o] = (real)(nv > DORA_NORM_FLOOR ? nv : DORA_NORM_FLOOR);
        real f = mag[o] / norm[o];
        for (int i = 0; i < in; i++) Wd[(size_t)o * in + i] = f * V[(size_t)o * in + i];
    }
}

void dora_forward(real *y, const real *x, const real *Wd, const real *bias, int N, int in, int out) {
    for (int n = 0; n < N; n++)
        for (int o = 0; o < out; o++) y[(size_t)n * out + o] = bias ? bias[o] : 0;
    blas_gemm(0, 1, N, out, in, 1, x, in, Wd, in, 1, y, out);
}

void dora_backward_dW(real *dA, real *dB, real *dmag, real *dV, const real *dWd, const real *V,
                      const real *norm, const real *A, const real *B, const real *mag, double s,
                      int in, int out, int r) {
    for (int o = 0; o < out; o++) {
        const real *g = dWd + (size_t)o * in, *v = V + (size_t)o * in;
        double dm = 0.0;
        for (int i = 0; i < in; i++) dm += (double)g[i] * v[i];
        dmag[o] += (real)(dm / norm[o]);                 /* Wd = mag V / norm */
        real f = mag[o] / norm[o];                       /* norm detached: dV = dWd mag / norm */
        for (int i = 0; i < in; i++) dV[(size_t)o * in + i] = f * g[i];
    }
    lora_backward_dW(dA, dB, dV, A, B, s, in, out, r);   /* V = W0 + s B A */
}

void dora_backward(real *dx, real *dA, real *dB, real *dmag, real *dbias, real *dWd, real *dV, const real *dy,
                   const real *x, const real *V, const real *norm, const real *Wd, const real *A,
                   const real *B, const real *mag, double s, int N, int in, int out, int r) {
    if (dbias)
        for (int n = 0; n < N; n++)
            for (int o = 0; o < out; o++) dbias[o] += dy[(size_t)n * out + o];
    if (dx) blas_gemm(0, 0, N, in, out, 1, dy, out, Wd, in, 1, dx, in);   /* dx += dy Wd */
    blas_gemm(1, 0, out, in, N, 1, dy, out, x, in, 0, dWd, in);             /* dWd = dy^T x */
    dora_backward_dW(dA, dB, dmag, dV, dWd, V, norm, A, B, mag, s, in, out, r);
}
