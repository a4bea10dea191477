/* Entering and leaving MPI (core/dist_mpi.c with Open MPI; core/dist_none.c in a build without
   it). dist_mpi_init returns the number of processes and sets dist(). */
#ifndef LOFT_DIST_MPI_H
#define LOFT_DIST_MPI_H
int dist_mpi_init(int *argc, char ***argv);
void dist_mpi_finalize(void);
/* "Open MPI", or NULL in a build without MPI */
const char *dist_mpi_library(void);
#endif
