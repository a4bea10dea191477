/* A training batch split over threads inside one process (batch_split.h). */
#include <math.h>
#include "../compute/backend.h"
#include "../compute/kernels.h"
#include "batch_split.h"

void batch_split_sync(BatchSplit *s) {
    for (int i = 1; i < s->n; i++)
        for (int b = 0; b < BATCH_SPLIT_BUFS; b++)
            if (s->size[b]) vec_copy(s->params[i][b], s->params[0][b], s->size[b]);
}

typedef struct { BatchSplit *s; int B; double loss[BATCH_SPLIT_MAX]; } Shares;

static void share(void *ctx, int i) {
    Shares *sh = ctx;
    int lo, hi;
    batch_split_rows(sh->B, sh->s->n, i, &lo, &hi);
    sh->loss[i] = hi > lo ? sh->s->step(sh->s->model[i], lo, hi, sh->s->ctx) : 0.0;
}

double batch_split_step(BatchSplit *s, int B) {
    if (s->n <= 1) return s->step(s->model[0], 0, B, s->ctx);
    batch_split_sync(s);
    Shares sh = { s, B, { 0 } };
    compute_parallel(s->n, share, &sh);
    /* the mean over B rows = sum_i (rows_i / B) (mean over share i): model[0]'s gradient scaled by
       its weight, then each replica's added with its own, in share order */
    double loss = 0.0;
    for (int i = 0; i < s->n; i++) {
        int lo, hi;
        batch_split_rows(B, s->n, i, &lo, &hi);
        const double w = (double)(hi - lo) / B;
        loss += w * sh.loss[i];
        for (int b = 0; b < BATCH_SPLIT_BUFS; b++) {
            if (!s->size[b]) continue;
            if (i == 0 && hi > lo) vec_scale(s->grads[0][b], (real)w, s->size[b]);
            else if (i == 0) vec_zero(s->grads[0][b], s->size[b]);   /* no rows: its step never ran */
            else if (hi > lo) vec_axpby(s->grads[0][b], (real)w, s->grads[i][b], 1, s->size[b]);
        }
    }
    return loss;
}
