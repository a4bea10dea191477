/* The CUDA backend's GEMM (cuBLAS sgemm / dgemm for `real`; TF32 tensor cores for float32 only
   when the run allows it, cuda_backend.cu) and the double-accumulated reductions
   (compute/kernels.h). Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLAS
   gets B first, with the same transpose flags. */
#include "cuda_util.h"

void blas_gemm(int transA, int transB, int M, int N, int K, real alpha,
               const real *A, int lda, const real *B, int ldb, real beta, real *C, int ldc) {
    if (M == 0 || N == 0) return;
    const cublasOperation_t ta = transA ? CUBLAS_OP_T : CUBLAS_OP_N, tb = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
#ifdef LOFT_F32
    CUBLAS_CHECK(cublasSgemm(loft_cublas(), tb, ta, N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc));
#else
    CUBLAS_CHECK(cublasDgemm(loft_cublas(), tb, ta, N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc));
#endif
}

/* partials[block] = sum over the block's share of f(i); the grid is RED_BLOCKS blocks */
static __global__ void sumsq_kernel(double *partials, const real *x, size_t n) {
    double s = 0.0;
    GRID_STRIDE(i, n) s += (double)x[i] * x[i];
    s = block_sum(s);
    if (threadIdx.x == 0) partials[blockIdx.x] = s;
}

static __global__ void rel_dist_kernel(double *partials, const real *a, const real *b, size_t n) {
    double d = 0.0, s = 0.0;
    GRID_STRIDE(i, n) {
        double e = (double)a[i] - b[i];
        d += e * e;
        s += (double)b[i] * b[i];
    }
    d = block_sum(d);
    s = block_sum(s);
    if (threadIdx.x == 0) { partials[blockIdx.x] = d; partials[gridDim.x + blockIdx.x] = s; }
}

double blas_sumsq(const real *x, size_t n) {
    sumsq_kernel<<<RED_BLOCKS, THREADS>>>(loft_cuda_partials(RED_BLOCKS), x, n);
    LAUNCHED();
    return loft_cuda_sum_partials(RED_BLOCKS);
}

double blas_rel_dist(const real *a, const real *b, size_t n) {
    rel_dist_kernel<<<RED_BLOCKS, THREADS>>>(loft_cuda_partials(2 * RED_BLOCKS), a, b, n);
    LAUNCHED();
    double p[2 * RED_BLOCKS], d = 0.0, s = 0.0;
    loft_cuda_read_partials(p, 2 * RED_BLOCKS);
    for (int k = 0; k < RED_BLOCKS; k++) { d += p[k]; s += p[RED_BLOCKS + k]; }
    return s > 0 ? sqrt(d / s) : (d > 0 ? INFINITY : 0.0);
}
