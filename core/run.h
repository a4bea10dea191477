/* One run of an experiment: a resolved RunConfig becomes a task, an optimizer and a logged
   trajectory in a partial HDF5 run file (io/h5log.h). A run that produces NaN/Inf is recorded
   with status "diverged" and the step; it is a result, not an error. */
#ifndef LOFT_RUN_H
#define LOFT_RUN_H
#include <stddef.h>
#include "io/config.h"
#include "optim/optimizer.h"

typedef struct {
    const char *id, *label, *experiment, *git_revision;
    int progress;          /* 1: a live progress line on stderr (a terminal) */
} RunInfo;

typedef struct {
    char status[16];       /* complete | diverged */
    long steps_done, diverged_step, steps_to_threshold;   /* -1: never reached */
    double final_loss, wall_seconds, steps_per_second;
    double test_accuracy, balanced_accuracy;              /* vit; NaN for mf */
} RunSummary;

/* Runs cfg (with its resolved YAML text) into the partial file at partial_path.
   Returns 0 when the run took place (complete or diverged), -1 when it could not start
   (bad problem file, refused optimizer config): err says why. */
int run_config(const RunConfig *cfg, const char *config_yaml, const RunInfo *info,
               const char *partial_path, RunSummary *sum, char *err, size_t errlen);

/* --- shared by the task runners (run.c: mf, run_vit.c: vit) --- */
struct H5Run;
/* the attributes every run records: method, label, toggles as they acted, hyper-parameters,
   config text, revision, BLAS, precision, optimizer state size. `optim` points to the run's
   OptimConfig (same layout in both precisions). */
void run_common_attrs(struct H5Run *h, const RunConfig *c, const char *yaml, const RunInfo *info,
                      const void *optim, size_t state_bytes, const char *precision);
/* the optimizer config of a run (OptimConfig has no `real` field: one layout in both precisions) */
OptimConfig run_optim_config(const RunConfig *c);
/* end of the step loop: wall time, rate, the progress line cleared, and the attributes every
   run ends with (steps_done, diverged_step, final_loss, steps_to_threshold) */
void run_finish(struct H5Run *h, const RunInfo *info, RunSummary *sum, double t0);
/* the bookkeeping after step k of `steps` (k == steps: the final evaluation): final loss and
   steps taken, a divergence recorded (returns 1: stop), the progress line every 0.2 s */
int run_step_end(const RunInfo *info, RunSummary *sum, long k, long steps, double loss, int finite, double t0,
                 double *last_print);
/* the live progress line on stderr */
void run_progress(const RunInfo *info, long k, long steps, double loss, double rate);
double run_now(void);
/* the ViT run (float32), including pretraining when vit_target is source */
int run_vit(const RunConfig *cfg, const char *config_yaml, const RunInfo *info,
            const char *partial_path, RunSummary *sum, char *err, size_t errlen);
/* the GPT run (float32), including tokenizer training and pretraining when gpt_target is source */
int run_gpt(const RunConfig *cfg, const char *config_yaml, const RunInfo *info,
            const char *partial_path, RunSummary *sum, char *err, size_t errlen);
#endif
