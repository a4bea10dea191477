/* The BLAS library's own description of itself, for the run record. */
#include <cblas.h>
#include "blas_library.h"

const char *blas_library(void) { return openblas_get_config(); }
