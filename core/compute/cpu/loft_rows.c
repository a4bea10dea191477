/* LoFT-AdamW's per-row pieces on the CPU (compute/kernels.h): the r x r cross terms of each row
   (transport and moment update), the Khatri-Rao rows of the held factor, AdamW's direction. */
#include <math.h>
#include <string.h>
#include "../kernels.h"

void loft_transport_cross_terms(real *P, int rows, const real *C, int r, int parity_d1, real *work) {
    real *t = work, *out = work + r * r;
    for (int i = 0; i < rows; i++) {
        real *Pi = P + (size_t)i * r * r;
        if (parity_d1) { small_matmul(t, Pi, 0, C, 1, r); small_matmul(out, C, 0, t, 0, r); }
        else           { small_matmul(t, Pi, 0, C, 0, r); small_matmul(out, C, 1, t, 0, r); }
        memcpy(Pi, out, sizeof(real) * r * r);
    }
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
