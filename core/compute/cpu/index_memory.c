/* Index tensors (token ids, labels) of the CPU backend (compute/memory.h): host memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../memory.h"

int *itensor_alloc_at(size_t n, const char *file, int line) {
    int *p = calloc(n ? n : 1, sizeof(int));
    if (!p) {
        fprintf(stderr, "error: out of memory allocating %zu indices at %s:%d\n", n, file, line);
        exit(EXIT_FAILURE);
    }
    return p;
}

void itensor_free(int *t) { free(t); }

void itensor_upload(int *t, const int *host, size_t n) { if (t != host) memcpy(t, host, sizeof(int) * n); }

void itensor_copy(int *dst, const int *src, size_t n) { if (dst != src) memcpy(dst, src, sizeof(int) * n); }
