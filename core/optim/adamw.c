/* AdamW moment and parameter updates (the form of torch.optim.AdamW). */
#include <math.h>
#include "adamw.h"

void adam_moments(real *m, real *v, const real *g, size_t n, double beta1, double beta2) {
    const real b1 = (real)beta1, b2 = (real)beta2, c1 = (real)(1.0 - beta1), c2 = (real)(1.0 - beta2);
    for (size_t i = 0; i < n; i++) {
        m[i] = b1 * m[i] + c1 * g[i];
        v[i] = b2 * v[i] + c2 * g[i] * g[i];
    }
}

void adamw_apply(real *p, const real *m, const real *v, size_t n, double lr, double beta1,
                 double beta2, double eps, double decay, long step) {
    const double bc1 = 1.0 - pow(beta1, (double)step), bc2 = 1.0 - pow(beta2, (double)step);
    const real keep = (real)(1.0 - decay), step_size = (real)(lr / bc1);
    const real sqrt_bc2 = (real)sqrt(bc2), e = (real)eps;
    for (size_t i = 0; i < n; i++) {
        real denom = sqrtr(v[i]) / sqrt_bc2 + e;
        p[i] = p[i] * keep - step_size * (m[i] / denom);
    }
}
