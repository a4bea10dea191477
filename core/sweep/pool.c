/* The sweep's process pool (pool.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
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

void sweep_print_summary(int done, int total, const char *id, const RunSummary *s) {
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
    if (h5_read_run(file, p->e.runs[i].id, H5R_TRAJECTORY, &rec) != 0) return -1;
    snprintf(s->status, sizeof s->status, "%s", rec.status);
    s->final_loss = rec.final_loss; s->steps_done = rec.steps_done;
    s->diverged_step = rec.diverged_step; s->wall_seconds = rec.wall_seconds;
    s->steps_per_second = s->steps_done / (s->wall_seconds > 0 ? s->wall_seconds : 1);
    char key[8400];
    start_key(&p->cfgs[i], p->yaml[i], key, sizeof key);
    start_evals_add(pool->starts, key, &rec);
    free(rec.traj);
    free(rec.config);
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
    sweep_print_summary(k, total, p->e.runs[i].id, &s);
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

RunInfo sweep_run_info(const Plan *p, int i, const char *rev, const StartEval *se) {
    const PlannedRun *r = &p->e.runs[i];
    const int tuned = r->tune_key[0] != 0, tuning = plan_is_tuning(p, i);
    RunInfo info = { .id = r->id, .label = r->label, .experiment = p->e.name, .git_revision = rev,
                     .role = tuned ? (tuning ? "tune" : "final") : NULL, .tune_group = r->tune_group,
                     .tuned_key = r->tune_key, .tuned_value = tuning ? r->tune_value : p->chosen[i],
                     .tuned_on = r->tune_on, .eval0 = se ? se->values : NULL, .eval0_n = se ? se->n : 0,
                     .eval0_from = se ? se->from : NULL };
    return info;
}

/* the step-0 evaluation this sweep already made from the same start, or NULL */
static const StartEval *start_eval_of(const Plan *p, int i, const Pool *pool) {
    if (pool->recompute) return NULL;
    char key[8400];
    start_key(&p->cfgs[i], p->yaml[i], key, sizeof key);
    return start_evals_find(pool->starts, key);
}

/* ---- --jobs N: N worker processes, each forked once and given runs one at a time over a pipe
   (a fork per run would copy the sweep's plan each time: a cost growing with the sweep) ---- */

typedef struct { int index; StartEval eval0; int has_eval0; } Job;   /* parent -> worker */
typedef struct { int index, rc; } Done;                              /* worker -> parent */
typedef struct { pid_t pid; int to, from, run; } Worker;            /* run: -1 when idle */

static int write_all(int fd, const void *buf, size_t n) {
    for (size_t w = 0; w < n;) {
        ssize_t k = write(fd, (const char *)buf + w, n - w);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        w += (size_t)k;
    }
    return 0;
}

/* n bytes, or -1 at end of file / error (EINTR retried: the worker waits out signals here) */
static int read_all(int fd, void *buf, size_t n) {
    for (size_t r = 0; r < n;) {
        ssize_t k = read(fd, (char *)buf + r, n - r);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        r += (size_t)k;
    }
    return 0;
}

/* a worker: runs the jobs it is given until its pipe closes or a signal stopped a run */
static void worker_main(Plan *p, Pool *pool, int in, int out) {
    compute_set_threads(1);   /* N processes share the cores */
    Job j;
    char err[2048], file[STORE_PATH_MAX + STORE_ID_MAX + 32];
    while (read_all(in, &j, sizeof j) == 0) {
        const int i = j.index;
        RunInfo info = sweep_run_info(p, i, pool->rev, j.has_eval0 ? &j.eval0 : NULL);
        RunSummary s;
        Done d = { i, 0 };
        store_run_file(&p->st, p->e.runs[i].id, file, sizeof file);
        if (run_config(&p->cfgs[i], p->yaml[i], &info, file, &s, err, sizeof err) != 0) {
            fprintf(stderr, "error: run %s: %s\n", p->e.runs[i].id, err);
            d.rc = 1;
        }
        if (write_all(out, &d, sizeof d) != 0 || run_stop_signal) break;
    }
    _exit(0);
}

/* w [OUT]: a new worker (its ends of two pipes closed here); 0, or -1 with errno */
static int worker_start(Worker *w, Plan *p, Pool *pool, Worker *all, int nall) {
    int down[2], up[2];
    if (pipe(down) != 0) return -1;
    if (pipe(up) != 0) { close(down[0]); close(down[1]); return -1; }
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) { close(down[0]); close(down[1]); close(up[0]); close(up[1]); return -1; }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* a worker never outlives the sweep */
        if (getppid() != parent) _exit(1);
        signal(SIGPIPE, SIG_DFL);
        for (int k = 0; k < nall; k++) if (all[k].pid > 0) { close(all[k].to); close(all[k].from); }
        close(down[1]);
        close(up[0]);
        worker_main(p, pool, down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    *w = (Worker){ pid, down[1], up[0], -1 };
    return 0;
}

static void worker_stop(Worker *w) {
    if (w->pid <= 0) return;
    close(w->to);
    close(w->from);
    waitpid(w->pid, NULL, 0);
    w->pid = 0;
}

static void sweep_workers(Plan *p, const int *todo, int ntodo, Pool *pool, int jobs) {
    const int tty = isatty(STDERR_FILENO), nw = jobs < ntodo ? jobs : ntodo;
    Worker *w = calloc((size_t)(nw > 0 ? nw : 1), sizeof(Worker));
    int next = 0, running = 0, ended = 0, forwarded = 0;
    const double t0 = run_now();
    double last_line = t0;
    signal(SIGPIPE, SIG_IGN);   /* a worker that died: its write fails instead */
    for (int k = 0; k < nw; k++)
        if (worker_start(&w[k], p, pool, w, k) != 0) {
            fprintf(stderr, "error: cannot start a worker process (%s)\n", strerror(errno));
            w[k].pid = 0;
        }
    for (;;) {
        for (int k = 0; k < nw && next < ntodo && !run_stop_signal; k++) {   /* a run for every idle worker */
            if (w[k].pid <= 0 && worker_start(&w[k], p, pool, w, nw) != 0) continue;
            if (w[k].run >= 0) continue;
            const int i = todo[next];
            Job j;
            memset(&j, 0, sizeof j);
            j.index = i;
            const StartEval *se = start_eval_of(p, i, pool);
            if (se) { j.eval0 = *se; j.eval0.key = NULL; j.has_eval0 = 1; }   /* the values cross the pipe, not the pointer */
            if (write_all(w[k].to, &j, sizeof j) != 0) { worker_stop(&w[k]); continue; }   /* started again above */
            w[k].run = i;
            next++;
            running++;
        }
        if (running == 0) break;
        struct pollfd fds[256];
        int slot[256], nf = 0;
        for (int k = 0; k < nw; k++)
            if (w[k].pid > 0 && w[k].run >= 0) { fds[nf] = (struct pollfd){ w[k].from, POLLIN, 0 }; slot[nf++] = k; }
        const int wait_ms = (int)(1000 * (tty ? 1 : run_log_seconds()));
        int ready = poll(fds, (nfds_t)nf, wait_ms);
        if (run_stop_signal == SIGTERM && !forwarded) {   /* a terminal's Ctrl-C reaches every process; a kill only this one */
            for (int k = 0; k < nw; k++) if (w[k].pid > 0 && w[k].run >= 0) kill(w[k].pid, SIGTERM);
            forwarded = 1;
        }
        const double now = run_now();
        if (ready <= 0 && ((tty && now - last_line >= 1) || (!tty && now - last_line >= run_log_seconds()))) {
            char eta[64];
            sweep_eta(t0, ended, ntodo, eta, sizeof eta);
            fprintf(stderr, "%s[%d/%d] %d finished, %d running, %.0f s%s%s", tty ? "\r\033[K" : "", ended, ntodo, ended, running,
                    now - t0, eta, tty ? "" : "\n");
            last_line = now;
        }
        for (int f = 0; ready > 0 && f < nf; f++) {
            if (!(fds[f].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            Worker *x = &w[slot[f]];
            const int i = x->run;
            Done d;
            running--;
            ended++;
            x->run = -1;
            if (tty) fprintf(stderr, "\r\033[K");
            if (read_all(x->from, &d, sizeof d) != 0 || d.index != i) {   /* the worker died in the run */
                int status = 0;
                close(x->to);
                close(x->from);
                waitpid(x->pid, &status, 0);
                x->pid = 0;
                fprintf(stderr, "error: run %s: its process ended %s %d\n", p->e.runs[i].id,
                        WIFSIGNALED(status) ? "by signal" : "with status", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                pool->failed++;
                continue;
            }
            if (d.rc != 0) { pool->failed++; continue; }
            char file[STORE_PATH_MAX + STORE_ID_MAX + 32];
            store_run_file(&p->st, p->e.runs[i].id, file, sizeof file);
            finished(pool, p, i, file, ended, ntodo);
        }
    }
    for (int k = 0; k < nw; k++) worker_stop(&w[k]);
    free(w);
    signal(SIGPIPE, SIG_DFL);
}

void sweep_pool(Plan *p, const int *todo, int ntodo, Pool *pool) {
    char err[2048];
    const int tty = isatty(STDERR_FILENO), jobs = pool->jobs > 256 ? 256 : pool->jobs < 1 ? 1 : pool->jobs;
    if (jobs > 1) { sweep_workers(p, todo, ntodo, pool, jobs); return; }
    const double t0 = run_now();
    int ended = 0;
    for (int next = 0; next < ntodo && !run_stop_signal; next++) {
        const int i = todo[next];
        const PlannedRun *r = &p->e.runs[i];
        char prefix[32], suffix[64];
        snprintf(prefix, sizeof prefix, "[%d/%d]", next + 1, ntodo);
        sweep_eta(t0, ended, ntodo, suffix, sizeof suffix);
        RunInfo info = sweep_run_info(p, i, pool->rev, start_eval_of(p, i, pool));
        info.progress = tty ? 1 : 2;
        info.prefix = prefix;
        info.suffix = suffix;
        char file[STORE_PATH_MAX + STORE_ID_MAX + 32], pd[600] = "";
        if (dist()->rank != 0) {   /* data-parallel: process 0 alone keeps the run */
            private_dir(pd, sizeof pd);
            if (pd[0]) snprintf(file, sizeof file, "%s/run.h5", pd);
            else file[0] = 0;   /* no private folder: the run cannot start here, and every process skips it */
        } else if (store_run_file(&p->st, r->id, file, sizeof file) != 0) {
            fprintf(stderr, "error: run %s: its run file's path is too long\n", r->id);
            pool->failed++;
            continue;
        }
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
    }
}
