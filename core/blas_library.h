/* The BLAS library the harness is linked with, as the run record names it. Precision-free. */
#ifndef LOFT_BLAS_LIBRARY_H
#define LOFT_BLAS_LIBRARY_H
/* name of the BLAS library and its configuration (OpenBLAS: version, threading, core) */
const char *blas_library(void);
#endif
