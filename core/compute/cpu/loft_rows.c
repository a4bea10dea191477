/* LoFT-AdamW's per-row pieces on the CPU (compute/kernels.h): the r x r cross terms of each row
   (transport and moment update, by blocks of rows), the Khatri-Rao rows of the held factor and
   the packed cross terms, AdamW's direction. */
#include <math.h>
#include <string.h>
#include "../kernels.h"

/* rows of P per block of loft_cross_terms_step: 32 r x r matrices (32 KiB at r = 16, float) */
#define CROSS_BLOCK_ROWS 32

/* with X = C (exact) or C^T (parity D1): U[i] = P[i] X for the block's rows in one GEMM over the
   stacked (rows r, r) matrix, each r x r block transposed in place (U[i]^T = X^T P[i] for
   symmetric P[i]), then P[i] = U[i]^T X in a second GEMM: X^T P[i] X */
static void transport_block(real *P, int rows, const real *C, int r, int parity_d1, real *work) {
    const int n = rows * r;
    blas_gemm(0, parity_d1, n, r, r, 1, P, r, C, r, 0, work, r);
    for (int i = 0; i < rows; i++) {
        real *U = work + (size_t)i * r * r;
        for (int a = 0; a < r; a++)
            for (int b = a + 1; b < r; b++) {
                real t = U[a * r + b];
                U[a * r + b] = U[b * r + a];
                U[b * r + a] = t;
            }
    }
    blas_gemm(0, parity_d1, n, r, r, 1, work, r, C, r, 0, P, r);
}

void loft_cross_terms_step(real *P, const real *g, const real *C, int rows, int r, int parity_d1, double beta2, real *work) {
    const real rb2 = (real)beta2, rc2 = (real)(1.0 - beta2);
    const size_t rr = (size_t)r * r;
    for (int i0 = 0; i0 < rows; i0 += CROSS_BLOCK_ROWS) {
        const int nb = rows - i0 < CROSS_BLOCK_ROWS ? rows - i0 : CROSS_BLOCK_ROWS;
        real *Pb = P + (size_t)i0 * rr;
        if (C) transport_block(Pb, nb, C, r, parity_d1, work);
        for (int i = 0; i < nb; i++) {
            real *Pi = Pb + (size_t)i * rr;
            const real *gi = g + (size_t)(i0 + i) * r;
            for (int a = 0; a < r; a++)
                for (int b = 0; b < r; b++) Pi[a * r + b] = rb2 * Pi[a * r + b] + rc2 * gi[a] * gi[b];
        }
    }
}

/* columns of K written per pass: the held rows they read stay in L1, the writes are contiguous */
#define KR_COLS 64

void loft_khatri_rao(real *K, const real *H, int hrows, int r, int cross) {
    for (int j0 = 0; j0 < hrows; j0 += KR_COLS) {
        const int nj = hrows - j0 < KR_COLS ? hrows - j0 : KR_COLS;
        const real *h = H + (size_t)j0 * r;
        size_t row = 0;
        for (int a = 0; a < r; a++)
            for (int b = a; b < (cross ? r : a + 1); b++, row++) {
                real *k = K + row * hrows + j0;
                for (int j = 0; j < nj; j++) k[j] = h[(size_t)j * r + a] * h[(size_t)j * r + b];
            }
    }
}

void loft_pack_cross_terms(real *Pp, const real *P, int rows, int r) {
    const int w = loft_packed_width(r);
    for (int i = 0; i < rows; i++) {
        const real *Pi = P + (size_t)i * r * r;
        real *out = Pp + (size_t)i * w;
        for (int a = 0; a < r; a++) {
            *out++ = Pi[a * r + a];
            for (int b = a + 1; b < r; b++) *out++ = Pi[a * r + b] + Pi[b * r + a];
        }
    }
}

void loft_adam_direction(real *M, const real *Q, size_t n, double inv_bc1, double sqrt_bc2, double eps) {
    const real ib = (real)inv_bc1, sb = (real)sqrt_bc2, e = (real)eps;
    for (size_t i = 0; i < n; i++) {
        real q = Q[i] > 0 ? Q[i] : 0;
        M[i] = (M[i] * ib) / (sqrtr(q) / sb + e);
    }
}

void loft_cross_diagonal(real *vhat, const real *P, int rows, int r) {
    for (int i = 0; i < rows; i++)
        for (int a = 0; a < r; a++) vhat[(size_t)i * r + a] = P[(size_t)i * r * r + a * r + a];
}
