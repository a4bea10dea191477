/* `loft run` and `loft list`: an experiment's sweep, and the runs it would do. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "dist.h"
#include "io/files.h"
#include "run.h"
#include "check.h"
#include "sweep/pool.h"
#include "sweep/widen.h"
#include "task.h"

int cmd_list(int argc, char **argv, const Options *o) {
    (void)argc;
    Plan pl;
    if (cli_plan(&pl, argv[2], o)) return 2;
    const Experiment *e = &pl.e;
    printf("%s: %d runs (experiment %s, base %s)\n", argv[2], pl.nsel, e->name, e->base);
    for (int k = 0; k < pl.nsel; k++) {
        const PlannedRun *p = &e->runs[pl.sel[k]];
        printf("%-48s", p->id);
        for (int j = 0; j < p->nov; j++) printf(" %s=%s", p->ov[j].key, p->ov[j].value);
        if (p->tune_key[0] && !plan_is_tuning(&pl, pl.sel[k])) {
            if (pl.chosen[pl.sel[k]][0]) printf(" %s=%s", p->tune_key, pl.chosen[pl.sel[k]]);
            else printf(" %s=(chosen by the tuning runs, on %s)", p->tune_key, p->tune_on);
        }
        if (p->follow_key[0] && !plan_is_tuning(&pl, pl.sel[k])) printf(" %s=(%s's choice)", p->follow_key, p->follow_group);
        printf("\n");
    }
    plan_free(&pl);
    return 0;
}

/* the checks of a data-parallel sweep (mpirun); 0, or 2 after printing the error */
static int check_data_parallel(const Plan *pl, const Options *o) {
    const Dist *d = dist();
    if (o->jobs > 1) {
        fprintf(stderr, "error: --jobs %d under mpirun: --jobs runs N runs side by side in N processes, mpirun runs each run "
                "on %d processes; use one or the other\n", o->jobs, d->size);
        return 2;
    }
    for (int k = 0; k < pl->nsel; k++) {
        const RunConfig *c = &pl->cfgs[pl->sel[k]];
        const char *id = pl->e.runs[pl->sel[k]].id;
        if (task_find(c->task)->full_batch) {
            fprintf(stderr, "error: run %s: task %s trains on one full batch; data-parallel runs (mpirun -np %d) split the "
                    "batches of the vit and gpt tasks\n", id, c->task, d->size);
            return 2;
        }
        if (c->batch_size % d->size != 0) {
            fprintf(stderr, "error: run %s: key 'batch_size' = %d must be a multiple of the %d processes (each takes an equal "
                    "share)\n", id, c->batch_size, d->size);
            return 2;
        }
        if (c->batch_threads > c->batch_size / d->size) {
            fprintf(stderr, "error: run %s: key 'batch_threads' = %d: each thread needs at least one row of its process's "
                    "share, batch_size / processes = %d\n", id, c->batch_threads, c->batch_size / d->size);
            return 2;
        }
    }
    return 0;
}

/* the config every process of a data-parallel run computes must be process 0's: a hash of the
   selected runs' configs compared before the first step; 0, or 2 after printing the error */
static int check_same_config(const Plan *pl) {
    const Dist *d = dist();
    unsigned long long h = 1469598103934665603ull;
    for (int k = 0; k < pl->nsel; k++)
        for (const char *c = pl->yaml[pl->sel[k]]; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
    double mine[2] = { (double)(h >> 32), (double)(h & 0xffffffffu) }, root[2] = { mine[0], mine[1] };
    d->broadcast(root, sizeof root);
    double differs = root[0] != mine[0] || root[1] != mine[1];
    d->allreduce_sum(&differs, 1, 8);
    if (differs > 0) {
        if (d->rank == 0 || root[0] != mine[0] || root[1] != mine[1])
            fprintf(stderr, "error: the mpirun processes resolve different configs (different --set values, files or "
                    "environment); every process must run the same runs: nothing was run\n");
        return 2;
    }
    return 0;
}

/* one phase's runs decided (skip, copy, refuse, wait or train); todo [OUT] the runs to train */
static int decide_phase(Plan *pl, const Options *o, int phase, int *todo, int *counts) {
    const int root = dist()->rank == 0;
    int ntodo = 0;
    char err[2048];
    for (int k = 0; k < pl->nsel; k++) {
        const int i = pl->sel[k];
        if ((phase == 1) != plan_is_tuning(pl, i)) continue;
        counts[0]++;
        if (!root) continue;
        Decision d = sweep_decide(pl, i, &o->sweep);
        switch (d.action) {
        case DECIDE_SKIP: counts[1]++; break;
        case DECIDE_WAIT: counts[3]++; break;
        case DECIDE_REFUSE:
            counts[4]++;
            fprintf(stderr, "error: run %s is already in %s, finished, with another config: %s. Not replaced: --force replaces "
                    "it; a new label (or --results DIR) keeps both\n", pl->e.runs[i].id, pl->st.path, d.why);
            break;
        case DECIDE_COPY: {
            char file[STORE_PATH_MAX + STORE_ID_MAX + 32];
            store_run_file(&pl->st, pl->e.runs[i].id, file, sizeof file);
            if (h5_extract_run(pl->st.path, pl->e.runs[d.twin].id, pl->e.runs[i].id, "final", file, err, sizeof err) != 0 ||
                store_add(&pl->st, file, pl->e.runs[i].id, err, sizeof err) != 0) {
                fprintf(stderr, "warning: %s; the run is trained instead\n", err);
                todo[ntodo++] = i;
            } else counts[2]++;
            break;
        }
        default: todo[ntodo++] = i;
        }
    }
    return ntodo;
}

int cmd_run(int argc, char **argv, const Options *o) {
    (void)argc;
    const char *path = argv[2];
    Plan pl;   /* every run resolved first: a bad key stops the sweep before it starts */
    if (cli_plan(&pl, path, o)) return 2;
    const Dist *d = dist();
    const int root = d->rank == 0, n = pl.e.nruns;
    int rc = 0, *todo = calloc((size_t)(n ? n : 1), sizeof(int));
    char err[2048], rev[64];
    if ((rc = cli_hand_to_device(&pl, pl.sel, pl.nsel, o)) != 0) goto out;
    if (d->size > 1 && ((rc = check_data_parallel(&pl, o)) != 0 || (rc = check_same_config(&pl)) != 0)) goto out;
    int locked = 1;
    if (root) {
        make_dirs(o->sweep.results_dir ? o->sweep.results_dir : "results");
        locked = store_lock(&pl.st, 0, err, sizeof err) == 0 && store_check_owner(&pl.st, err, sizeof err) == 0;
        if (!locked) fprintf(stderr, "error: %s\n", err);
    }
    if (d->size > 1) d->broadcast(&locked, sizeof locked);
    if (!locked) { rc = 2; goto out; }
    sweep_catch_signals();
    if (root) {   /* what a killed sweep left, and the runs Slurm tasks finished */
        make_dirs(pl.st.partial);
        if (store_merge_dir(&pl.st, pl.st.partial, "interrupted", 1, err, sizeof err) < 0) fprintf(stderr, "warning: %s\n", err);
        int collected = store_merge_dir(&pl.st, pl.st.slurm, NULL, 0, err, sizeof err);
        if (collected < 0) fprintf(stderr, "warning: %s\n", err);
        else if (collected) printf("%s: collected %d run(s) finished by Slurm array tasks\n", pl.st.path, collected);
    }
    cli_git_revision(rev, sizeof rev);
    StartEvals starts = { 0 };   /* the step-0 evaluations made in this invocation */
    Pool pool = { .jobs = o->jobs, .recompute = o->sweep.recompute, .rev = rev, .starts = &starts };
    int refused = 0, waiting = 0, planned_all = 0, skipped_all = 0;
    /* phase 1, the tuning runs; phase 2, every other run (tuned ones with the value chosen) */
    for (int phase = pl.tuned ? 1 : 2; phase <= 2 && !run_stop_signal; phase++) {
        if (phase == 2 && pl.tuned) {
            if (root && store_flush(&pl.st, err, sizeof err) != 0) fprintf(stderr, "error: %s\n", err);
            if (root && d->size == 1) {   /* a choice at the edge of its grid: the grid grows (tune.widen), tuning goes on */
                const int grown = plan_widen(&pl, &o->sweep, stdout, err, sizeof err);
                if (grown < 0) fprintf(stderr, "error: %s\n", err);
                if (grown > 0) {
                    todo = reallocCheck(todo, sizeof(int) * (size_t)pl.e.nruns);
                    phase = 0;   /* phase 1 again, for the added runs */
                    continue;
                }
            }
            if (root) plan_choose(&pl, &o->sweep, stdout);
            if (d->size > 1) {   /* process 0 read them */
                d->broadcast(pl.chosen, (size_t)n * TUNE_VALUE);
                for (int k = 0; k < pl.nsel; k++)
                    if (pl.chosen[pl.sel[k]][0] && plan_resolve(&pl, pl.sel[k], &o->sweep, err, sizeof err) != 0) fprintf(stderr, "error: %s\n", err);
            }
        }
        int counts[5] = { 0 };   /* planned, skipped, copied, waiting, refused */
        int ntodo = decide_phase(&pl, o, phase, todo, counts);
        if (d->size > 1) {   /* process 0's list: the others never read the results file */
            d->broadcast(&ntodo, sizeof ntodo);
            d->broadcast(todo, sizeof(int) * (size_t)(ntodo ? ntodo : 1));
        }
        refused += counts[4];
        waiting += counts[3];
        planned_all += counts[0];
        skipped_all += counts[1] + counts[2];
        if (counts[0] == 0) continue;
        printf("%s%s: %d runs, %d already in %s", pl.e.name, phase == 1 ? " (tuning runs)" : "", counts[0], counts[1] + counts[2],
               pl.st.path);
        if (counts[2]) printf(" (%d of them copied from the tuning run with the same config)", counts[2]);
        if (counts[3]) printf(", %d waiting for a tuning choice", counts[3]);
        if (counts[4]) printf(", %d refused (stored with another config)", counts[4]);
        printf(", %d to run\n", ntodo);
        fflush(stdout);
        sweep_pool(&pl, todo, ntodo, &pool);
    }
    int unmerged = 0;
    if (root && store_flush(&pl.st, err, sizeof err) != 0) {
        unmerged = pl.st.npending;
        fprintf(stderr, "error: %s\nerror: %d finished run(s) are not in %s yet: their run files are kept in %s, and the next "
                "`loft run` or `loft collect` merges them\n", err, unmerged, pl.st.path, pl.st.partial);
    }
    if (root && o->sweep.force && pool.done > 0 && store_compact(&pl.st, err, sizeof err) != 0)   /* replaced runs leave space */
        fprintf(stderr, "warning: %s\n", err);
    start_evals_free(&starts);
    if (root) rmdir(pl.st.partial);   /* empty unless a merge failed */
    if (waiting) fprintf(stderr, "error: %d run(s) wait for tuning groups with no finished tuning run; they were not run\n", waiting);
    if (run_stop_signal) {
        const int sig = run_stop_signal;
        printf("%s: stopped by %s: %d run(s) finished this time, %d interrupted (their logged steps kept, status \"interrupted\"), "
               "%d of %d already there; `loft run %s` again resumes (finished runs are skipped, interrupted ones continue from their checkpoint)\n",
               pl.e.name, sig == SIGINT ? "SIGINT" : "SIGTERM", pool.done, pool.interrupted, skipped_all, planned_all, path);
        rc = 128 + sig;
        goto out;
    }
    printf("%s: %d runs finished, %d failed%s%s; results in %s\n", pl.e.name, pool.done, pool.failed + refused + waiting,
           pool.failed + refused + waiting ? " (see the errors above)" : "", refused ? ", refused included" : "", pl.st.path);
    if (pool.failed || refused || waiting || unmerged) rc = 1;
out:
    free(todo);
    plan_free(&pl);
    return rc;
}
