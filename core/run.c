/* The one run loop of the harness: task from the registry, optimizer of the task's precision,
   the attributes every run records, evaluation cadence, steps, divergence, progress line,
   trajectory rows (step, loss, grad_norm, time_s, then the task's evaluation columns) and the
   resume checkpoints that let an interrupted run continue bit for bit (store/resume.h). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include "check.h"
#include "compute/backend.h"
#include "dist.h"
#include "io/h5log.h"
#include "io/h5results.h"
#include "optim/optim_config.h"
#include "store/resume.h"
#include "run.h"
#include "task.h"

#define BASE_COLS 4   /* step, loss, grad_norm, time_s */
_Static_assert(BASE_COLS + TASK_MAX_EVALS <= RUN_MAX_COLS, "a run logs more trajectory columns than reports read back (io/h5results.h)");

double run_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* the host CPU's model name (/proc/cpuinfo), beside the BLAS kernels it ran: the float32 runs'
   rounding follows the kernels OpenBLAS picks for it */
static void cpu_model(char *out, size_t n) {
    snprintf(out, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) != 0 || !colon) continue;
        colon += strspn(colon + 1, " \t") + 1;
        colon[strcspn(colon, "\n")] = 0;
        snprintf(out, n, "%s", colon);
        break;
    }
    fclose(f);
}

/* the attributes every run records: method, label, toggles as they acted, hyper-parameters,
   config text, revision, BLAS, CPU, precision, optimizer state size */
static void common_attrs(H5Run *h, const RunConfig *c, const char *yaml, const RunInfo *info, const OptimConfig *o,
                         size_t state_bytes, const char *precision) {
    const MethodInfo *mi = method_info(o->method);
    h5run_attr_str(h, "method", mi->name);   /* the registry's name, whichever alias the config used */
    h5run_attr_str(h, "adapter", mi->adapter == ADAPTER_NONE ? "none" : mi->adapter == ADAPTER_LORA ? "lora" : "dora");
    h5run_attr_str(h, "label", info->label);
    h5run_attr_str(h, "experiment", info->experiment);
    h5run_attr_str(h, "task", c->task);
    h5run_attr_int(h, "rank", mi->adapter == ADAPTER_NONE ? 0 : c->rank);
    h5run_attr_num(h, "scale", config_scale(c));
    h5run_attr_str(h, "scaling", mi->unit_scale ? "none" : c->scaling);
    h5run_attr_str(h, "init", c->init);
    if (config_init_gamma(c) > 0) {   /* a gradient init: its batches and gamma as used */
        h5run_attr_int(h, "init_batches", c->init_batches);
        h5run_attr_num(h, "init_gamma", config_init_gamma(c));
    }
    int nset;
    const OptimSettingInfo *set = optim_settings(&nset);
    for (int i = 0; i < nset; i++) {   /* every method setting (settings.def), as it acted */
        const char *field = (const char *)o + set[i].offset;
        switch (set[i].type) {
        case SETTING_BOOL: case SETTING_INT: h5run_attr_int(h, set[i].name, *(const int *)field); break;
        case SETTING_FLOAT: h5run_attr_num(h, set[i].name, *(const double *)field); break;
        case SETTING_ENUM: h5run_attr_str(h, set[i].name, field); break;
        }
    }
    h5run_attr_num(h, "lr", c->lr);
    h5run_attr_num(h, "beta1", c->beta1);
    h5run_attr_num(h, "beta2", c->beta2);
    h5run_attr_num(h, "eps", c->eps);
    h5run_attr_num(h, "weight_decay", c->weight_decay);
    h5run_attr_int(h, "seed", c->seed);
    h5run_attr_int(h, "steps", c->steps);
    h5run_attr_num(h, "loss_threshold", c->loss_threshold);
    h5run_attr_str(h, "config", yaml);
    h5run_attr_str(h, "git_revision", info->git_revision ? info->git_revision : "unknown");
    h5run_attr_str(h, "blas", compute_backend());
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    h5run_attr_str(h, "cpu", cpu);
    h5run_attr_str(h, "device", compute_device());
    h5run_attr_int(h, "tf32", c->tf32 && strcmp(precision, "float32") == 0);   /* as it acted: MF runs in double */
    h5run_attr_str(h, "precision", precision);
    h5run_attr_int(h, "optimizer_state_bytes", (long long)state_bytes);
    if (info->role) {   /* tuning on validation data */
        h5run_attr_str(h, "role", info->role);
        h5run_attr_str(h, "tune_group", info->tune_group);
        h5run_attr_str(h, "tuned_key", info->tuned_key);
        h5run_attr_str(h, "tuned_value", info->tuned_value);
        h5run_attr_str(h, "tuned_on", info->tuned_on);
    }
}

volatile sig_atomic_t run_stop_signal;

double run_log_seconds(void) {
    const char *e = getenv("LOFT_PROGRESS_SECONDS");
    const double s = e ? atof(e) : 30;
    return s > 0 ? s : 30;
}

static void progress(const RunInfo *info, long k, long steps, double loss, double rate) {
    double eta = rate > 0 ? (steps - k) / rate : 0;
    fprintf(stderr, "%s%s%s%s  step %ld/%ld  loss %.3e  %.0f steps/s  ETA %.0fs%s",
            info->progress == 1 ? "\r\033[K" : "", info->prefix ? info->prefix : "", info->prefix ? " " : "", info->id, k, steps, loss, rate, eta, info->suffix ? info->suffix : "");
}

/* the bookkeeping after step k of `steps` (k == steps: the final evaluation): final loss and
   steps taken, a divergence recorded (returns 1: stop), the progress line every 0.2 s */
static int step_end(const RunInfo *info, RunSummary *sum, long k, long steps, double loss, int finite, double t0,
                    double *last_print) {
    sum->final_loss = loss;
    sum->steps_done = (k == steps || !finite) ? k : k + 1;   /* good optimizer steps: a diverging one is not counted */
    if (!finite) {
        snprintf(sum->status, sizeof sum->status, "diverged");
        sum->diverged_step = k;
        return 1;
    }
    if (info->progress == 1 && (run_now() - *last_print > 0.2 || k == steps)) {
        *last_print = run_now();
        progress(info, k, steps, loss, k / fmax(*last_print - t0, 1e-9));
    } else if (info->progress == 2 && run_now() - *last_print > run_log_seconds() && k < steps) {   /* a log: a line every 30 s */
        if (*last_print == 0) { *last_print = t0; return 0; }
        *last_print = run_now();
        progress(info, k, steps, loss, k / fmax(*last_print - t0, 1e-9));
        fprintf(stderr, "\n");
    }
    return 0;
}

/* data-parallel (dist.h): the mean over the processes of the loss and of every gradient the
   optimizer steps on, as one all-reduce of the flat gradient (buf: grad_count numbers of elem
   bytes); returns the mean loss */
static double average_over_processes(const OptimApi *api, Optimizer *opt, void *buf, int elem, double loss) {
    const Dist *d = dist();
    const size_t n = api->grad_count(opt);
    d->allreduce_sum(&loss, 1, 8);
    api->grads_copy(opt, buf, 0);
    d->allreduce_sum(buf, n, elem);
    const double inv = 1.0 / d->size;
    if (elem == 4) for (size_t i = 0; i < n; i++) ((float *)buf)[i] *= (float)inv;
    else for (size_t i = 0; i < n; i++) ((double *)buf)[i] *= inv;
    api->grads_copy(opt, buf, 1);
    return loss * inv;
}

/* what a run carries from step to step besides the task's and the optimizer's state: the walk
   of a resume checkpoint (store/resume.h) */
typedef struct {
    const TaskOps *ops;
    void *task;
    const OptimApi *api;
    Optimizer *opt;
    long next;              /* the first step not taken yet */
    RunSummary *sum;        /* steps_to_threshold, final_loss so far */
    double *evals;          /* (ne,) the last evaluated value of each column */
    int ne, ncols;
    double *rows;           /* (nrows, ncols) the rows logged so far */
    long nrows, cap;
    double elapsed;         /* seconds trained before this process took over */
    const char *path, *identity;   /* the checkpoint and what it must match; path NULL: no checkpoints */
    long saved;             /* the step the checkpoint on disk holds (0: none) */
} RunState;

static void rows_reserve(RunState *s, long n) {
    if (n <= s->cap) return;
    s->cap = n > 2 * s->cap ? n : 2 * s->cap;
    s->rows = reallocCheck(s->rows, sizeof(double) * (size_t)s->ncols * (size_t)s->cap);
}

/* a trajectory row into the run file and into the rows a checkpoint carries */
static void log_row(RunState *s, H5Run *h, const double *row) {
    h5run_append(h, row);
    rows_reserve(s, s->nrows + 1);
    memcpy(s->rows + (size_t)s->nrows * s->ncols, row, sizeof(double) * s->ncols);
    s->nrows++;
}

static void run_walk(void *ctx, StateWalk *w) {
    RunState *s = ctx;
    state_walk(w, "run/next_step", &s->next, sizeof s->next);
    state_walk(w, "run/steps_to_threshold", &s->sum->steps_to_threshold, sizeof s->sum->steps_to_threshold);
    state_walk(w, "run/final_loss", &s->sum->final_loss, sizeof s->sum->final_loss);
    state_walk(w, "run/elapsed", &s->elapsed, sizeof s->elapsed);
    state_walk(w, "run/evals", s->evals, sizeof(double) * (size_t)s->ne);
    state_walk(w, "run/rows_logged", &s->nrows, sizeof s->nrows);
    if (w->loading) {   /* at most one row per step taken, and the rows follow in the next piece */
        if (s->nrows < 0 || s->nrows > s->next + 1) s->nrows = 0;
        rows_reserve(s, s->nrows);
    }
    state_walk(w, "run/rows", s->rows, sizeof(double) * (size_t)s->ncols * (size_t)s->nrows);
    s->ops->walk(s->task, w);
    s->api->walk(s->opt, w);
}

/* the checkpoint of a run about to take step k (its steps before k done and logged) */
static void checkpoint(RunState *s, long k, double t0) {
    char err[1200];
    s->next = k;
    s->elapsed = run_now() - t0;
    if (resume_save(s->path, s->identity, run_walk, s, err, sizeof err) == 0) s->saved = k;
    else fprintf(stderr, "warning: %s; the run goes on (a resume would start from step %ld)\n", err, s->saved);
}

/* the steps of a started run from step s->next; fills sum; s->evals keeps the last evaluated value
   of each column. Data-parallel: every process steps, the gradients averaged; only process 0 evaluates. */
static void train(RunState *s, const RunConfig *c, H5Run *h, const RunInfo *info, RunSummary *sum) {
    const TaskOps *ops = s->ops;
    void *task = s->task;
    const OptimApi *api = s->api;
    Optimizer *opt = s->opt;
    const int ne = s->ne;
    double *evals = s->evals;
    double t0 = run_now() - s->elapsed, last_print = 0, loss = NAN;
    const Dist *d = dist();
    const int elem = strcmp(ops->precision, "float32") == 0 ? 4 : 8;
    void *gbuf = d->size > 1 ? mallocCheck((size_t)elem * (api->grad_count(opt) + 1)) : NULL;
    for (long k = s->next; k <= c->steps; k++) {
        const int last = k == c->steps;
        if (s->path && k > 0 && !last && k != s->saved &&
            ((run_stop_signal && d->size == 1) || (c->checkpoint_every > 0 && k % c->checkpoint_every == 0)))
            checkpoint(s, k, t0);
        if (run_stop_signal && d->size == 1) {   /* SIGINT/SIGTERM: the steps logged so far are kept */
            snprintf(sum->status, sizeof sum->status, "interrupted");
            sum->checkpoint_step = s->saved;
            break;
        }
        int finite = 1, any_eval = 0;
        double row[BASE_COLS + TASK_MAX_EVALS], gn = NAN, row_loss = NAN;
        for (int i = 0; i < ne; i++) row[BASE_COLS + i] = NAN;
        if (ne && d->rank == 0 && ops->eval_due(task, k, last)) {
            if (k == 0 && !last && info->eval0 && info->eval0_n == ne) memcpy(row + BASE_COLS, info->eval0, sizeof(double) * ne);
            else ops->evaluate(task, k, last, row + BASE_COLS);
        }
        if (!last || ops->full_batch) {
            row_loss = loss = ops->loss_grad(task, k);
            if (gbuf) row_loss = loss = average_over_processes(api, opt, gbuf, elem, loss);
            finite = isfinite(loss);
            if (ops->full_batch && finite && sum->steps_to_threshold < 0 && loss <= c->loss_threshold) sum->steps_to_threshold = k;
        }
        if (!last && finite) { gn = api->step(opt, c->lr); finite = isfinite(gn); }
        if (!last && ops->after_step) ops->after_step(task, k);
        for (int i = 0; i < ne; i++)
            if (isfinite(row[BASE_COLS + i])) { evals[i] = row[BASE_COLS + i]; any_eval = 1; }
        if (last || !finite || k % c->log_every == 0 || any_eval) {
            row[0] = (double)k; row[1] = row_loss; row[2] = gn; row[3] = run_now() - t0;
            log_row(s, h, row);
        }
        if (step_end(info, sum, k, c->steps, loss, finite, t0, &last_print)) break;
    }
    free(gbuf);
    sum->wall_seconds = run_now() - t0;
    sum->steps_per_second = sum->steps_done / fmax(sum->wall_seconds, 1e-9);
    if (info->progress == 1) fprintf(stderr, "\r\033[K");
}

/* the task and its optimizer for config c: 0, or -1 with a message (nothing left allocated) */
static int build(const TaskOps *ops, const OptimApi *api, const RunConfig *c, const OptimConfig *oc, void **task,
                 Optimizer **opt, TaskTrainables *tr, char *err, size_t errlen) {
    *opt = NULL;
    if (!(*task = ops->create(c, err, errlen))) return -1;
    ops->trainables(*task, tr);
    if ((*opt = api->create(oc, tr->pairs, tr->npairs, tr->plain, tr->nplain, err, errlen))) return 0;
    ops->free(*task);
    *task = NULL;
    return -1;
}

/* what a checkpoint must match to be resumed from: the run's config (checkpoint_every aside),
   the code's revision and the precision; malloc'd */
static char *resume_identity(const RunConfig *c, const RunInfo *info, const char *precision) {
    const size_t n = 1 << 16;
    char *id = mallocCheck(n + 512);
    size_t used = config_identity_yaml(c, id, n);
    snprintf(id + used, 512, "git_revision: %s\nprecision: %s\n", info->git_revision ? info->git_revision : "unknown", precision);
    return id;
}

/* s continues from the checkpoint at s->path when there is one for this run: 1 (its rows then
   go into h), or 0 (from step 0; a checkpoint that cannot be used is removed, and when loading
   it failed half-way the task and optimizer are built again) */
static int resume(RunState *s, const RunConfig *c, const OptimConfig *oc, TaskTrainables *tr, const RunInfo *info,
                  char *err, size_t errlen) {
    char why[1200];
    int r = resume_load(s->path, s->identity, run_walk, s, why, sizeof why);
    if (r == 1) {
        fprintf(stderr, "%s: resuming at step %ld from its checkpoint %s\n", info->id, s->next, s->path);
        s->saved = s->next;
        return 1;
    }
    if (why[0]) fprintf(stderr, "warning: %s; run %s starts from step 0\n", why, info->id);
    remove(s->path);
    s->next = 0; s->nrows = 0; s->elapsed = 0;
    s->sum->steps_to_threshold = -1; s->sum->final_loss = 0;
    for (int i = 0; i < s->ne; i++) s->evals[i] = NAN;
    if (r < 0) {   /* the walk may have overwritten part of the state */
        s->api->free(s->opt);
        s->ops->free(s->task);
        if (build(s->ops, s->api, c, oc, &s->task, &s->opt, tr, err, errlen) != 0) return -1;
    }
    return 0;
}

int run_config(const RunConfig *c, const char *yaml, const RunInfo *info, const char *partial_path,
               RunSummary *sum, char *err, size_t errlen) {
    memset(sum, 0, sizeof(*sum));
    sum->steps_to_threshold = -1;
    snprintf(sum->status, sizeof sum->status, "complete");
    const TaskOps *ops = task_find(c->task);
    if (!ops) { snprintf(err, errlen, "task '%s' is not registered (tasks/registry.c)", c->task); return -1; }
    const OptimApi *api = optim_api(ops->precision);
    if (compute_select(c->device, c->tf32, err, errlen) != 0) return -1;
    void *task = NULL;
    Optimizer *opt = NULL;
    H5Run *h = NULL;
    TaskTrainables tr;
    OptimConfig oc = optim_config_of_run(c);
    const char *cols[BASE_COLS + TASK_MAX_EVALS] = { "step", "loss", "grad_norm", "time_s" };
    int ne = 0;
    if (build(ops, api, c, &oc, &task, &opt, &tr, err, errlen) == 0) {
        ne = ops->eval_columns(task, cols + BASE_COLS);
        h = h5run_begin(partial_path, info->id, cols, BASE_COLS + ne, err, errlen);
    }
    if (dist()->size > 1) {   /* data-parallel: the processes start the run together or not at all */
        double failed = h ? 0 : 1;
        dist()->allreduce_sum(&failed, 1, 8);
        if (failed > 0 && h) {
            snprintf(err, errlen, "another process could not start this run (its error is above); skipped on every process");
            h5run_end(h, "failed", 0);
            remove(partial_path);
            h = NULL;
        }
    }
    if (!h) {
        if (opt) api->free(opt);
        if (task) ops->free(task);
        return -1;
    }
    common_attrs(h, c, yaml, info, &oc, api->state_bytes(opt), ops->precision);
    h5run_attr_int(h, "adapter_pairs", tr.npairs);
    h5run_attr_int(h, "pair_state_bytes", (long long)api->pair_state_bytes(opt));
    h5run_attr_int(h, "processes", dist()->size);   /* data-parallel: each took 1/processes of every batch */
    h5run_attr_int(h, "gradient_numbers", (long long)api->grad_count(opt));   /* the all-reduce per step, in numbers */
    if (info->eval0 && info->eval0_n == ne && c->steps > 0) h5run_attr_str(h, "eval0_from", info->eval0_from);
    ops->describe(task, h);   /* the start (problem, initial factors): before a checkpoint overwrites it */
    h5run_flush(h);   /* a run killed before its first periodic flush still says what it was */
    double evals[TASK_MAX_EVALS];
    for (int i = 0; i < ne; i++) evals[i] = NAN;
    char ckpt[4200];
    RunState st = { ops, task, api, opt, 0, sum, evals, ne, BASE_COLS + ne, NULL, 0, 0, 0, NULL, NULL, 0 };
    if (ops->walk && dist()->size == 1 && resume_path(partial_path, ckpt, sizeof ckpt) == 0) {
        st.path = ckpt;
        st.identity = resume_identity(c, info, ops->precision);
        int r = resume(&st, c, &oc, &tr, info, err, errlen);
        task = st.task; opt = st.opt;
        if (r < 0) {
            h5run_end(h, "failed", 0);
            free((char *)st.identity);
            return -1;
        }
        if (r == 1) {
            sum->resumed_from = st.next;
            h5run_attr_int(h, "resumed_from_step", st.next);
            for (long i = 0; i < st.nrows; i++) h5run_append(h, st.rows + (size_t)i * st.ncols);
        }
    }
    train(&st, c, h, info, sum);
    h5run_attr_int(h, "steps_done", sum->steps_done);
    h5run_attr_int(h, "diverged_step", sum->diverged_step);
    h5run_attr_num(h, "final_loss", sum->final_loss);
    h5run_attr_int(h, "steps_to_threshold", sum->steps_to_threshold);
    for (int i = 0; i < ne; i++) h5run_attr_num(h, cols[BASE_COLS + i], evals[i]);   /* the last evaluated value */
    const int interrupted = strcmp(sum->status, "interrupted") == 0;
    int rc = interrupted ? 0 : ops->finish(task, h, sum->status, err, errlen);
    if (h5run_end(h, rc == 0 ? sum->status : "failed", sum->wall_seconds) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: writing the run failed (full disk or I/O error?); the run is recorded as failed", partial_path);
        rc = -1;
    }
    if (st.path && !interrupted) remove(st.path);   /* the run ended: nothing to resume */
    if (interrupted && sum->checkpoint_step > 0)
        fprintf(stderr, "%s: stopped before step %ld; its checkpoint %s lets the next `loft run` continue from there\n", info->id,
                sum->checkpoint_step, st.path);
    free(st.rows);
    free((char *)st.identity);
    api->free(opt);
    ops->free(task);
    return rc;
}
