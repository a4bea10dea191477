/* The CPU backend's description (OpenBLAS's configuration string) and thread count. One thread
   pool: OpenBLAS's. The layers' element-wise loops are vectorised (omp simd, no OpenMP runtime)
   but single-threaded: on the 2-core machine a second pool (libgomp's, spinning between its
   regions) cost the GPT step 2x (LoRA r = 8: 142 ms with both pools, 68 ms with OpenBLAS's
   alone; bench/README.md). */
#include <cblas.h>
#include "../backend.h"

const char *compute_backend(void) { return openblas_get_config(); }

void compute_set_threads(int n) { openblas_set_num_threads(n); }
