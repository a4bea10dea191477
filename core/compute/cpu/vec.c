/* Elementwise vector kernels of the CPU backend (compute/kernels.h), plain loops. */
#include <string.h>
#include "../kernels.h"

void vec_zero(real *x, size_t n) { memset(x, 0, sizeof(real) * n); }

void vec_copy(real *dst, const real *src, size_t n) { memcpy(dst, src, sizeof(real) * n); }

void vec_add(real *out, const real *a, const real *b, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void vec_scale(real *x, real s, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

void vec_axpby(real *y, real a, const real *x, real b, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = y[i] * b + a * x[i];
}

double vec_dot(const real *x, const real *y, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)x[i] * y[i];
    return s;
}

int vec_any_nonzero(const real *x, size_t n) {
    for (size_t i = 0; i < n; i++) if (x[i] != 0) return 1;
    return 0;
}

int vec_equal(const real *x, const real *y, size_t n) { return memcmp(x, y, sizeof(real) * n) == 0; }

void vec_fill(real *x, real v, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = v;
}

void mat_identity(real *S, int r) {
    for (int i = 0; i < r * r; i++) S[i] = (i % (r + 1)) == 0;
}
