/* Reading an experiment file's runs back (for `loft show`, tables and the .dat exporter):
   each /runs/<id> group's attributes and, on request, its trajectory. Precision-independent. */
#ifndef LOFT_H5RESULTS_H
#define LOFT_H5RESULTS_H
#include <stddef.h>

#define RUN_MAX_COLS 16

typedef struct {
    char id[256], label[64], method[16], status[16];
    char group[32];                       /* the string attribute runs are tabulated apart by ("" if none) */
    char role[8];                         /* "tune": a run that chose a hyper-parameter on validation data */
    char tune_group[256], tuned_key[64], tuned_value[64], tuned_on[64];
    long rank, seed, steps, steps_done, diverged_step, steps_to_threshold;
    double final_loss, wall_seconds, loss_threshold;
    double state_per_layer;               /* optimizer state of the adapter pairs, numbers per pair (NaN: none / older file) */
    /* the trajectory's column names; columns past step, loss, grad_norm, time_s are the task's
       evaluations, whose last values the run also holds as attributes (metric[c], NaN if absent) */
    char columns[RUN_MAX_COLS][32];
    double metric[RUN_MAX_COLS];
    size_t cols;
    double *traj;                         /* (rows, cols) row-major, or NULL */
    size_t rows;
} RunRecord;

/* the run /runs/<id>, with its trajectory or without (run->traj NULL; else the caller frees it);
   0, or -1 when the file or the run cannot be read */
int h5_read_run(const char *path, const char *id, int with_trajectory, RunRecord *run);
/* all runs of the file in HDF5's name order, their group read from the string attribute
   group_attr; 0, or -1 with a message naming the file */
int h5_read_runs(const char *path, int with_trajectory, const char *group_attr, RunRecord **runs, int *n,
                 char *err, size_t errlen);
void h5_free_runs(RunRecord *runs, int n);
/* index of the named trajectory column, or -1 */
int run_column(const RunRecord *r, const char *name);
/* the run's value of a named quantity: final_loss, steps_to_threshold (NaN if never reached),
   state_per_layer (optimizer numbers per adapter pair, the mean over the pairs),
   or an evaluation column's last value (its attribute, else the last finite trajectory value) */
double run_metric(const RunRecord *r, const char *name);
#endif
