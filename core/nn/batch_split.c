/* A training batch split over threads inside one process (batch_split.h). */
#include <math.h>
#include "../compute/backend.h"
#include "../compute/kernels.h"
#include "batch_split.h"

typedef struct { BatchSplit *s; int B; double loss[BATCH_SPLIT_MAX]; } Shares;

/* share i: replica i takes model[0]'s parameters (after an optimizer step; share 0 runs on
   model[0] at once), then its rows' forward and backward */
static void share(void *ctx, int i) {
    Shares *sh = ctx;
    BatchSplit *s = sh->s;
    for (int b = 0; i > 0 && b < BATCH_SPLIT_BUFS; b++)
        if (s->size[b]) vec_copy(s->params[i][b], s->params[0][b], s->size[b]);
    int lo, hi;
    batch_split_rows(sh->B, s->n, i, &lo, &hi);
    sh->loss[i] = hi > lo ? s->step(s->model[i], lo, hi, s->ctx) : 0.0;
}

/* thread t's slice of every gradient buffer: the mean over B rows = sum_i (rows_i / B) (mean over
   share i), model[0]'s gradient scaled by its weight, then each replica's added with its own, in
   share order (element-wise, so the slices give the bits of one pass) */
static void combine(void *ctx, int t) {
    Shares *sh = ctx;
    BatchSplit *s = sh->s;
    for (int b = 0; b < BATCH_SPLIT_BUFS; b++) {
        if (!s->size[b]) continue;
        const size_t from = s->size[b] * (size_t)t / (size_t)s->n, to = s->size[b] * (size_t)(t + 1) / (size_t)s->n;
        for (int i = 0; i < s->n; i++) {
            int lo, hi;
            batch_split_rows(sh->B, s->n, i, &lo, &hi);
            const real w = (real)((double)(hi - lo) / sh->B);
            real *g = s->grads[0][b] + from;
            if (i == 0 && hi > lo) vec_scale(g, w, to - from);
            else if (i == 0) vec_zero(g, to - from);   /* no rows: its step never ran */
            else if (hi > lo) vec_axpby(g, w, s->grads[i][b] + from, 1, to - from);
        }
    }
}

double batch_split_step(BatchSplit *s, int B) {
    if (s->n <= 1) return s->step(s->model[0], 0, B, s->ctx);
    Shares sh = { s, B, { 0 } };
    compute_parallel(s->n, share, &sh);
    compute_parallel(s->n, combine, &sh);
    double loss = 0.0;
    for (int i = 0; i < s->n; i++) {
        int lo, hi;
        batch_split_rows(B, s->n, i, &lo, &hi);
        loss += (double)(hi - lo) / B * sh.loss[i];
    }
    return loss;
}
