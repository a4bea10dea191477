/* `loft submit`, `exec`, `collect` and `status`: a sweep as Slurm job arrays. `submit` hands the
   runs sweep_decide would train to sbatch (the tuning runs first, the others after them), each
   array task runs `loft exec` into RESULTS/NAME.h5.slurm/<id>.h5, and `collect` (or the next
   `loft run`) merges the finished ones into the store in one batch. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "compute/backend.h"
#include "io/files.h"
#include "io/h5results.h"
#include "run.h"
#include "slurm.h"
#include "sweep/pool.h"

/* the logged steps of array tasks that ended without finishing their run (killed, preempted,
   timed out: a <id>.h5.part whose run is not queued) go into the results, status "interrupted",
   before a resubmission overwrites them; the caller holds the lock. Needs the queue: without it
   nothing is touched. Returns the number merged. */
static int recover_interrupted(Plan *p, const SlurmArray *arrays, int na) {
    if (!slurm_arrays_known(arrays, na)) return 0;
    MergeItem *items = calloc((size_t)(p->e.nruns ? p->e.nruns : 1), sizeof(MergeItem));
    char (*paths)[STORE_PATH_MAX + STORE_ID_MAX + 32] = calloc((size_t)(p->e.nruns ? p->e.nruns : 1), sizeof *paths);
    int n = 0, merged = 0;
    for (int k = 0; k < p->e.nruns; k++) {
        snprintf(paths[n], sizeof paths[n], "%s/%s.h5.part", p->st.slurm, p->e.runs[k].id);
        if (access(paths[n], F_OK) != 0 || slurm_run_queued(arrays, na, p->e.runs[k].id)) continue;
        items[n].path = paths[n];
        items[n].expect_id = p->e.runs[k].id;
        n++;
    }
    char err[2048];
    if (n && store_merge_files(p->st.path, items, n, "interrupted", p->st.owner, err, sizeof err) != 0) fprintf(stderr, "warning: %s\n", err);
    for (int k = 0; k < n; k++) {
        if (items[k].outcome == MERGE_DONE) {
            merged++;
            printf("%s: recovered the logged steps of the interrupted task (status \"interrupted\")\n", items[k].id);
        } else if (items[k].message[0]) fprintf(stderr, "warning: %s\n", items[k].message);
    }
    free(items); free(paths);
    return merged;
}

/* finished task files into the results, under the lock (waiting up to wait_s); the number merged,
   or -1 after printing why */
static int collect_locked(Plan *p, int wait_s) {
    char err[2048];
    if (store_lock(&p->st, wait_s, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return -1; }
    int n = store_merge_dir(&p->st, p->st.slurm, NULL, 0, err, sizeof err);
    if (n < 0) fprintf(stderr, "error: %s\n", err);
    store_close(&p->st, err, sizeof err);
    return n;
}

int cmd_collect(int argc, char **argv, const Options *o) {
    (void)argc;
    Plan p;
    if (cli_plan(&p, argv[2], o)) return 2;
    int na = 0, n = -1;
    char err[2048];
    SlurmArray *arrays = slurm_arrays(p.st.slurm, &na);
    if (store_lock(&p.st, 600, err, sizeof err) != 0) fprintf(stderr, "error: %s\n", err);
    else {
        n = store_merge_dir(&p.st, p.st.slurm, NULL, 0, err, sizeof err);
        if (n < 0) fprintf(stderr, "error: %s\n", err);
        recover_interrupted(&p, arrays, na);
        /* what a sweep could not merge (a full disk) or left when killed: no sweep runs while the lock is held */
        int left = store_merge_dir(&p.st, p.st.partial, "interrupted", 1, err, sizeof err);
        if (left < 0) fprintf(stderr, "error: %s\n", err);
        else if (left) printf("%s: merged %d run(s) a sweep left in %s\n", p.st.path, left, p.st.partial);
        if (n >= 0) printf("%s: collected %d finished run(s) from %s\n", p.st.path, n, p.st.slurm);
    }
    slurm_arrays_free(arrays, na);
    plan_free(&p);
    return n < 0 ? 2 : 0;
}

/* one run (--id) into RESULTS.slurm/<id>.h5: what a Slurm array task runs */
int cmd_exec(int argc, char **argv, const Options *o) {
    (void)argc;
    const char *path = argv[2];
    if (!o->id) { fprintf(stderr, "error: loft exec needs --id RUN_ID (an id `loft list` prints)\n"); return 2; }
    Options one = *o;
    one.sweep.only = NULL;   /* resolve every run: tuning groups need theirs */
    Plan p;
    char err[2048];
    if (cli_plan(&p, path, &one)) return 2;
    int i = -1;
    for (int k = 0; k < p.e.nruns && i < 0; k++) if (strcmp(p.e.runs[k].id, o->id) == 0) i = k;
    if (i < 0) { fprintf(stderr, "error: %s has no run with id '%s' (see loft list)\n", path, o->id); plan_free(&p); return 2; }
    const PlannedRun *r = &p.e.runs[i];
    const int tuning = plan_is_tuning(&p, i);
    int rc = cli_hand_to_device(&p, &i, 1, o);
    if (rc != 0) { plan_free(&p); return rc; }
    make_dirs(p.st.slurm);
    /* one task at a time per run: a second exec of a running id would share its .part file */
    char lockpath[STORE_PATH_MAX + STORE_ID_MAX + 32];
    snprintf(lockpath, sizeof lockpath, "%s/%s.lock", p.st.slurm, r->id);
    int lk = open(lockpath, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (lk < 0 || flock(lk, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "error: run %s is being run by another `loft exec` (lock %s%s); this task does nothing\n", r->id, lockpath,
                lk < 0 ? ", which cannot be opened" : "");
        if (lk >= 0) close(lk);
        plan_free(&p);
        return 2;
    }
    if (r->tune_key[0] && !tuning) {   /* a tuned run: its group's tuning runs first go into the results */
        if (collect_locked(&p, 600) < 0) { close(lk); plan_free(&p); return 2; }
        plan_choose(&p, &one.sweep, NULL);
        if (!p.chosen[i][0]) {
            fprintf(stderr, "error: run %s: tuning group %s has no finished tuning run in %s\n", r->id, r->tune_group, p.st.path);
            close(lk);
            plan_free(&p);
            return 1;
        }
    }
    const char *cpus = getenv("SLURM_CPUS_PER_TASK");
    if (cpus && atoi(cpus) > 0) compute_set_threads(atoi(cpus));
    char rev[64], part[STORE_PATH_MAX + STORE_ID_MAX + 32], done[sizeof part], errfile[sizeof part];
    cli_git_revision(rev, sizeof rev);
    snprintf(part, sizeof part, "%s/%s.h5.part", p.st.slurm, r->id);
    snprintf(done, sizeof done, "%s/%s.h5", p.st.slurm, r->id);
    snprintf(errfile, sizeof errfile, "%s/%s.err", p.st.slurm, r->id);
    unlink(errfile);
    Decision d = sweep_decide(&p, i, &one.sweep);
    if (d.action == DECIDE_REFUSE) {
        fprintf(stderr, "error: run %s is already in %s, finished, with another config: %s (--force replaces it)\n", r->id,
                p.st.path, d.why);
        close(lk);
        plan_free(&p);
        return 1;
    }
    if (d.action == DECIDE_COPY) {   /* a final run equal to the tuning run its group chose, as `loft run` does */
        int ok = h5_extract_run(p.st.path, p.e.runs[d.twin].id, r->id, "final", part, err, sizeof err) == 0;
        if (ok && rename(part, done) != 0) {
            snprintf(err, sizeof err, "%s: cannot rename to %s (%s)", part, done, strerror(errno));
            unlink(part);
            ok = 0;
        }
        if (ok) {
            printf("%s: copied from the tuning run %s (the same config; --recompute trains it)\n", r->id, p.e.runs[d.twin].id);
            close(lk);
            plan_free(&p);
            return 0;
        }
        fprintf(stderr, "warning: %s; the run is trained instead\n", err);
    }
    RunInfo info = sweep_run_info(&p, i, rev, NULL);
    RunSummary sum;
    sweep_catch_signals();   /* Slurm's SIGTERM (scancel, preemption, the time limit): stop, keep a checkpoint */
    if (run_config(&p.cfgs[i], p.yaml[i], &info, part, &sum, err, sizeof err) != 0) {
        fprintf(stderr, "error: run %s: %s\n", r->id, err);
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) { dprintf(fd, "%s\n", err); close(fd); }
        rc = 1;
    } else if (strcmp(sum.status, "interrupted") == 0) {   /* left as the part file of a stopped task: status shows it */
        sweep_print_summary(1, 1, r->id, &sum);            /* interrupted, the next submit stores its steps and resumes it */
        rc = 128 + (run_stop_signal ? run_stop_signal : SIGTERM);
    } else if (rename(part, done) != 0) {
        fprintf(stderr, "error: %s: cannot rename to %s (%s)\n", part, done, strerror(errno));
        rc = 1;
    } else {
        sweep_print_summary(1, 1, r->id, &sum);
    }
    close(lk);
    plan_free(&p);
    return rc;
}

int cmd_submit(int argc, char **argv, const Options *o) {
    (void)argc;
    const char *path = argv[2];
    Plan p;
    char err[2048];
    if (cli_plan(&p, path, o)) return 2;
    make_dirs(o->sweep.results_dir ? o->sweep.results_dir : "results");
    make_dirs(p.st.slurm);
    /* the lock first, then the queue and the job lists: two submits never both queue a run */
    if (store_lock(&p.st, 60, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); plan_free(&p); return 2; }
    int na = 0;
    SlurmArray *arrays = slurm_arrays(p.st.slurm, &na);
    if (!slurm_arrays_known(arrays, na)) {   /* unknown tasks may be running: submitting could run them twice */
        fprintf(stderr, "error: squeue does not answer (is slurmctld reachable?); nothing submitted, so that no queued "
                "run is submitted twice\n");
        slurm_arrays_free(arrays, na); plan_free(&p);
        return 2;
    }
    if (store_merge_dir(&p.st, p.st.slurm, NULL, 0, err, sizeof err) < 0) fprintf(stderr, "warning: %s\n", err);
    recover_interrupted(&p, arrays, na);
    if (p.tuned) plan_choose(&p, &o->sweep, NULL);   /* choices the collected tuning runs now make */
    /* pending: tuning runs, then final runs (those waiting for their tuning go after it) */
    char lists[2][STORE_PATH_MAX + 200], after_tuning[256] = "";
    long stamp = (long)time(NULL);
    for (int a = 0; a < na; a++) {   /* tuning runs still queued from earlier submits: the new runs wait for them */
        int live = 0;
        for (int t = 0; t < arrays[a].ntasks; t++)
            live |= strncmp(arrays[a].ids[t], "tune.", 5) == 0 && slurm_state_live(arrays[a].state[t]);
        if (live && strlen(after_tuning) + strlen(arrays[a].job) + 2 < sizeof after_tuning)
            snprintf(after_tuning + strlen(after_tuning), sizeof after_tuning - strlen(after_tuning), "%s%s",
                     after_tuning[0] ? ":" : "", arrays[a].job);
    }
    int count[2] = { 0, 0 }, waiting = 0, inqueue = 0, refused = 0, gpus[2] = { 0, 0 };
    FILE *lf[2] = { NULL, NULL };
    for (int phase = 0; phase < 2; phase++) {
        snprintf(lists[phase], sizeof lists[phase], "%s/%s-%ld-%ld-%s.txt", p.st.slurm, p.e.name, stamp, (long)getpid(),
                 phase ? "runs" : "tune");
        for (int k = 0; k < p.nsel; k++) {
            const int i = p.sel[k], tuning = plan_is_tuning(&p, i);
            if (tuning != (phase == 0)) continue;
            const PlannedRun *r = &p.e.runs[i];
            Decision d = sweep_decide(&p, i, &o->sweep);
            if (d.action == DECIDE_SKIP) continue;
            if (d.action == DECIDE_REFUSE) {
                fprintf(stderr, "error: run %s is already in %s, finished, with another config: %s; not submitted (--force "
                        "replaces it)\n", r->id, p.st.path, d.why);
                refused++;
                continue;
            }
            if (slurm_run_queued(arrays, na, r->id)) { inqueue++; continue; }
            if (d.action == DECIDE_WAIT) waiting++;
            if (!lf[phase]) {   /* a new file: never another submit's list */
                int fd = open(lists[phase], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                lf[phase] = fd < 0 ? NULL : fdopen(fd, "w");
            }
            if (!lf[phase]) {
                fprintf(stderr, "error: %s: cannot create (%s)\n", lists[phase], strerror(errno));
                if (lf[0]) fclose(lf[0]);
                slurm_arrays_free(arrays, na); plan_free(&p);
                return 2;
            }
            fprintf(lf[phase], "%s\n", r->id);
            count[phase]++;
            gpus[phase] |= strcmp(p.cfgs[i].device, "cuda") == 0;   /* its tasks ask Slurm for a GPU */
        }
        if (lf[phase]) fclose(lf[phase]);
    }
    printf("%s: %d tuning run(s) and %d run(s) to submit (%d already queued%s)\n", p.e.name, count[0], count[1], inqueue,
           refused ? ", some refused: see above" : "");
    char self[1024], jobs[2][32] = { "", "" };
    cli_self_path(self, sizeof self);
    int rc = refused ? 1 : 0;
    for (int phase = 0; phase < 2 && rc != 2; phase++) {
        if (!count[phase]) continue;
        char after[300] = "";   /* the runs' array starts after every queued tuning array */
        if (phase == 1) snprintf(after, sizeof after, "%s%s%s", jobs[0], jobs[0][0] && after_tuning[0] ? ":" : "", after_tuning);
        if (phase == 1 && waiting && !after[0])
            fprintf(stderr, "warning: %d run(s) wait for tuning runs that are neither finished nor queued; their tasks will "
                    "fail (loft status)\n", waiting);
        char stem[200];
        snprintf(stem, sizeof stem, "%s-%ld-%ld-%s", p.e.name, stamp, (long)getpid(), phase ? "runs" : "tune");
        if (slurm_submit_array(p.st.slurm, stem, lists[phase], count[phase], o->array_limit, phase ? after : "", gpus[phase],
                               o->sweep.recompute, self, path, o->sweep.results_dir ? o->sweep.results_dir : "results",
                               o->sweep.sets, o->sweep.nsets, (const char *const *)o->extra, o->nextra, jobs[phase],
                               sizeof jobs[phase], err, sizeof err) != 0) {
            fprintf(stderr, "error: %s\n", err);
            rc = 2;
            break;
        }
        SlurmArray a;
        memset(&a, 0, sizeof a);
        snprintf(a.job, sizeof a.job, "%s", jobs[phase]);
        snprintf(a.list, sizeof a.list, "%s", lists[phase]);
        slurm_record(p.st.slurm, &a);
        char limit[24] = "";
        if (o->array_limit > 0) snprintf(limit, sizeof limit, "%%%d", o->array_limit);
        printf("submitted job %s: %d %s (array 0-%d%s%s%s)\n", jobs[phase], count[phase], phase ? "run(s)" : "tuning run(s)",
               count[phase] - 1, limit, phase && after[0] ? ", after job " : "", phase && after[0] ? after : "");
    }
    if (!count[0] && !count[1]) printf("%s: nothing to submit\n", p.e.name);
    slurm_arrays_free(arrays, na);
    plan_free(&p);
    return rc;
}

static int file_exists(const char *path) { return access(path, F_OK) == 0; }

/* every run's state: complete / diverged / failed / interrupted (in the results file or by
   the queue), finished (a task's file waiting for `loft collect`), running, pending, not submitted */
int cmd_status(int argc, char **argv, const Options *o) {
    (void)argc;
    Plan p;
    if (cli_plan(&p, argv[2], o)) return 2;
    RunRecord *recs = NULL;
    int nr = 0;
    char err[1024];
    if (file_exists(p.st.path) && h5_read_runs(p.st.path, 0, NULL, &recs, &nr, err, sizeof err) != 0) fprintf(stderr, "warning: %s\n", err);
    int na = 0;
    SlurmArray *arrays = slurm_arrays(p.st.slurm, &na);
    if (!slurm_arrays_known(arrays, na)) fprintf(stderr, "warning: squeue does not answer: the states below come from the files alone\n");
    const char *names[] = { "complete", "diverged", "finished (to collect)", "running", "pending", "interrupted", "failed",
                            "not submitted", "stored with another config" };
    int counts[9] = { 0 };
    for (int k = 0; k < p.nsel; k++) {
        const int i = p.sel[k];
        const PlannedRun *r = &p.e.runs[i];
        char state[1200] = "", job[64] = "", f[STORE_PATH_MAX + STORE_ID_MAX + 32];
        const char *q = "";   /* the queue's state of the last task that ran it */
        for (int a = 0; a < na; a++)
            for (int t = 0; t < arrays[a].ntasks; t++)
                if (strcmp(arrays[a].ids[t], r->id) == 0) {
                    snprintf(job, sizeof job, "%s_%d", arrays[a].job, t);
                    q = arrays[a].state[t];
                }
        const RunRecord *rec = NULL;
        for (int j = 0; j < nr; j++) if (strcmp(recs[j].id, r->id) == 0) rec = &recs[j];
        Decision d = sweep_decide(&p, i, &o->sweep);
        int s;
        snprintf(f, sizeof f, "%s/%s.h5", p.st.slurm, r->id);
        int finished = file_exists(f);
        snprintf(f, sizeof f, "%s/%s.h5.part", p.st.slurm, r->id);
        int part = file_exists(f);
        snprintf(f, sizeof f, "%s/%s.err", p.st.slurm, r->id);
        int errf = file_exists(f);
        if (d.action == DECIDE_REFUSE && !finished) s = 8;
        else if (rec && strcmp(rec->status, "complete") == 0 && !finished) s = 0;
        else if (rec && strcmp(rec->status, "diverged") == 0 && !finished) s = 1;
        else if (finished) s = 2;
        else if (strcmp(q, "RUNNING") == 0 || strcmp(q, "CONFIGURING") == 0 || strcmp(q, "COMPLETING") == 0) s = 3;
        else if (strcmp(q, "PENDING") == 0 || strcmp(q, "REQUEUED") == 0) s = 4;
        else if (errf || strcmp(q, "FAILED") == 0 || strcmp(q, "OUT_OF_MEMORY") == 0 || (rec && strcmp(rec->status, "failed") == 0)) s = 6;
        else if (part || q[0] || (rec && strcmp(rec->status, "interrupted") == 0)) s = 5;   /* killed, preempted, timed out, cancelled */
        else s = 7;
        counts[s]++;
        snprintf(state, sizeof state, "%s", names[s]);
        if (s == 8) snprintf(state, sizeof state, "%s: %s", names[s], d.why);
        else if (errf && s == 6) {
            FILE *ef = fopen(f, "r");
            char msg[120] = "";
            if (ef && fgets(msg, sizeof msg, ef)) { msg[strcspn(msg, "\n")] = 0; snprintf(state, sizeof state, "failed: %s", msg); }
            if (ef) fclose(ef);
        } else if ((s == 5 || s == 6) && q[0]) snprintf(state, sizeof state, "%s (slurm: %s)", names[s], q);
        printf("%-48s %-10s %s\n", r->id, job[0] ? job : "-", state);
    }
    printf("%s:", p.e.name);
    for (int s = 0; s < 9; s++) if (counts[s]) printf(" %d %s,", counts[s], names[s]);
    printf(" of %d runs\n", p.nsel);
    slurm_arrays_free(arrays, na);
    h5_free_runs(recs, nr);
    plan_free(&p);
    return 0;
}
