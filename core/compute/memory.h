/* Tensor memory of the compute seam: where a backend keeps tensors (host memory for the CPU
   backend, device memory for a GPU one) and the copies across to the host, in double (run
   records, checkpoints). Paired with compute/kernels.h. */
#ifndef LOFT_COMPUTE_MEMORY_H
#define LOFT_COMPUTE_MEMORY_H
#include <stddef.h>
#include "../real.h"

/* a zeroed tensor of n numbers; exits naming file:line when memory runs out */
#define tensor_alloc_at LOFT_NAME(tensor_alloc_at)
real *tensor_alloc_at(size_t n, const char *file, int line);
#define tensor_alloc(n) tensor_alloc_at((n), __FILE__, __LINE__)
#define tensor_free LOFT_NAME(tensor_free)
void tensor_free(real *t);
/* host (n,) [OUT] = t (n,) */
#define tensor_to_host LOFT_NAME(tensor_to_host)
void tensor_to_host(double *host, const real *t, size_t n);
/* t (n,) [OUT] = host (n,) */
#define tensor_from_host LOFT_NAME(tensor_from_host)
void tensor_from_host(real *t, const double *host, size_t n);
#endif
