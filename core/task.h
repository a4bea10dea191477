/* The task interface: all the run loop (run.c) knows of a task. A task is built from a run's
   config; it owns its model, data and trainable tensors in its own precision, computes the
   training loss and gradients of a step, evaluates named metrics, and writes what it keeps at
   the end (final tensors, checkpoints). Only doubles and opaque pointers cross this interface,
   so the run layer is compiled once and never sees `real`. */
#ifndef LOFT_TASK_H
#define LOFT_TASK_H
#include <stddef.h>
#include "io/config.h"
#include "state_walk.h"

#define TASK_MAX_EVALS 16     /* evaluation columns a task may log (with the run loop's 4, at most RUN_MAX_COLS are read back) */

struct H5Run;

/* the trainable tensors of a task, as optim_create takes them: `pairs` points to npairs
   AdapterPair and `plain` to nplain PlainTensor of the task's precision (optim/optimizer.h) */
typedef struct { const void *pairs, *plain; int npairs, nplain; } TaskTrainables;

/* a column a task can log: its name and which way is better (1: higher, as accuracies; 0: lower) */
typedef struct { const char *name; int higher; } TaskColumn;

/* a file or folder a run writes besides its results: the key naming it and its expanded path */
#define TASK_MAX_OUTPUTS 4
typedef struct { const char *key; char path[2 * CONFIG_STR]; } TaskOutput;

typedef struct {
    const char *name;          /* the config's `task:` value */
    const char *precision;     /* "float32" | "float64": the element type of the trainables */
    /* 1: the training loss is the whole objective (mf), so it is also evaluated after the last
       step; 0: a minibatch loss, none after the last step */
    int full_batch;
    /* the task's own cross-key checks (shapes that must divide, rank bounds), before any run
       starts; 0, or -1 with a message naming the keys */
    int (*validate)(const RunConfig *c, char *err, size_t errlen);
    /* builds the task (model, data, adapters, optimizer-facing tensors); NULL + message */
    void *(*create)(const RunConfig *c, char *err, size_t errlen);
    /* names of the evaluation columns, in the order evaluate() fills them; returns their count */
    int (*eval_columns)(void *self, const char **names);
    void (*trainables)(void *self, TaskTrainables *t);
    /* the run's attributes that belong to the task (sizes, split, target, group) */
    void (*describe)(void *self, struct H5Run *h);
    /* 1 when evaluate() has something to compute at step k (last: after the final step) */
    int (*eval_due)(void *self, long k, int last);
    /* values[i] of column i at step k, NaN for a column not evaluated now. Called before the
       step's loss, so it may reuse the training activations. */
    void (*evaluate)(void *self, long k, int last, double *values);
    /* the training loss of step k (its batch drawn from the run's seed); gradients zeroed then
       filled. After the optimizer step the task may advance what runs in lockstep (after_step). */
    double (*loss_grad)(void *self, long k);
    void (*after_step)(void *self, long k);   /* may be NULL */
    /* the end: final datasets, checkpoint, merged weights (status: the run's status).
       0, or -1 with a message (the run is then recorded as failed) */
    int (*finish)(void *self, struct H5Run *h, const char *status, char *err, size_t errlen);
    void (*free)(void *self);
    /* 1 when a run of this config writes files besides its results (checkpoint, tokenizer, merged
       weights): such a run is always trained, never copied from an equal one. May be NULL (never) */
    int (*writes_files)(const RunConfig *c);
    /* every evaluation column a run of this task can log (whatever its config), with its
       direction; ends with { NULL, 0 }. What reports and tuning may name, checked before a run. */
    const TaskColumn *columns;
    /* what a later step reads that create() does not rebuild from the config (the parameters,
       the random streams still drawn from, lockstep references and their optimizers), through
       the walk (state_walk.h): with the optimizer's walk, a run resumed from a checkpoint goes on
       bit for bit. After a loading walk the task drops what it cached of the old parameters.
       NULL: the task's runs always start from step 0 */
    void (*walk)(void *self, StateWalk *w);
    /* the files or folders a run of this config writes besides its results, each with the key
       that names it, {KEY} placeholders expanded (config_expand): out[0 .. count) of max.
       Returns the count, or -1 with a message (a bad placeholder). The plan refuses a sweep
       in which two runs would write the same one. May be NULL (none named by a key) */
    int (*outputs)(const RunConfig *c, TaskOutput *out, int max, char *err, size_t errlen);
} TaskOps;

/* the task registered under name (tasks/registry.c, generated from the files core/tasks/NAME_task.c), or NULL */
const TaskOps *task_find(const char *name);
/* 1 when the task (NULL: any) can log the column `name`, or it is one every run has (final_loss,
   steps_to_threshold, state_per_layer; lower is better); *higher [OUT] its direction. 0 when not:
   known [OUT] (n bytes) then lists the task's columns, ", "-separated. */
int task_column(const char *task, const char *name, int *higher, char *known, size_t n);
/* 0 when bytes (a task's estimate of what a run allocates) fits c->memory_limit_gb; else -1
   with "this run needs about X GiB (...); memory_limit_gb = Y" in err */
int task_memory_check(const RunConfig *c, double bytes, const char *what, char *err, size_t errlen);
/* a resolved config's checks: config_validate (keys every run has), then the task's own;
   0, or -1 with a message (an unknown task lists the registered ones) */
int task_check_config(const RunConfig *c, char *err, size_t errlen);
#endif
