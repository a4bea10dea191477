/* The sweep's process pool (pool.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "compute/backend.h"
#include "dist.h"
#include "io/h5results.h"
#include "run.h"
#include "sweep/pool.h"

static void on_signal(int sig) { run_stop_signal = sig; }

void sweep_catch_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;   /* no SA_RESTART: a wait returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void print_summary(int done, int total, const char *id, const RunSummary *s) {
    char extra[64] = "";
    if (strcmp(s->status, "diverged") == 0 || strcmp(s->status, "interrupted") == 0)
        snprintf(extra, sizeof extra, " at step %ld", strcmp(s->status, "diverged") == 0 ? s->diverged_step : s->steps_done);
    printf("[%d/%d] %s: %s%s, loss %.3e, %ld steps, %.1f s (%.0f steps/s)\n", done, total, id, s->status, extra,
           s->final_loss, s->steps_done, s->wall_seconds, s->steps_per_second);
    fflush(stdout);
}

/* s [OUT] run id's summary read back from its run file; its step-0 evaluation kept for the runs
   that start alike. 0, or -1 when the file cannot be read. */
static int read_back(Pool *pool, const Plan *p, int i, const char *file, RunSummary *s) {
    RunRecord rec;
    memset(s, 0, sizeof *s);
    snprintf(s->status, sizeof s->status, "written");
    if (h5_read_run(file, p->e.runs[i].id, 1, &rec) != 0) return -1;
    snprintf(s->status, sizeof s->status, "%s", rec.status);
    s->final_loss = rec.final_loss; s->steps_done = rec.steps_done;
    s->diverged_step = rec.diverged_step; s->wall_seconds = rec.wall_seconds;
    s->steps_per_second = s->steps_done / (s->wall_seconds > 0 ? s->wall_seconds : 1);
    char key[8400];
    start_key(&p->cfgs[i], p->yaml[i], key, sizeof key);
    start_evals_add(pool->starts, key, &rec);
    free(rec.traj);
    return 0;
}

/* after run i's process or call ended well: its file to the store, a line printed */
static void finished(Pool *pool, Plan *p, int i, const char *file, int k, int total) {
    char err[2048];
    RunSummary s;
    if (read_back(pool, p, i, file, &s) != 0) {
        fprintf(stderr, "error: run %s: its run file %s cannot be read\n", p->e.runs[i].id, file);
        pool->failed++;
        return;
    }
    if (store_add(&p->st, file, p->e.runs[i].id, err, sizeof err) != 0) fprintf(stderr, "error: %s\n", err);
    if (strcmp(s.status, "interrupted") == 0) pool->interrupted++;
    else pool->done++;
    print_summary(k, total, p->e.runs[i].id, &s);
}

static void fmt_eta(double s, char *buf, size_t n) {
    if (!(s >= 0) || s > 1e8) snprintf(buf, n, "?");
    else if (s < 120) snprintf(buf, n, "%.0f s", s);
    else if (s < 7200) snprintf(buf, n, "%.0f min", s / 60);
    else snprintf(buf, n, "%.1f h", s / 3600);
}

/* the sweep's remaining time from the mean wall time of the runs finished so far */
static void sweep_eta(double t0, int ended, int total, char *buf, size_t n) {
    char e[32];
    buf[0] = 0;
    if (ended == 0) return;
    const double per = (run_now() - t0) / ended;   /* wall time per run, the parallel runs included */
    fmt_eta(per * (total - ended), e, sizeof e);
    snprintf(buf, n, "  sweep ETA %s", e);
}

/* dir [OUT]: a new private folder for the run file of a data-parallel process other than 0 (its
   run files are thrown away), made with mkdtemp, so no predictable name in a shared $TMPDIR is
   ever opened; "" when it cannot be made */
static void private_dir(char *dir, size_t n) {
    snprintf(dir, n, "%s/loft-rank%d-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", dist()->rank);
    if (!mkdtemp(dir)) dir[0] = 0;
}

void sweep_pool(Plan *p, const int *todo, int ntodo, Pool *pool) {
    char err[2048];
    const int tty = isatty(STDERR_FILENO), jobs = pool->jobs > 256 ? 256 : pool->jobs < 1 ? 1 : pool->jobs;
    pid_t pids[256] = { 0 };
    int slot_run[256], next = 0, running = 0, ended = 0;
    const double t0 = run_now();
    double last_line = t0;
    while ((next < ntodo && !run_stop_signal) || running > 0) {
        while (running < jobs && next < ntodo && !run_stop_signal) {
            const int i = todo[next++];
            const PlannedRun *r = &p->e.runs[i];
            const int tuned = r->tune_key[0] != 0, tuning = plan_is_tuning(p, i);
            const StartEval *se = NULL;
            if (!pool->recompute) {
                char key[8400];
                start_key(&p->cfgs[i], p->yaml[i], key, sizeof key);
                se = start_evals_find(pool->starts, key);
            }
            char prefix[32], suffix[64];
            snprintf(prefix, sizeof prefix, "[%d/%d]", next, ntodo);
            sweep_eta(t0, ended, ntodo, suffix, sizeof suffix);
            RunInfo info = { .id = r->id, .label = r->label, .experiment = p->e.name, .git_revision = pool->rev,
                             .progress = jobs == 1 ? (tty ? 1 : 2) : 0, .prefix = prefix, .suffix = suffix,
                             .role = tuned ? (tuning ? "tune" : "final") : NULL, .tune_group = r->tune_group,
                             .tuned_key = r->tune_key, .tuned_value = tuning ? r->tune_value : p->chosen[i],
                             .tuned_on = r->tune_on, .eval0 = se ? se->values : NULL, .eval0_n = se ? se->n : 0,
                             .eval0_from = se ? se->from : NULL };
            char file[STORE_PATH_MAX + STORE_ID_MAX + 32];
            char pd[600] = "";
            if (dist()->rank != 0) {   /* data-parallel: process 0 alone keeps the run */
                private_dir(pd, sizeof pd);
                if (pd[0]) snprintf(file, sizeof file, "%s/run.h5", pd);
                else file[0] = 0;   /* no private folder: the run cannot start here, and every process skips it */
            }
            else if (store_run_file(&p->st, r->id, file, sizeof file) != 0) {
                fprintf(stderr, "error: run %s: its run file's path is too long\n", r->id);
                pool->failed++;
                continue;
            }
            if (jobs == 1) {
                RunSummary s;
                const int rc = run_config(&p->cfgs[i], p->yaml[i], &info, file, &s, err, sizeof err);
                ended++;
                if (dist()->rank != 0) {
                    if (pd[0]) { remove(file); rmdir(pd); }
                    rc ? pool->failed++ : pool->done++;
                    continue;
                }
                if (rc != 0) { fprintf(stderr, "error: run %s: %s\n", r->id, err); pool->failed++; continue; }
                finished(pool, p, i, file, ended, ntodo);
                continue;
            }
            fflush(stdout);
            fflush(stderr);
            pid_t parent = getpid(), pid = fork();
            if (pid < 0) {
                fprintf(stderr, "error: run %s: cannot start a process (%s)\n", r->id, strerror(errno));
                pool->failed++;
                continue;
            }
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);   /* a child never outlives the sweep */
                if (getppid() != parent) _exit(1);
                compute_set_threads(1);   /* N processes share the cores */
                RunSummary s;
                if (run_config(&p->cfgs[i], p->yaml[i], &info, file, &s, err, sizeof err) != 0) {
                    fprintf(stderr, "error: run %s: %s\n", r->id, err);
                    _exit(1);
                }
                _exit(0);
            }
            int slot = 0;
            while (pids[slot]) slot++;
            pids[slot] = pid;
            slot_run[slot] = i;
            running++;
        }
        if (running == 0) continue;
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid == 0 || (pid < 0 && errno == EINTR)) {
            if (run_stop_signal == SIGTERM)   /* a terminal's Ctrl-C reaches every process; a kill only this one */
                for (int slot = 0; slot < jobs; slot++) if (pids[slot]) kill(pids[slot], SIGTERM);
            usleep(50000);
            const double now = run_now();
            if ((tty && now - last_line > 1) || (!tty && now - last_line > run_log_seconds())) {
                char eta[64];
                sweep_eta(t0, ended, ntodo, eta, sizeof eta);
                fprintf(stderr, "%s[%d/%d] %d finished, %d running, %.0f s%s%s", tty ? "\r\033[K" : "", ended, ntodo, ended,
                        running, now - t0, eta, tty ? "" : "\n");
                last_line = now;
            }
            continue;
        }
        if (pid < 0) break;
        for (int slot = 0; slot < jobs; slot++) {
            if (pids[slot] != pid) continue;
            pids[slot] = 0;
            running--;
            ended++;
            if (tty) fprintf(stderr, "\r\033[K");
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) pool->failed++;
            else {
                char file[STORE_PATH_MAX + STORE_ID_MAX + 32];
                store_run_file(&p->st, p->e.runs[slot_run[slot]].id, file, sizeof file);
                finished(pool, p, slot_run[slot], file, ended, ntodo);
            }
            break;
        }
    }
}
