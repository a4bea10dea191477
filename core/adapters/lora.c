/* LoRA / rsLoRA layer: forward, backward, weight-gradient backward, merge. */
#include <math.h>
#include "../compute/kernels.h"
#include "../init.h"
#include "lora.h"

double lora_scale(double alpha, int r, LoraScaling scaling) {
    return scaling == SCALING_RSLORA ? alpha / sqrt((double)r) : alpha / r;
}

void lora_init(real *A, real *B, int in, int out, int r, LoraInit init, Rng *rng) {
    if (init == LORA_INIT_GAUSSIAN) init_normal(A, (size_t)r * in, 0.0, 1.0 / sqrt((double)r), rng);
    else init_linear_uniform(A, r, in, rng);
    vec_zero(B, (size_t)out * r);
}

void lora_forward(real *y, real *xa, const real *x, const real *W0, const real *bias,
                  const real *A, const real *B, double s, int N, int in, int out, int r) {
    bias_broadcast(y, bias, N, out);
    blas_gemm(0, 1, N, out, in, 1, x, in, W0, in, 1, y, out);      /* y += x W0^T */
    blas_gemm(0, 1, N, r, in, 1, x, in, A, in, 0, xa, r);          /* xa = x A^T */
    blas_gemm(0, 1, N, out, r, (real)s, xa, r, B, r, 1, y, out);   /* y += s xa B^T */
}

void lora_backward(real *dx, real *dA, real *dB, real *dbias, real *dyB, const real *dy, const real *x,
                   const real *xa, const real *W0, const real *A, const real *B, double s,
                   int N, int in, int out, int r) {
    if (dbias) bias_backward(dbias, dy, N, out);
    blas_gemm(0, 0, N, r, out, 1, dy, out, B, r, 0, dyB, r);         /* dyB = dy B */
    blas_gemm(1, 0, out, r, N, (real)s, dy, out, xa, r, 1, dB, r);     /* dB += s dy^T xa */
    blas_gemm(1, 0, r, in, N, (real)s, dyB, r, x, in, 1, dA, in);      /* dA += s (dy B)^T x */
    if (dx) {
        blas_gemm(0, 0, N, in, out, 1, dy, out, W0, in, 1, dx, in);    /* dx += dy W0 */
        blas_gemm(0, 0, N, in, r, (real)s, dyB, r, A, in, 1, dx, in);  /* dx += s (dy B) A */
    }
}

void lora_backward_dW(real *dA, real *dB, const real *dW, const real *A, const real *B, double s,
                      int in, int out, int r) {
    blas_gemm(1, 0, r, in, out, (real)s, B, r, dW, in, 1, dA, in);     /* dA += s B^T dW */
    blas_gemm(0, 1, out, r, in, (real)s, dW, in, A, in, 1, dB, r);     /* dB += s dW A^T */
}

void lora_merge(real *W, const real *A, const real *B, double s, int in, int out, int r, int sign) {
    blas_gemm(0, 0, out, in, r, (real)(sign * s), B, r, A, in, 1, W, in);
}

void lora_product(real *W, const real *A, const real *B, double s, int in, int out, int r) {
    blas_gemm(0, 0, out, in, r, (real)s, B, r, A, in, 0, W, in);
}
