/* LoFT-AdamW's per-row pieces on the GPU (compute/kernels.h), as on the CPU
   (compute/cpu/loft_rows.c): the cross-term transport as two GEMMs over all rows with each r x r
   block transposed in between, the moment updates, the Khatri-Rao rows, AdamW's direction. */
#include "cuda_util.h"

/* U[i] <- U[i]^T for the rows r x r blocks of work (one thread per entry of the upper triangle) */
static __global__ void transpose_blocks_kernel(real *work, int rows, int r) {
    const size_t rr = (size_t)r * r;
    GRID_STRIDE(k, (size_t)rows * rr) {
        const size_t i = k / rr;
        const int a = (int)(k % rr / r), b = (int)(k % r);
        if (b > a) {
            real *U = work + i * rr, t = U[a * r + b];
            U[a * r + b] = U[b * r + a];
            U[b * r + a] = t;
        }
    }
}

void loft_transport_cross_terms(real *P, int rows, const real *C, int r, int parity_d1, real *work) {
    const int n = rows * r;
    if (n == 0) return;
    blas_gemm(0, parity_d1, n, r, r, 1, P, r, C, r, 0, work, r);
    transpose_blocks_kernel<<<grid_for((size_t)n * r), THREADS>>>(work, rows, r);
    LAUNCHED();
    blas_gemm(0, parity_d1, n, r, r, 1, work, r, C, r, 0, P, r);
}

static __global__ void first_moment_kernel(real *mom, const real *g, size_t n, real b1, real c1) {
    GRID_STRIDE(i, n) mom[i] = b1 * mom[i] + c1 * g[i];
}
static __global__ void cross_moment_kernel(real *P, const real *g, int rows, int r, real b2, real c2) {
    const size_t rr = (size_t)r * r;
    GRID_STRIDE(k, (size_t)rows * rr) {
        const size_t i = k / rr;
        const int a = (int)(k % rr / r), b = (int)(k % r);
        P[k] = b2 * P[k] + c2 * g[i * r + a] * g[i * r + b];
    }
}
void loft_moments(real *mom, real *P, const real *g, int rows, int r, double beta1, double beta2) {
    const size_t nr = (size_t)rows * r;
    if (!nr) return;
    first_moment_kernel<<<grid_for(nr), THREADS>>>(mom, g, nr, (real)beta1, (real)(1.0 - beta1));
    LAUNCHED();
    cross_moment_kernel<<<grid_for(nr * r), THREADS>>>(P, g, rows, r, (real)beta2, (real)(1.0 - beta2));
    LAUNCHED();
}

static __global__ void khatri_rao_kernel(real *K, const real *H, int hrows, int r, int cross) {
    const int width = cross ? r * r : r;
    GRID_STRIDE(k, (size_t)width * hrows) {
        const int j = (int)(k % hrows), ab = (int)(k / hrows);
        const int a = cross ? ab / r : ab, b = cross ? ab % r : ab;
        K[k] = H[(size_t)j * r + a] * H[(size_t)j * r + b];
    }
}
void loft_khatri_rao(real *K, const real *H, int hrows, int r, int cross) {
    const size_t n = (size_t)(cross ? r * r : r) * hrows;
    if (!n) return;
    khatri_rao_kernel<<<grid_for(n), THREADS>>>(K, H, hrows, r, cross);
    LAUNCHED();
}

static __global__ void adam_direction_kernel(real *M, const real *Q, size_t n, real ib, real sb, real e) {
    GRID_STRIDE(i, n) {
        real q = Q[i] > 0 ? Q[i] : 0;
        M[i] = (M[i] * ib) / (sqrtr(q) / sb + e);
    }
}
void loft_adam_direction(real *M, const real *Q, size_t n, double inv_bc1, double sqrt_bc2, double eps) {
    if (!n) return;
    adam_direction_kernel<<<grid_for(n), THREADS>>>(M, Q, n, (real)inv_bc1, (real)sqrt_bc2, (real)eps);
    LAUNCHED();
}

static __global__ void cross_diagonal_kernel(real *vhat, const real *P, int rows, int r) {
    GRID_STRIDE(k, (size_t)rows * r) {
        const size_t i = k / r;
        const int a = (int)(k % r);
        vhat[k] = P[i * r * r + a * r + a];
    }
}
void loft_cross_diagonal(real *vhat, const real *P, int rows, int r) {
    if ((size_t)rows * r == 0) return;
    cross_diagonal_kernel<<<grid_for((size_t)rows * r), THREADS>>>(vhat, P, rows, r);
    LAUNCHED();
}
