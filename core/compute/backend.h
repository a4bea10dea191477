/* The compute backend as a whole, precision-free: its name and configuration for the run
   record, the device it computes on, and how many threads it may use (1 in each process of a
   `--jobs N` sweep). Each build links one backend: build/loft the CPU one (compute/cpu/),
   build/loft-cuda the CUDA one (compute/cuda/). */
#ifndef LOFT_COMPUTE_BACKEND_H
#define LOFT_COMPUTE_BACKEND_H
#include <stddef.h>
/* e.g. the BLAS library's own description (OpenBLAS: version, threading, core), or the GPU's
   name, compute capability, CUDA and cuBLAS versions and the TF32 setting */
const char *compute_backend(void);
/* the device this build's backend computes on: "cpu" or "cuda" */
const char *compute_device(void);
void compute_set_threads(int n);
/* fn(ctx, i) for i = 0 .. n-1 at once: on the CPU each on its own thread (i = 0 on the caller's),
   with BLAS single-threaded meanwhile (one core each; restored after); a GPU backend runs them in
   turn (its device is the parallelism). The fn must not share writable memory. */
void compute_parallel(int n, void (*fn)(void *ctx, int i), void *ctx);
/* Prepares the backend for a run that asks for `device` (config key device) with TF32 GEMMs
   allowed or not (key tf32; float32 GEMMs only). 0, or -1 with a message in err when this build
   computes elsewhere or the device cannot be used (no GPU, no driver). */
int compute_select(const char *device, int tf32, char *err, size_t errlen);
/* The host is about to read or write tensor memory directly (initialisers, checkpoint and GPT-2
   loaders and savers): a backend whose device runs asynchronously waits for its queued work here
   (the CUDA backend's tensors are unified memory, readable from the host after that). */
void compute_host_access(void);
#endif
