/* Reading an experiment file's runs back (for `loft show`, tables and the .dat exporter):
   each /runs/<id> group's attributes and, on request, its trajectory and config. A results file
   may come from someone else, so it is data only: no link out of it is followed, no dataset
   stored in another file is read, every size is checked before it is allocated, and text too
   long for its field is an error (not cut). Precision-independent. */
#ifndef LOFT_H5RESULTS_H
#define LOFT_H5RESULTS_H
#include <stddef.h>

#define RUN_MAX_COLS 32   /* trajectory columns read: the run loop's 4 and a task's evaluations (task.h: TASK_MAX_EVALS) */
#define RUN_MAX_NUMBERS ((size_t)1 << 28)   /* numbers of one trajectory read (2 GiB of doubles) */
#define RUN_CONFIG_MAX (1 << 16)             /* bytes of a run's stored config (as config.c reads it) */

/* what h5_read_runs reads besides the attributes (bits; 0: attributes and column names only) */
#define H5R_TRAJECTORY 1
#define H5R_CONFIG 2   /* the `config` attribute, in a child process (see h5results.c) */

typedef struct {
    char id[256], label[64], method[32], status[16];
    char group[256];                      /* the string attribute runs are tabulated apart by ("" if none) */
    char role[8];                         /* "tune": a run that chose a hyper-parameter on validation data */
    char tune_group[256], tuned_key[64], tuned_value[64], tuned_on[64];
    long rank, seed, steps, steps_done, diverged_step, steps_to_threshold;
    double final_loss, wall_seconds, loss_threshold;
    double state_per_layer;               /* optimizer state of the adapter pairs, numbers per pair (NaN: none / older file) */
    double test_items;                    /* the items its test accuracy is counted over (test_images, or the cloze's
                                             questions), NaN when the task has none */
    /* the trajectory's column names; columns past step, loss, grad_norm, time_s are the task's
       evaluations, whose last values the run also holds as attributes (metric[c], NaN if absent) */
    char columns[RUN_MAX_COLS][32];
    double metric[RUN_MAX_COLS];
    size_t cols;
    double *traj;                         /* (rows, cols) row-major, or NULL (then rows is 0) */
    size_t rows;
    char *config;                         /* the stored config (YAML), with H5R_CONFIG; NULL if absent */
} RunRecord;

/* the run /runs/<id>, with what (H5R_* bits) it asks for (run->traj and run->config, when not
   NULL, are the caller's to free); 0, or -1 when the file or the run cannot be read */
int h5_read_run(const char *path, const char *id, int what, RunRecord *run);
/* all runs of the file in HDF5's name order, with what (H5R_* bits) it asks for, their group
   read from the string attribute group_attr; 0, or -1 (no runs) with a message naming the file
   and the run: a link that is not a hard link, a dataset stored elsewhere, a size out of
   bounds, text too long for its field */
int h5_read_runs(const char *path, int what, const char *group_attr, RunRecord **runs, int *n,
                 char *err, size_t errlen);
void h5_free_runs(RunRecord *runs, int n);
/* 1 when dataset `name` of path is there, reached through hard links only and stored in the
   file itself; 0 when it is absent; -1 (err names the file and the object) when it is a link
   out of the file or a dataset whose numbers live in other files (external or virtual) */
int h5_dataset_local(const char *path, const char *name, char *err, size_t errlen);
/* text read from a file as it may be printed: control characters (C0, DEL, C1, the bidi
   overrides) and bytes that are not UTF-8 written as \xHH; at most n - 1 bytes (cut on a
   character); returns buf */
const char *text_printable(char *buf, size_t n, const char *text);
/* index of the named trajectory column, or -1 */
int run_column(const RunRecord *r, const char *name);
/* the run's value of a named quantity: final_loss, steps_to_threshold (NaN if never reached),
   state_per_layer (optimizer numbers per adapter pair, the mean over the pairs),
   or an evaluation column's last value (its attribute, else the last finite trajectory value) */
double run_metric(const RunRecord *r, const char *name);
#endif
