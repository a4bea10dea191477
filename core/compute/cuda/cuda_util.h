/* What the CUDA backend's files share (C++, nvcc): the seam's headers with C linkage, error
   checks that name file:line, the one cuBLAS handle, launch geometry, block reductions in
   double and the host-summed partials that make every reduction deterministic. Internal to
   compute/cuda/. */
#ifndef LOFT_CUDA_UTIL_H
#define LOFT_CUDA_UTIL_H
#include <math.h>
#include <stddef.h>
#include <cuda_runtime.h>
#include <cublas_v2.h>
#include "../../real.h"
extern "C" {
#include "../backend.h"
#include "../kernels.h"
#include "../memory.h"
/* cuda_backend.cu: the device, once per process (lazily if compute_select was not called) */
cublasHandle_t loft_cublas(void);
/* a CUDA or cuBLAS call failed: prints what and where, exits (a run cannot go on without its device) */
void loft_cuda_fail(const char *what, const char *detail, const char *file, int line);
/* after a kernel launch: the launch error if any; with LOFT_CUDA_SYNC=1 in the environment, waits
   for the kernel and reports its error at the launch that caused it (debugging) */
void loft_cuda_launched(const char *file, int line);
/* zeroed unified memory of `bytes` (at least 1), the device idle after (the host may write it
   next); exits naming `what`, file:line when the GPU has no room */
void *loft_cuda_managed(size_t bytes, const char *what, const char *file, int line);
/* a device buffer of at least n doubles for reduction partials (grown as needed, one per process) */
double *loft_cuda_partials(size_t n);
/* the sum, in index order on the host, of the n partials the last kernel wrote (waits for it) */
double loft_cuda_sum_partials(size_t n);
/* the n partials copied to host (waits), for reductions that need more than their sum */
void loft_cuda_read_partials(double *host, size_t n);
}

#define CUDA_CHECK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) loft_cuda_fail(#x, cudaGetErrorString(e_), __FILE__, __LINE__); } while (0)
#define CUBLAS_CHECK(x) do { cublasStatus_t s_ = (x); if (s_ != CUBLAS_STATUS_SUCCESS) loft_cuda_fail(#x, cublasGetStatusString(s_), __FILE__, __LINE__); } while (0)
#define LAUNCHED() loft_cuda_launched(__FILE__, __LINE__)

#define THREADS 256
/* blocks for a grid-stride loop over n items (capped: each thread then loops) */
static inline unsigned grid_for(size_t n) {
    size_t b = (n + THREADS - 1) / THREADS;
    return (unsigned)(b < 1 ? 1 : b > 65535 ? 65535 : b);
}
/* the fixed grid of the reductions (its partials are summed on the host in order) */
#define RED_BLOCKS 256

#define GRID_STRIDE(i, n) for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

/* the sum over a warp, in double; every lane gets it */
static __device__ inline double warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
static __device__ inline real warp_max(real v) {
    for (int o = 16; o > 0; o >>= 1) { real w = __shfl_xor_sync(0xffffffffu, v, o); v = w > v ? w : v; }
    return v;
}
/* the sum over the block (blockDim.x a multiple of 32, at most 1024), in double; thread 0 gets it
   (the others get partial values). Callable more than once per kernel (it syncs first). */
static __device__ inline double block_sum(double v) {
    __shared__ double part[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) part[warp] = v;
    __syncthreads();
    double s = 0.0;
    if (warp == 0) {
        s = lane < nw ? part[lane] : 0.0;
        s = warp_sum(s);
    }
    return s;
}
/* the maximum over the block, every thread gets it */
static __device__ inline real block_max(real v) {
    __shared__ real part[32];
    __shared__ real result;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) part[warp] = v;
    __syncthreads();
    if (warp == 0) {
        real m = lane < nw ? part[lane] : (real)-INFINITY;
        m = warp_max(m);
        if (lane == 0) result = m;
    }
    __syncthreads();
    return result;
}
#endif
