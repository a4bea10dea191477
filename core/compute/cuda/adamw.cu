/* AdamW moment and parameter updates on the GPU (compute/kernels.h), with the CPU backend's
   per-element arithmetic (compute/cpu/adamw.c): constants computed on the host in double and
   rounded to `real` the same way, so a GPU step matches the CPU step up to the device's
   sqrt and division rounding. Also AltLoRA+'s uncorrected second moment and its step. */
#include "cuda_util.h"
#include "../adam_consts.h"

static __device__ inline void moment_elem(real *m, real *v, real g, const AdamConsts &k) {
    *m = k.b1 * *m + k.c1 * g;
    *v = k.b2 * *v + k.c2 * g * g;
}

static __device__ inline real apply_elem(real p, real m, real v, const AdamConsts &k) {
    real denom = sqrtr(v) / k.sqrt_bc2 + k.eps;
    return p * k.keep - k.step_size * (m / denom);
}

static __global__ void moments_kernel(real *m, real *v, const real *g, size_t n, AdamConsts k) {
    GRID_STRIDE(i, n) moment_elem(&m[i], &v[i], g[i], k);
}
static __global__ void apply_kernel(real *p, const real *m, const real *v, size_t n, AdamConsts k) {
    GRID_STRIDE(i, n) p[i] = apply_elem(p[i], m[i], v[i], k);
}
static __global__ void step_kernel(real *p, real *m, real *v, const real *g, size_t n, AdamConsts k) {
    GRID_STRIDE(i, n) {
        moment_elem(&m[i], &v[i], g[i], k);
        p[i] = apply_elem(p[i], m[i], v[i], k);
    }
}

void adam_moments(real *m, real *v, const real *g, size_t n, double beta1, double beta2) {
    if (!n) return;
    moments_kernel<<<grid_for(n), THREADS>>>(m, v, g, n, adam_consts(0, beta1, beta2, 0, 0, 1));
    LAUNCHED();
}

void adamw_apply(real *p, const real *m, const real *v, size_t n, double lr, double beta1,
                 double beta2, double eps, double decay, long step) {
    if (!n) return;
    apply_kernel<<<grid_for(n), THREADS>>>(p, m, v, n, adam_consts(lr, beta1, beta2, eps, decay, step));
    LAUNCHED();
}

void adamw_step(real *p, real *m, real *v, const real *g, size_t n, double lr, double beta1,
                double beta2, double eps, double decay, long step) {
    if (!n) return;
    step_kernel<<<grid_for(n), THREADS>>>(p, m, v, g, n, adam_consts(lr, beta1, beta2, eps, decay, step));
    LAUNCHED();
}

static __global__ void sq_moment_kernel(real *v, const real *g, size_t n, real b2, real c2) {
    GRID_STRIDE(i, n) v[i] = v[i] * b2 + c2 * g[i] * g[i];
}
void sq_moment(real *v, const real *g, size_t n, double beta2) {
    if (!n) return;
    sq_moment_kernel<<<grid_for(n), THREADS>>>(v, g, n, (real)beta2, (real)(1.0 - beta2));
    LAUNCHED();
}

static __global__ void precond_step_kernel(real *p, const real *u, const real *v, size_t n, real s, real e) {
    GRID_STRIDE(i, n) p[i] -= s * (u[i] / (sqrtr(v[i]) + e));
}
void precond_step(real *p, const real *u, const real *v, size_t n, double step, double eps) {
    if (!n) return;
    precond_step_kernel<<<grid_for(n), THREADS>>>(p, u, v, n, (real)step, (real)eps);
    LAUNCHED();
}
