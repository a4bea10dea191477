/* The Open MPI process group for data-parallel runs under mpirun (dist.h), linked into the
   `loft` binary when mpicc exists (the Makefile); MPI stays out of the library and the tests. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include "dist.h"
#include "dist_mpi.h"

static void allreduce_sum(void *buf, size_t n, int elem_bytes) {
    if (n > (size_t)0x7fffffff) { fprintf(stderr, "error: all-reduce of %zu numbers is too large for one MPI call\n", n); MPI_Abort(MPI_COMM_WORLD, 2); }
    MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, elem_bytes == 4 ? MPI_FLOAT : MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static void broadcast(void *buf, size_t bytes) {
    if (bytes > (size_t)0x7fffffff) { fprintf(stderr, "error: broadcast of %zu bytes is too large for one MPI call\n", bytes); MPI_Abort(MPI_COMM_WORLD, 2); }
    MPI_Bcast(buf, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
}

static Dist group;

int dist_mpi_init(int *argc, char ***argv) {
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &group.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &group.size);
    group.allreduce_sum = allreduce_sum;
    group.broadcast = broadcast;
    dist_set(&group);
    return group.size;
}

void dist_mpi_finalize(void) { MPI_Finalize(); }

const char *dist_mpi_library(void) { return "Open MPI"; }
