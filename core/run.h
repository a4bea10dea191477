/* One run of an experiment: a resolved RunConfig becomes a task (task.h), an optimizer and a
   logged trajectory in a partial HDF5 run file (io/h5log.h). One loop serves every task. A run
   that produces NaN/Inf is recorded with status "diverged" and the step; it is a result, not an
   error. Precision-independent: tensors stay behind the task and optimizer interfaces. */
#ifndef LOFT_RUN_H
#define LOFT_RUN_H
#include <signal.h>
#include <stddef.h>
#include "io/config.h"

typedef struct {
    const char *id, *label, *experiment, *git_revision;
    int progress;          /* 1: a live progress line on stderr (a terminal); 2: a line every 30 s (a log) */
    const char *prefix, *suffix;   /* around the progress line's text ("[k/N]", the sweep's ETA), or NULL */
    /* tuning on validation data (NULL when the run has nothing to do with it): role "tune" or
       "final", the group, the key, its value and the metric the choice is made on */
    const char *role, *tune_group, *tuned_key, *tuned_value, *tuned_on;
    /* the evaluation at step 0 already made by run eval0_from, whose start was the same function
       (eval0_n values in the task's column order), or NULL: it is taken instead of evaluating */
    const double *eval0;
    int eval0_n;
    const char *eval0_from;
} RunInfo;

typedef struct {
    char status[16];       /* complete | diverged | interrupted (run_stop_signal) */
    long steps_done, diverged_step, steps_to_threshold;   /* -1: never reached */
    double final_loss, wall_seconds, steps_per_second;
    long resumed_from;     /* the step a resume checkpoint let the run start at (0: from the start) */
    long checkpoint_step;  /* interrupted: the step its resume checkpoint holds (0: none written) */
} RunSummary;

/* Runs cfg (with its resolved YAML text) into the partial file at partial_path.
   Returns 0 when the run took place (complete or diverged), -1 when it could not start
   (bad problem file, refused optimizer config) or could not save what it keeps: err says why.
   A resume checkpoint beside partial_path (store/resume.h) of the same config and revision lets
   the run continue where it stopped: its logged rows are written again, the steps after them
   taken, and the run ends bit-identical to one never stopped. The run writes that checkpoint
   every cfg->checkpoint_every steps and when it is interrupted (one process only: a
   data-parallel run under mpirun always starts from step 0), and removes it when it ends. */
int run_config(const RunConfig *cfg, const char *config_yaml, const RunInfo *info,
               const char *partial_path, RunSummary *sum, char *err, size_t errlen);
/* set by a SIGINT/SIGTERM handler: the run in progress stops before its next step and ends with
   status "interrupted", its logged steps kept (not under mpirun, whose processes step together) */
extern volatile sig_atomic_t run_stop_signal;
/* seconds between two progress lines in a log (not a terminal): 30, or $LOFT_PROGRESS_SECONDS */
double run_log_seconds(void);
/* seconds on a monotonic clock */
double run_now(void);
#endif
