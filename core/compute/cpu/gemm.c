/* The CPU backend's GEMM (OpenBLAS sgemm / dgemm for the `real` type), its naive reference twin
   (reference.h), and reductions (compute/kernels.h). */
#include <cblas.h>
#include <math.h>
#include "../kernels.h"
#include "reference.h"

void blas_gemm(int transA, int transB, int M, int N, int K, real alpha,
               const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc) {
    if (M == 0 || N == 0) return;
#ifdef LOFT_F32
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

void blas_gemm_naive(int transA, int transB, int M, int N, int K, real alpha,
                     const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc) {
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double acc = 0.0;
            for (int k = 0; k < K; k++) {
                double a = transA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                double b = transB ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                acc += a * b;
            }
            real *c = &C[(size_t)i * ldc + j];
            *c = (real)(alpha * acc + (beta == 0 ? 0.0 : (double)beta * *c));
        }
    }
}

double blas_sumsq(const real *x, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return s;
}

double blas_rel_dist(const real *a, const real *b, size_t n) {
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)a[i] - b[i];
        d += e * e;
        s += (double)b[i] * b[i];
    }
    return s > 0 ? sqrt(d / s) : (d > 0 ? INFINITY : 0.0);
}
