/* The weights of a stack of blocks (nn/blocks.h) followed over a fine-tuning run: the effective
   weight of every block linear (qkv, proj, fc1, fc2 of each block) at the start, how alike the
   run's updates are to those of a lockstep full fine-tuning of the same blocks (a shadow model
   trained with full AdamW from the same start on the same batches), and the intruder dimensions
   of the weights at the end. Host arrays in double. */
#ifndef LOFT_WEIGHT_TRACK_H
#define LOFT_WEIGHT_TRACK_H
#include <stddef.h>
#include "../state_walk.h"
#include "blocks.h"
#include "update_match.h"

#define TRACK_MAX_LAYERS (BLOCKS_MAX_DEPTH * BLOCKS_NMOD)
/* the closeness columns, in this order, and their number */
enum { TRACK_DIST, TRACK_COS, TRACK_STEP_COS, TRACK_SHARE, TRACK_BEST, TRACK_RATIO, TRACK_NCLOSE };
#define TRACK_COLUMN_NAMES { "dist_to_adamw", "cos_to_adamw", "step_cos_to_adamw", "energy_share", "energy_best", "energy_ratio" }
/* intruder dimensions: among the top INTRUDER_K singular vectors, for these thresholds (the
   column `intruders` is the one at INTRUDER_EPS_MAIN, Shuttleworth et al.'s default) */
#define INTRUDER_K 10
#define INTRUDER_NEPS 4
#define INTRUDER_EPS { 0.3, 0.5, 0.7, 0.9 }
#define INTRUDER_EPS_MAIN 1

typedef struct {
    int nlayers, rank;
    int out[TRACK_MAX_LAYERS], in[TRACK_MAX_LAYERS];
    size_t at[TRACK_MAX_LAYERS + 1];   /* layer i's weights start at at[i] in the arrays below */
    double *w0;                        /* (at[nlayers],) the effective weights at the start */
    double *prev_m, *prev_f;           /* the run's and the shadow's at the last closeness evaluation (at first: w0) */
    double layer[TRACK_MAX_LAYERS][TRACK_NCLOSE];    /* the last closeness values of each layer */
    int intruders[TRACK_MAX_LAYERS][INTRUDER_NEPS];  /* the last intruder counts of each layer */
    double *wm, *wf;                   /* (largest layer,) work arrays */
} WeightTrack;

/* takes the start: every block linear's effective weight now (call after the adapters and the
   init, before the first step); rank: the r of the energy shares. 0, or -1 with a message */
#define weight_track_init LOFT_NAME(weight_track_init)
int weight_track_init(WeightTrack *t, Blocks *k, int rank, char *err, size_t errlen);
/* the shadow's block linears (the same shapes as the tracked blocks') set to the start's
   effective weights: a full fine-tuning from the tracked run's start (its other parameters the
   caller copies) */
#define weight_track_start_shadow LOFT_NAME(weight_track_start_shadow)
void weight_track_start_shadow(const WeightTrack *t, Blocks *shadow);
#define weight_track_free LOFT_NAME(weight_track_free)
void weight_track_free(WeightTrack *t);
/* out[TRACK_NCLOSE] [OUT]: the run's blocks k against the shadow's full fine-tuning (same
   shapes), over every layer (sums of update_match.h, then one ratio): ||dM - dF|| / ||dF||, the
   cosine of the updates since the start and since the last call (NaN at the first), the share of
   ||dF||^2 inside the run's rank-r subspaces, the best rank-r share, and their ratio. dM, dF: the
   changes of the effective weights since the start. */
#define weight_track_closeness LOFT_NAME(weight_track_closeness)
void weight_track_closeness(WeightTrack *t, Blocks *k, Blocks *shadow, double *out);
/* the number of intruder dimensions of k's effective weights against the start, summed over the
   layers, at INTRUDER_EPS_MAIN (every threshold's per layer in t->intruders) */
#define weight_track_intruders LOFT_NAME(weight_track_intruders)
double weight_track_intruders(WeightTrack *t, Blocks *k);
/* the run's datasets final/closeness (layers x TRACK_NCLOSE, the last evaluation's; when
   closeness) and final/intruders (layers x INTRUDER_NEPS; when intruders), layers in block
   order qkv, proj, fc1, fc2 */
struct H5Run;
#define weight_track_datasets LOFT_NAME(weight_track_datasets)
void weight_track_datasets(WeightTrack *t, struct H5Run *h, int closeness, int intruders);
/* what a resumed run needs: the snapshots of the last closeness evaluation (the start is taken
   again by weight_track_init) */
#define weight_track_walk LOFT_NAME(weight_track_walk)
void weight_track_walk(WeightTrack *t, StateWalk *w);
#endif
