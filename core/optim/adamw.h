/* The AdamW kernels every optimizer in the harness shares: the moment update and the decoupled
   parameter update. LoRA, the plain tensors of LoFT, and LoFT's factor-space step call these
   same two functions, which is what makes "LoFT with every block off == LoRA" hold bit for bit. */
#ifndef LOFT_ADAMW_H
#define LOFT_ADAMW_H
#include <stddef.h>
#include "../real.h"

/* m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2.   m, v [OUT] and g are (n,) */
void adam_moments(real *m, real *v, const real *g, size_t n, double beta1, double beta2);
/* p = p (1 - decay) - (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps), with bc = 1 - beta^step.
   decay = lr * weight_decay for decoupled AdamW. p [OUT], m, v are (n,) */
void adamw_apply(real *p, const real *m, const real *v, size_t n, double lr, double beta1,
                 double beta2, double eps, double decay, long step);
/* adam_moments then adamw_apply in one pass over memory (identical results). p, m, v [OUT] */
void adamw_step(real *p, real *m, real *v, const real *g, size_t n, double lr, double beta1,
                double beta2, double eps, double decay, long step);
#endif
