/* A training batch split over threads inside one process (config key batch_threads): the model
   and n - 1 replicas (the same shape, parameters and adapters; their own activations and
   gradients), each taking a contiguous share of the batch's rows on its own core with
   single-threaded BLAS (compute_parallel); the replicas' gradients and losses are then combined
   into the model's, weighted by their shares of the rows, as data-parallel processes combine theirs
   (dist.h). The result is the gradient of the whole batch up to float rounding (the sums run in
   another order, so a run with batch_threads 2 differs from batch_threads 1 in the last bits, and
   is itself deterministic). Model-agnostic: the model supplies its buffers and a step function. */
#ifndef LOFT_NN_BATCH_SPLIT_H
#define LOFT_NN_BATCH_SPLIT_H
#include <stddef.h>
#include "../real.h"

#define BATCH_SPLIT_MAX 16
#define BATCH_SPLIT_BUFS 2   /* parameter buffers of a model: its weights and its adapters */

typedef struct {
    int n;                                          /* shares (threads), 1 .. BATCH_SPLIT_MAX */
    void *model[BATCH_SPLIT_MAX];                   /* model[0]: the one the optimizer steps */
    real *params[BATCH_SPLIT_MAX][BATCH_SPLIT_BUFS];  /* each model's parameter buffers */
    real *grads[BATCH_SPLIT_MAX][BATCH_SPLIT_BUFS];   /* and gradient buffers, alike */
    size_t size[BATCH_SPLIT_BUFS];                  /* their lengths (0: unused) */
    /* forward and backward of model on rows [lo, hi) of the batch: the mean loss over those rows,
       gradients zeroed then filled (the backward skipped when the loss is not finite) */
    double (*step)(void *model, int lo, int hi, void *ctx);
    void *ctx;
} BatchSplit;

/* rows [lo, hi) of the B rows of the batch for share i of n (contiguous, sizes differing by <= 1) */
static inline void batch_split_rows(int B, int n, int i, int *lo, int *hi) {
    *lo = (int)((long)B * i / n);
    *hi = (int)((long)B * (i + 1) / n);
}
/* the step over the B rows of the batch, split: runs the shares at once (each replica first takes
   model[0]'s parameters), combines their gradients into model[0]'s, on the same threads; returns
   the mean loss over the B rows */
#define batch_split_step LOFT_NAME(batch_split_step)
double batch_split_step(BatchSplit *s, int B);
#endif
