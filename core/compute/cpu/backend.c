/* The CPU backend's description (OpenBLAS's configuration string) and thread count (OpenBLAS's
   pool and OpenMP's, which the layers use). */
#include <cblas.h>
#include <omp.h>
#include "../backend.h"

const char *compute_backend(void) { return openblas_get_config(); }

void compute_set_threads(int n) {
    openblas_set_num_threads(n);
    omp_set_num_threads(n);
}
