/* Parameter initialisers for the `real` type, drawing from a run's Rng: uniform, normal, and
   torch.nn.Linear's default (kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in))). */
#ifndef LOFT_INIT_H
#define LOFT_INIT_H
#include <stddef.h>
#include "real.h"
#include "rng.h"

#define init_uniform LOFT_NAME(init_uniform)
void init_uniform(real *x, size_t n, double lo, double hi, Rng *rng);   /* x (n,) */
#define init_normal LOFT_NAME(init_normal)
void init_normal(real *x, size_t n, double mean, double std, Rng *rng); /* x (n,) */
/* W (out,in) like torch.nn.Linear.weight; the bias (out,) of such a layer uses the same bound */
#define init_linear_uniform LOFT_NAME(init_linear_uniform)
void init_linear_uniform(real *W, int out, int in, Rng *rng);
#endif
