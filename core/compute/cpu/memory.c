/* Tensor memory of the CPU backend (compute/memory.h): host memory, zeroed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../memory.h"

real *tensor_alloc_at(size_t n, const char *file, int line) {
    real *p = calloc(n ? n : 1, sizeof(real));
    if (!p) {
        fprintf(stderr, "error: out of memory allocating a tensor of %zu numbers at %s:%d\n", n, file, line);
        exit(EXIT_FAILURE);
    }
    return p;
}

void tensor_free(real *t) { free(t); }

void tensor_upload(real *t, const real *host, size_t n) { if (t != host) memcpy(t, host, sizeof(real) * n); }

void tensor_download(real *host, const real *t, size_t n) { if (t != host) memcpy(host, t, sizeof(real) * n); }

void tensor_to_host(double *host, const real *t, size_t n) {
    for (size_t i = 0; i < n; i++) host[i] = t[i];
}

void tensor_from_host(real *t, const double *host, size_t n) {
    for (size_t i = 0; i < n; i++) t[i] = (real)host[i];
}
