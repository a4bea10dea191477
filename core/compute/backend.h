/* The compute backend as a whole, precision-free: its name and configuration for the run
   record, and how many threads it may use (1 in each process of a `--jobs N` sweep). */
#ifndef LOFT_COMPUTE_BACKEND_H
#define LOFT_COMPUTE_BACKEND_H
/* e.g. the BLAS library's own description (OpenBLAS: version, threading, core) */
const char *compute_backend(void);
void compute_set_threads(int n);
#endif
