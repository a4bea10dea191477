/* LoFT-AdamW's per-row pieces on the CPU (compute/kernels.h): the r x r cross terms of each row
   (transport and moment update), the Khatri-Rao rows of the held factor, AdamW's direction. */
#include <math.h>
#include <string.h>
#include "../kernels.h"

/* with X = C (exact) or C^T (parity D1): U[i] = P[i] X for every row in one GEMM over the
   stacked (rows r, r) matrix, each r x r block transposed in place (U[i]^T = X^T P[i] for
   symmetric P[i]), then P[i] = U[i]^T X in a second GEMM: X^T P[i] X */
void loft_transport_cross_terms(real *P, int rows, const real *C, int r, int parity_d1, real *work) {
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

void loft_moments(real *mom, real *P, const real *g, int rows, int r, double beta1, double beta2) {
    const real rb1 = (real)beta1, rc1 = (real)(1.0 - beta1), rb2 = (real)beta2, rc2 = (real)(1.0 - beta2);
    const size_t nr = (size_t)rows * r;
    for (size_t i = 0; i < nr; i++) mom[i] = rb1 * mom[i] + rc1 * g[i];
    for (int i = 0; i < rows; i++) {
        real *Pi = P + (size_t)i * r * r;
        const real *gi = g + (size_t)i * r;
        for (int a = 0; a < r; a++)
            for (int b = 0; b < r; b++) Pi[a * r + b] = rb2 * Pi[a * r + b] + rc2 * gi[a] * gi[b];
    }
}

void loft_khatri_rao(real *K, const real *H, int hrows, int r, int cross) {
    for (int j = 0; j < hrows; j++) {
        const real *h = H + (size_t)j * r;
        if (cross) { for (int a = 0; a < r; a++) for (int b = 0; b < r; b++) K[(size_t)(a * r + b) * hrows + j] = h[a] * h[b]; }
        else       { for (int a = 0; a < r; a++) K[(size_t)a * hrows + j] = h[a] * h[a]; }
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
