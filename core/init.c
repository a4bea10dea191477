/* Initialisers: uniform, normal, torch.nn.Linear default. */
#include <math.h>
#include "compute/backend.h"
#include "init.h"

void init_uniform(real *x, size_t n, double lo, double hi, Rng *rng) {
    compute_host_access();   /* written on the host (a GPU backend's tensors are unified memory) */
    for (size_t i = 0; i < n; i++) x[i] = (real)(lo + (hi - lo) * rng_uniform(rng));
}

void init_normal(real *x, size_t n, double mean, double std, Rng *rng) {
    compute_host_access();
    for (size_t i = 0; i < n; i++) x[i] = (real)(mean + std * rng_normal(rng));
}

void init_linear_uniform(real *W, int out, int in, Rng *rng) {
    /* kaiming_uniform(a = sqrt(5)): gain sqrt(2 / (1 + 5)), bound gain * sqrt(3 / in) = 1 / sqrt(in) */
    double bound = 1.0 / sqrt((double)in);
    init_uniform(W, (size_t)out * in, -bound, bound, rng);
}
