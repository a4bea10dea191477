/* The r x r solvers on host arrays (host/small_linalg.c), shared by the backends: their
   sym_pinv and sym_sylvester (compute/kernels.h, same contracts) bring the tensors to the host
   and call these. Internal to compute/. */
#ifndef LOFT_COMPUTE_HOST_SMALL_LINALG_H
#define LOFT_COMPUTE_HOST_SMALL_LINALG_H
#include "../../real.h"
/* S (r,r) [OUT] = (G (r,r) + damping I)^+, host arrays; returns the numerical rank */
#define host_sym_pinv LOFT_NAME(host_sym_pinv)
int host_sym_pinv(real *S, const real *G, int r, double damping);
/* X (r,r) [OUT] solving P X + X Q = C, host arrays */
#define host_sym_sylvester LOFT_NAME(host_sym_sylvester)
void host_sym_sylvester(real *X, const real *P, const real *Q, const real *C, int r);
#endif
