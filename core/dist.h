/* Data-parallel training across processes: who this process is among how many, and the sums
   the run loop needs. The `loft` binary built with Open MPI sets it (core/dist_mpi.c, under
   mpirun); a plain build, the tests and the library alone are one process. Every process runs
   the same run; each computes 1/size of every batch (the tasks shard it by rank), and the run
   loop averages the gradients with one all-reduce before clipping and the step, so the
   optimizer states stay replicated and identical. Precision-independent. */
#ifndef LOFT_DIST_H
#define LOFT_DIST_H
#include <stddef.h>

typedef struct {
    int rank, size;
    /* buf (n,) [IN/OUT] summed in place over the processes; elem_bytes 4 (float) or 8 (double) */
    void (*allreduce_sum)(void *buf, size_t n, int elem_bytes);
    /* buf (bytes,) [IN/OUT] from process 0 to every process */
    void (*broadcast)(void *buf, size_t bytes);
} Dist;

/* the processes of this program: set once by main (NULL: one process) */
void dist_set(const Dist *d);
/* never NULL: { 0, 1, NULL, NULL } for one process */
const Dist *dist(void);
/* [lo, hi) of this process's share of n items (n a multiple of size) */
void dist_shard(int n, int *lo, int *hi);
#endif
