/* Tensor memory of the CUDA backend (compute/memory.h): unified (managed) memory, zeroed before
   it is returned. Copies to and from the host wait for the kernels queued before them. */
#include <stdio.h>
#include <stdlib.h>
#include "cuda_util.h"

real *tensor_alloc_at(size_t n, const char *file, int line) {
    char what[64];
    snprintf(what, sizeof what, "a tensor of %zu numbers", n);
    return (real *)loft_cuda_managed(sizeof(real) * n, what, file, line);
}

void tensor_free(real *t) { if (t) CUDA_CHECK(cudaFree(t)); }

void tensor_upload(real *t, const real *host, size_t n) {
    if (t != host && n) CUDA_CHECK(cudaMemcpy(t, host, sizeof(real) * n, cudaMemcpyDefault));
}

void tensor_download(real *host, const real *t, size_t n) {
    if (t != host && n) CUDA_CHECK(cudaMemcpy(host, t, sizeof(real) * n, cudaMemcpyDefault));
}

static __global__ void widen(double *out, const real *in, size_t n) { GRID_STRIDE(i, n) out[i] = (double)in[i]; }
static __global__ void narrow(real *out, const double *in, size_t n) { GRID_STRIDE(i, n) out[i] = (real)in[i]; }

/* through a device staging buffer in double, converted on the device */
void tensor_to_host(double *host, const real *t, size_t n) {
    if (!n) return;
    double *stage = NULL;
    CUDA_CHECK(cudaMalloc((void **)&stage, sizeof(double) * n));
    widen<<<grid_for(n), THREADS>>>(stage, t, n);
    LAUNCHED();
    CUDA_CHECK(cudaMemcpy(host, stage, sizeof(double) * n, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(stage));
}

void tensor_from_host(real *t, const double *host, size_t n) {
    if (!n) return;
    double *stage = NULL;
    CUDA_CHECK(cudaMalloc((void **)&stage, sizeof(double) * n));
    CUDA_CHECK(cudaMemcpy(stage, host, sizeof(double) * n, cudaMemcpyHostToDevice));
    narrow<<<grid_for(n), THREADS>>>(t, stage, n);
    LAUNCHED();
    CUDA_CHECK(cudaFree(stage));   /* cudaFree waits for the kernel */
}
