/* The CPU backend's description (OpenBLAS's configuration string), device and thread count. One
   thread pool: OpenBLAS's. The layers' element-wise loops are vectorised (omp simd, no OpenMP
   runtime) but single-threaded: on the 2-core machine a second pool (libgomp's, spinning between
   its regions) cost the GPT step 2x (LoRA r = 8: 142 ms with both pools, 68 ms with OpenBLAS's
   alone; bench/README.md). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <cblas.h>
#include "../backend.h"

const char *compute_backend(void) { return openblas_get_config(); }

const char *compute_device(void) { return "cpu"; }

void compute_set_threads(int n) { openblas_set_num_threads(n); }

int compute_select(const char *device, int tf32, char *err, size_t errlen) {
    if (strcmp(device, "cpu") != 0) {
        snprintf(err, errlen, "key 'device' = %s: this build computes on the CPU only (build/loft-cuda, built by make "
                 "when CUDA's nvcc is installed, runs device: cuda)", device);
        return -1;
    }
    if (tf32) { snprintf(err, errlen, "key 'tf32' = true: TF32 exists on device: cuda only"); return -1; }
    return 0;
}

void compute_host_access(void) {}   /* tensors are host memory, nothing is queued */

typedef struct { void (*fn)(void *, int); void *ctx; int i; } Share;

static void *share_main(void *arg) {
    Share *s = arg;
    s->fn(s->ctx, s->i);
    return NULL;
}

void compute_parallel(int n, void (*fn)(void *ctx, int i), void *ctx) {
    enum { MAX_SHARES = 64 };
    if (n <= 1) { if (n == 1) fn(ctx, 0); return; }
    const int blas = openblas_get_num_threads();
    openblas_set_num_threads(1);   /* the shares are the parallelism: OpenBLAS runs in each caller's thread */
    pthread_t th[MAX_SHARES];
    Share sh[MAX_SHARES];
    int started[MAX_SHARES] = { 0 };
    for (int i = 1; i < n && i < MAX_SHARES; i++) {
        sh[i] = (Share){ fn, ctx, i };
        started[i] = pthread_create(&th[i], NULL, share_main, &sh[i]) == 0;
    }
    fn(ctx, 0);
    for (int i = 1; i < n; i++) {
        if (i < MAX_SHARES && started[i]) pthread_join(th[i], NULL);
        else fn(ctx, i);   /* no thread to be had: in turn, the result is the same */
    }
    openblas_set_num_threads(blas);
}
