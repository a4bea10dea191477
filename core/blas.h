/* Thin wrappers over cblas for the `real` type (sgemm or dgemm), and naive twins that the
   tests use as the reference. Row-major everywhere. */
#ifndef LOFT_BLAS_H
#define LOFT_BLAS_H
#include <stddef.h>
#include "real.h"

/* C = alpha op(A) op(B) + beta C;  op(A) is (M,K), op(B) is (K,N), C is (M,N).
   transA/transB: 0 = as stored, 1 = transposed. lda/ldb/ldc are row strides as stored. */
void blas_gemm(int transA, int transB, int M, int N, int K, real alpha,
               const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc);
/* the same contract, three loops, accumulation in double */
void blas_gemm_naive(int transA, int transB, int M, int N, int K, real alpha,
                     const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc);
/* sum of squares of x (n,), accumulated in double */
double blas_sumsq(const real *x, size_t n);
/* ||a - b|| / ||b|| over n entries (0 when both are zero), accumulated in double */
double blas_rel_dist(const real *a, const real *b, size_t n);
#endif
