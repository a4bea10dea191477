/* The CPU backend's r x r solvers (compute/kernels.h): its tensors are host memory, so the host
   code every backend shares (host/small_linalg.c) works on them directly. */
#include "../kernels.h"
#include "../host/small_linalg.h"

int sym_pinv(real *S, const real *G, int r, double damping) { return host_sym_pinv(S, G, r, damping); }

void sym_sylvester(real *X, const real *P, const real *Q, const real *C, int r) { host_sym_sylvester(X, P, Q, C, r); }
