/* AdamW's per-step constants, computed on the host in double and rounded to `real` once, for
   every backend (cpu/adamw.c, cuda/adamw.cu): the CPU and the GPU step then start from the same
   numbers. Internal to compute/. */
#ifndef LOFT_COMPUTE_ADAM_CONSTS_H
#define LOFT_COMPUTE_ADAM_CONSTS_H
#include <math.h>
#include "../real.h"

typedef struct { real b1, c1, b2, c2, keep, step_size, sqrt_bc2, eps; } AdamConsts;

/* bc = 1 - beta^step; keep = 1 - decay (decoupled weight decay); step_size = lr / bc1 */
static inline AdamConsts adam_consts(double lr, double beta1, double beta2, double eps, double decay, long step) {
    const double bc1 = 1.0 - pow(beta1, (double)step), bc2 = 1.0 - pow(beta2, (double)step);
    AdamConsts k = { (real)beta1, (real)(1.0 - beta1), (real)beta2, (real)(1.0 - beta2),
                     (real)(1.0 - decay), (real)(lr / bc1), (real)sqrt(bc2), (real)eps };
    return k;
}
#endif
