/* DoRA's per-output-row norms and scalings on the CPU (compute/kernels.h). */
#include <math.h>
#include "../kernels.h"

static double row_norm(const real *row, int in) {
    double s = 0.0;
    for (int i = 0; i < in; i++) s += (double)row[i] * row[i];
    return sqrt(s);
}

void row_norms(real *mag, const real *W, int in, int out) {
    for (int o = 0; o < out; o++) mag[o] = (real)row_norm(W + (size_t)o * in, in);
}

void dora_rows_forward(real *norm, real *Wd, const real *V, const real *mag, const real *frozen_norm,
                       double floor, int in, int out) {
    for (int o = 0; o < out; o++) {
        double nv = frozen_norm ? (double)frozen_norm[o] : row_norm(V + (size_t)o * in, in);
        norm[o] = (real)(nv > floor ? nv : floor);
        real f = mag[o] / norm[o];
        for (int i = 0; i < in; i++) Wd[(size_t)o * in + i] = f * V[(size_t)o * in + i];
    }
}

void dora_rows_backward(real *dmag, real *dV, const real *dWd, const real *V, const real *norm, const real *mag,
                        int in, int out) {
    for (int o = 0; o < out; o++) {
        const real *g = dWd + (size_t)o * in, *v = V + (size_t)o * in;
        double dm = 0.0;
        for (int i = 0; i < in; i++) dm += (double)g[i] * v[i];
        dmag[o] += (real)(dm / norm[o]);                 /* Wd = mag V / norm */
        real f = mag[o] / norm[o];                       /* norm detached: dV = dWd mag / norm */
        for (int i = 0; i < in; i++) dV[(size_t)o * in + i] = f * g[i];
    }
}
