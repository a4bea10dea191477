/* Reading an experiment file's runs back (for `loft show`, tables and the .dat exporter):
   each /runs/<id> group's attributes and, on request, its trajectory. Precision-independent. */
#ifndef LOFT_H5RESULTS_H
#define LOFT_H5RESULTS_H
#include <stddef.h>

#define RUN_MAX_COLS 8

typedef struct {
    char id[256], label[64], method[16], status[16];
    char group[32];                       /* runs tabulated apart: the ViT or GPT target ("" for mf) */
    long rank, seed, steps, steps_done, diverged_step, steps_to_threshold;
    double final_loss, wall_seconds, loss_threshold;
    double test_accuracy, balanced_accuracy;   /* vit; NaN otherwise */
    double heldout_loss, perplexity, cloze_accuracy;   /* gpt; NaN otherwise */
    double *traj;                         /* (rows, cols) row-major, or NULL */
    size_t rows, cols;
    char columns[RUN_MAX_COLS][32];
} RunRecord;

/* all runs of the file in HDF5's name order; 0, or -1 with a message naming the file */
int h5_read_runs(const char *path, int with_trajectory, RunRecord **runs, int *n, char *err, size_t errlen);
void h5_free_runs(RunRecord *runs, int n);
/* index of the named trajectory column, or -1 */
int run_column(const RunRecord *r, const char *name);
#endif
