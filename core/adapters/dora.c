/* DoRA layer: magnitude init, effective weight with per-output-row norm, forward, backward. */
#include <math.h>
#include <string.h>
#include "../compute/kernels.h"
#include "dora.h"
#include "lora.h"

void dora_init_magnitude(real *mag, const real *W0, int in, int out) { row_norms(mag, W0, in, out); }

void dora_weight(real *V, real *norm, real *Wd, const real *W0, const real *A, const real *B,
                 const real *mag, double s, const real *frozen_norm, int in, int out, int r) {
    vec_copy(V, W0, (size_t)out * in);
    lora_merge(V, A, B, s, in, out, r, +1);
    dora_rows_forward(norm, Wd, V, mag, frozen_norm, DORA_NORM_FLOOR, in, out);
}

void dora_forward(real *y, const real *x, const real *Wd, const real *bias, int N, int in, int out) {
    bias_broadcast(y, bias, N, out);
    blas_gemm(0, 1, N, out, in, 1, x, in, Wd, in, 1, y, out);
}

void dora_backward_dW(real *dA, real *dB, real *dmag, real *dV, const real *dWd, const real *V,
                      const real *norm, const real *A, const real *B, const real *mag, double s,
                      int in, int out, int r) {
    dora_rows_backward(dmag, dV, dWd, V, norm, mag, in, out);   /* Wd = mag V / norm, norm detached */
    lora_backward_dW(dA, dB, dV, A, B, s, in, out, r);   /* V = W0 + s B A */
}

void dora_backward(real *dx, real *dA, real *dB, real *dmag, real *dbias, real *dWd, real *dV, const real *dy,
                   const real *x, const real *V, const real *norm, const real *Wd, const real *A,
                   const real *B, const real *mag, double s, int N, int in, int out, int r) {
    if (dbias) bias_backward(dbias, dy, N, out);
    if (dx) blas_gemm(0, 0, N, in, out, 1, dy, out, Wd, in, 1, dx, in);   /* dx += dy Wd */
    blas_gemm(1, 0, out, in, N, 1, dy, out, x, in, 0, dWd, in);             /* dWd = dy^T x */
    dora_backward_dW(dA, dB, dmag, dV, dWd, V, norm, A, B, mag, s, in, out, r);
}
