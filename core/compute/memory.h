/* Tensor memory of the compute seam: where a backend keeps tensors (host memory for the CPU
   backend, device memory for a GPU one) and the copies across to the host, in double (run
   records, checkpoints). Paired with compute/kernels.h. Tasks assemble batches on the host and
   upload them, and download what they evaluate; nothing else crosses. */
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
/* t (n,) [OUT] = host (n,), e.g. a batch assembled on the host */
#define tensor_upload LOFT_NAME(tensor_upload)
void tensor_upload(real *t, const real *host, size_t n);
/* host (n,) [OUT] = t (n,), e.g. logits read out for an evaluation */
#define tensor_download LOFT_NAME(tensor_download)
void tensor_download(real *host, const real *t, size_t n);
/* host (n,) [OUT] = t (n,) */
#define tensor_to_host LOFT_NAME(tensor_to_host)
void tensor_to_host(double *host, const real *t, size_t n);
/* t (n,) [OUT] = host (n,) */
#define tensor_from_host LOFT_NAME(tensor_from_host)
void tensor_from_host(real *t, const double *host, size_t n);

/* index tensors (token ids, labels), the same in both precisions (compute/cpu/index_memory.c) */
int *itensor_alloc_at(size_t n, const char *file, int line);
#define itensor_alloc(n) itensor_alloc_at((n), __FILE__, __LINE__)
void itensor_free(int *t);
/* t (n,) [OUT] = host (n,) */
void itensor_upload(int *t, const int *host, size_t n);
/* dst (n,) [OUT] = src (n,), both tensors */
void itensor_copy(int *dst, const int *src, size_t n);
#endif
