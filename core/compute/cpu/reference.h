/* Naive twins of the CPU backend's fast kernels, kept as the references the tests compare
   with (llm.c's habit). Not part of the compute seam: a second backend need not provide them. */
#ifndef LOFT_COMPUTE_CPU_REFERENCE_H
#define LOFT_COMPUTE_CPU_REFERENCE_H
#include "../kernels.h"

/* the contract of blas_gemm, three loops, accumulation in double */
#define blas_gemm_naive LOFT_NAME(blas_gemm_naive)
void blas_gemm_naive(int transA, int transB, int M, int N, int K, real alpha,
                     const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc);
#endif
