/* The CUDA backend's r x r solvers (compute/kernels.h): the matrices are copied to host arrays
   (cudaMemcpy waits for the kernels that wrote them), solved by the host code every backend shares
   (host/small_linalg.c, in double) and copied back. Explicit copies of r^2 numbers instead of
   host reads of unified memory: no page migrates back and forth on every optimizer step. */
#include <stdlib.h>
#include "cuda_util.h"
extern "C" {
#include "../host/small_linalg.h"
}

static real *to_host(const real *t, size_t n) {
    real *h = (real *)malloc(sizeof(real) * (n ? n : 1));
    if (!h) loft_cuda_fail("malloc", "out of host memory", __FILE__, __LINE__);
    CUDA_CHECK(cudaMemcpy(h, t, sizeof(real) * n, cudaMemcpyDefault));
    return h;
}

int sym_pinv(real *S, const real *G, int r, double damping) {
    const size_t rr = (size_t)r * r;
    real *g = to_host(G, rr), *s = (real *)malloc(sizeof(real) * (rr ? rr : 1));
    if (!s) loft_cuda_fail("malloc", "out of host memory", __FILE__, __LINE__);
    const int rank = host_sym_pinv(s, g, r, damping);
    CUDA_CHECK(cudaMemcpy(S, s, sizeof(real) * rr, cudaMemcpyDefault));
    free(g);
    free(s);
    return rank;
}

void sym_sylvester(real *X, const real *P, const real *Q, const real *C, int r) {
    const size_t rr = (size_t)r * r;
    real *p = to_host(P, rr), *q = to_host(Q, rr), *c = to_host(C, rr), *x = (real *)malloc(sizeof(real) * (rr ? rr : 1));
    if (!x) loft_cuda_fail("malloc", "out of host memory", __FILE__, __LINE__);
    host_sym_sylvester(x, p, q, c, r);
    CUDA_CHECK(cudaMemcpy(X, x, sizeof(real) * rr, cudaMemcpyDefault));
    free(p); free(q); free(c); free(x);
}
