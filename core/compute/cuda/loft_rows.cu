/* LoFT-AdamW's per-row pieces on the GPU (compute/kernels.h), as on the CPU
   (compute/cpu/loft_rows.c): the cross-term transport as two GEMMs over all rows with each r x r
   block transposed in between, the cross terms' moment update, the Khatri-Rao rows and the packed cross
   terms, AdamW's direction. */
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

static void transport_cross_terms(real *P, int rows, const real *C, int r, int parity_d1, real *work) {
    const int n = rows * r;
    blas_gemm(0, parity_d1, n, r, r, 1, P, r, C, r, 0, work, r);
    transpose_blocks_kernel<<<grid_for((size_t)n * r), THREADS>>>(work, rows, r);
    LAUNCHED();
    blas_gemm(0, parity_d1, n, r, r, 1, work, r, C, r, 0, P, r);
}

static __global__ void cross_moment_kernel(real *P, const real *g, int rows, int r, real b2, real c2) {
    const size_t rr = (size_t)r * r;
    GRID_STRIDE(k, (size_t)rows * rr) {
        const size_t i = k / rr;
        const int a = (int)(k % rr / r), b = (int)(k % r);
        P[k] = b2 * P[k] + c2 * g[i * r + a] * g[i * r + b];
    }
}
/* all rows at once: the transport's two GEMMs, then the moment update */
void loft_cross_terms_step(real *P, const real *g, const real *C, int rows, int r, int parity_d1, double beta2, real *work) {
    if ((size_t)rows * r == 0) return;
    if (C) transport_cross_terms(P, rows, C, r, parity_d1, work);
    cross_moment_kernel<<<grid_for((size_t)rows * r * r), THREADS>>>(P, g, rows, r, (real)beta2, (real)(1.0 - beta2));
    LAUNCHED();
}

/* first packed row of the pairs (a, b), b >= a: a r - a (a - 1) / 2 */
static __device__ int pair_row(int a, int r) { return a * r - a * (a - 1) / 2; }

/* one thread per (a, held row j): the pairs (a, b >= a), or (a, a) alone without cross terms;
   consecutive threads take consecutive j, so the writes of K's rows coalesce */
static __global__ void khatri_rao_kernel(real *K, const real *H, int hrows, int r, int cross) {
    GRID_STRIDE(k, (size_t)r * hrows) {
        const int j = (int)(k % hrows), a = (int)(k / hrows);
        const real *h = H + (size_t)j * r;
        if (!cross) { K[k] = h[a] * h[a]; continue; }
        const size_t row = (size_t)pair_row(a, r);
        for (int b = a; b < r; b++) K[(row + b - a) * hrows + j] = h[a] * h[b];
    }
}
void loft_khatri_rao(real *K, const real *H, int hrows, int r, int cross) {
    const size_t n = (size_t)r * hrows;
    if (!n) return;
    khatri_rao_kernel<<<grid_for(n), THREADS>>>(K, H, hrows, r, cross);
    LAUNCHED();
}

/* one thread per (row i, a): the packed pairs (a, b >= a) of P[i] */
static __global__ void pack_cross_terms_kernel(real *Pp, const real *P, int rows, int r) {
    const int w = r * (r + 1) / 2;
    GRID_STRIDE(k, (size_t)rows * r) {
        const size_t i = k / r;
        const int a = (int)(k % r);
        const real *Pi = P + i * r * r;
        real *out = Pp + i * w + pair_row(a, r);
        out[0] = Pi[a * r + a];
        for (int b = a + 1; b < r; b++) out[b - a] = Pi[a * r + b] + Pi[b * r + a];
    }
}
void loft_pack_cross_terms(real *Pp, const real *P, int rows, int r) {
    const size_t n = (size_t)rows * r;
    if (!n) return;
    pack_cross_terms_kernel<<<grid_for(n), THREADS>>>(Pp, P, rows, r);
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
