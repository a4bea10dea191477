/* A `loft` built without MPI (no mpicc): always one process (dist_mpi.h). */
#include <stddef.h>
#include "dist_mpi.h"

int dist_mpi_init(int *argc, char ***argv) { (void)argc; (void)argv; return 1; }
void dist_mpi_finalize(void) {}
const char *dist_mpi_library(void) { return NULL; }
