/* The CUDA backend as a whole (compute/backend.h), precision-free: the device (the first GPU),
   its cuBLAS handle and math mode (TF32 or full float32), the description recorded with every
   run, the host-access wait, error reporting and the reduction partials. Kernels run in order on
   the legacy default stream; tensors are unified (managed) memory, so the host code every backend
   shares (compute/host/) and the few init-time host writes work after compute_host_access(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cuda_util.h"

static cublasHandle_t handle;
static int ready, tf32_on, sync_each;
static char description[512];
static double *partials;
static size_t npartials;

void loft_cuda_fail(const char *what, const char *detail, const char *file, int line) {
    fprintf(stderr, "error: CUDA: %s failed at %s:%d: %s\n", what, file, line, detail);
    exit(EXIT_FAILURE);
}

void loft_cuda_launched(const char *file, int line) {
    cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess && sync_each) e = cudaDeviceSynchronize();
    if (e != cudaSuccess) loft_cuda_fail("a kernel launch", cudaGetErrorString(e), file, line);
}

/* 0, or -1 with the reason (no driver, no device) */
static int open_device(char *err, size_t errlen) {
    if (ready) return 0;
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        snprintf(err, errlen, "device: cuda, but no CUDA device can be used here (%s)",
                 e != cudaSuccess ? cudaGetErrorString(e) : "cudaGetDeviceCount found 0 devices");
        return -1;
    }
    CUDA_CHECK(cudaSetDevice(0));
    CUBLAS_CHECK(cublasCreate(&handle));
    const char *s = getenv("LOFT_CUDA_SYNC");
    sync_each = s && strcmp(s, "1") == 0;
    ready = 1;
    return 0;
}

static void describe(void) {
    cudaDeviceProp p;
    int rt = 0, drv = 0, cublas = 0;
    CUDA_CHECK(cudaGetDeviceProperties(&p, 0));
    cudaRuntimeGetVersion(&rt);
    cudaDriverGetVersion(&drv);
    cublasGetVersion(handle, &cublas);
    cudaGetLastError();   /* a failed version query must not be reported at the next launch */
    snprintf(description, sizeof description, "CUDA %s (sm_%d%d, %.0f GiB), runtime %d.%d, driver %d.%d, cuBLAS %d, TF32 %s%s",
             p.name, p.major, p.minor, p.totalGlobalMem / 1073741824.0, rt / 1000, rt % 1000 / 10, drv / 1000,
             drv % 1000 / 10, cublas, tf32_on ? "on" : "off", sync_each ? ", LOFT_CUDA_SYNC=1" : "");
}

cublasHandle_t loft_cublas(void) {
    if (!ready) {
        char err[256];
        if (open_device(err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); exit(EXIT_FAILURE); }
        describe();
    }
    return handle;
}

int compute_select(const char *device, int tf32, char *err, size_t errlen) {
    if (strcmp(device, "cuda") != 0) {
        snprintf(err, errlen, "key 'device' = %s: this build (loft-cuda) computes on the GPU only; build/loft runs device: %s",
                 device, device);
        return -1;
    }
    if (open_device(err, errlen) != 0) return -1;
    tf32_on = tf32;
    /* float32 GEMMs: TF32 tensor cores when allowed, else full float32; double GEMMs are unaffected */
    CUBLAS_CHECK(cublasSetMathMode(handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    describe();
    return 0;
}

const char *compute_backend(void) {
    if (!ready) return "CUDA (no device opened)";
    return description;
}

const char *compute_device(void) { return "cuda"; }

/* the GPU's parallelism is its own; the host runs only the r x r solvers (single-threaded loops) */
void compute_set_threads(int n) { (void)n; }

void compute_parallel(int n, void (*fn)(void *ctx, int i), void *ctx) {
    for (int i = 0; i < n; i++) fn(ctx, i);   /* in turn: the GPU is the parallelism */
}

void compute_host_access(void) {
    if (ready) CUDA_CHECK(cudaDeviceSynchronize());
}

double *loft_cuda_partials(size_t n) {
    if (n > npartials) {
        if (partials) CUDA_CHECK(cudaFree(partials));
        CUDA_CHECK(cudaMalloc((void **)&partials, sizeof(double) * n));
        npartials = n;
    }
    return partials;
}

void loft_cuda_read_partials(double *host, size_t n) {
    CUDA_CHECK(cudaMemcpy(host, partials, sizeof(double) * n, cudaMemcpyDeviceToHost));
}

double loft_cuda_sum_partials(size_t n) {
    double buf[1024], s = 0.0;
    for (size_t k = 0; k < n; k += 1024) {
        size_t m = n - k < 1024 ? n - k : 1024;
        CUDA_CHECK(cudaMemcpy(buf, partials + k, sizeof(double) * m, cudaMemcpyDeviceToHost));
        for (size_t i = 0; i < m; i++) s += buf[i];
    }
    return s;
}

void *loft_cuda_managed(size_t bytes, const char *what, const char *file, int line) {
    loft_cublas();   /* the device opens here if nothing opened it yet */
    void *p = NULL;
    if (!bytes) bytes = 1;
    if (cudaMallocManaged(&p, bytes, cudaMemAttachGlobal) != cudaSuccess) {
        fprintf(stderr, "error: out of GPU memory allocating %s at %s:%d\n", what, file, line);
        exit(EXIT_FAILURE);
    }
    CUDA_CHECK(cudaMemset(p, 0, bytes));
    CUDA_CHECK(cudaDeviceSynchronize());   /* the host may write it next (initialisers) */
    return p;
}

/* ---- index tensors (compute/memory.h), managed like the others ---- */
int *itensor_alloc_at(size_t n, const char *file, int line) {
    char what[64];
    snprintf(what, sizeof what, "%zu indices", n);
    return (int *)loft_cuda_managed(sizeof(int) * n, what, file, line);
}

void itensor_free(int *t) { if (t) CUDA_CHECK(cudaFree(t)); }

void itensor_upload(int *t, const int *host, size_t n) {
    if (t != host && n) CUDA_CHECK(cudaMemcpy(t, host, sizeof(int) * n, cudaMemcpyDefault));
}

void itensor_copy(int *dst, const int *src, size_t n) {
    if (dst != src && n) CUDA_CHECK(cudaMemcpy(dst, src, sizeof(int) * n, cudaMemcpyDefault));
}
