/* AdamW moment and parameter updates (the form of torch.optim.AdamW). The per-element arithmetic
   lives in two inline functions, so the fused and the two-pass forms give identical bits. Also
   the element-wise pieces of AltLoRA+ (a second moment without bias correction). */
#include <math.h>
#include "../kernels.h"
#include "../adam_consts.h"

static inline void moment_elem(real *m, real *v, real g, const AdamConsts *k) {
    *m = k->b1 * *m + k->c1 * g;
    *v = k->b2 * *v + k->c2 * g * g;
}

static inline real apply_elem(real p, real m, real v, const AdamConsts *k) {
    real denom = sqrtr(v) / k->sqrt_bc2 + k->eps;
    return p * k->keep - k->step_size * (m / denom);
}

void adam_moments(real *m, real *v, const real *g, size_t n, double beta1, double beta2) {
    AdamConsts k = adam_consts(0, beta1, beta2, 0, 0, 1);
    for (size_t i = 0; i < n; i++) moment_elem(&m[i], &v[i], g[i], &k);
}

void adamw_apply(real *p, const real *m, const real *v, size_t n, double lr, double beta1,
                 double beta2, double eps, double decay, long step) {
    AdamConsts k = adam_consts(lr, beta1, beta2, eps, decay, step);
    for (size_t i = 0; i < n; i++) p[i] = apply_elem(p[i], m[i], v[i], &k);
}

void adamw_step(real *p, real *m, real *v, const real *g, size_t n, double lr, double beta1,
                double beta2, double eps, double decay, long step) {
    AdamConsts k = adam_consts(lr, beta1, beta2, eps, decay, step);
    for (size_t i = 0; i < n; i++) {
        moment_elem(&m[i], &v[i], g[i], &k);
        p[i] = apply_elem(p[i], m[i], v[i], &k);
    }
}

void sq_moment(real *v, const real *g, size_t n, double beta2) {
    const real b2 = (real)beta2, c2 = (real)(1.0 - beta2);
    for (size_t i = 0; i < n; i++) v[i] = v[i] * b2 + c2 * g[i] * g[i];
}

void precond_step(real *p, const real *u, const real *v, size_t n, double step, double eps) {
    const real s = (real)step, e = (real)eps;
    for (size_t i = 0; i < n; i++) p[i] -= s * (u[i] / (sqrtr(v[i]) + e));
}
