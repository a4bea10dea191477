/* Slurm job arrays for sweeps: the sbatch script, its submission, the record of arrays and the
   queue's view of their tasks (slurm.h). Programs run without a shell (fork + execvp).

   Quoting. Every value that reaches an array task (the working directory, the list file, the loft
   binary, the experiment's path, --results, the --set values) is written into the sbatch script
   only between single quotes, each ' in it as '\'': sh reads it as data, whatever it holds ($(),
   backquotes, ", \, spaces). Nothing else in the script comes from them: its comment and its
   message name the list file through "$list", the job name keeps only [A-Za-z0-9._+-] of the
   stem. A value with a newline or a carriage return is refused before the script is written (the
   list files and jobs.txt are line-based; sbatch refuses a script with \r\n), naming the value.
   sbatch's --output is a filename pattern (%a: the task, %A, %j, %x, ...): each % of the
   directory and of the stem goes to it as %%; a backslash there would turn every pattern off
   (each task's %a too), so a directory or stem with one is refused. sbatch gets the script's
   path as it is (no pattern there). The script is created anew (O_EXCL), never through a file
   or link that is already there.

   The queue's answers (squeue, sacct) are read to their end (up to 64 MiB; more is an error),
   and each line that names one of our jobs must name tasks of its array as loft submitted it:
   JOB_I or JOB_[R,R,...] (R: I or I-J with I <= J, the ranges increasing, then maybe %K), every
   index in [0, ntasks). Anything else (a sign, an index past the array, an unclosed range, no
   index) makes the whole answer unusable: slurm_task_states returns -1, as when squeue does not
   answer, and says which line it refused. No loop runs past the array's ntasks tasks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "slurm.h"

#define ANSWER_MAX ((size_t)64 << 20)   /* the most of squeue's or sacct's answer read */

/* runs argv without a shell: its stdout into *out (malloc'd, NUL-terminated, NULL when out of
   memory; free it), of which at most max bytes are kept (*over = 1 when there was more: the rest
   is read and dropped), its stderr to ours or (quiet) nowhere. Its exit status, or -1 when it
   cannot be started or was killed (127: not installed) */
static int capture(char *const argv[], char **out, size_t max, int *over, int quiet) {
    size_t cap = 4096, n = 0;
    *over = 0;
    *out = malloc(cap);
    if (!*out) return -1;
    (*out)[0] = 0;
    int fd[2];
    if (pipe(fd) != 0) return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) { close(fd[0]); close(fd[1]); return -1; }
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]); close(fd[1]);
        if (quiet) {   /* sacct without accounting, squeue on a forgotten job: not errors here */
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0) dup2(devnull, STDERR_FILENO);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    char chunk[4096];
    ssize_t k;
    while ((k = read(fd[0], chunk, sizeof chunk)) != 0) {
        if (k < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (*over || n + (size_t)k > max) { *over = 1; continue; }
        if (n + (size_t)k + 1 > cap) {
            size_t c = cap;
            while (c < n + (size_t)k + 1) c *= 2;
            char *grown = realloc(*out, c);
            if (!grown) { *over = 1; continue; }
            *out = grown;
            cap = c;
        }
        memcpy(*out + n, chunk, (size_t)k);
        n += (size_t)k;
        (*out)[n] = 0;
    }
    close(fd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* s with every ' written as '\'' inside single quotes, for the script: data to sh, never code */
static void shell_quote(FILE *f, const char *s) {
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    }
    fputc('\'', f);
}

/* s for a message: at most 200 characters, a newline as \n, a carriage return as \r */
static const char *visible(const char *s, char *buf, size_t n) {
    size_t o = 0;
    for (; *s && o + 3 < n && o < 200; s++) {
        if (*s == '\n' || *s == '\r') { buf[o++] = '\\'; buf[o++] = *s == '\n' ? 'n' : 'r'; }
        else buf[o++] = *s;
    }
    buf[o] = 0;
    return buf;
}

/* 0 when value (what names it: what) can go to a task, or -1 with a message: it holds a newline */
static int one_line(const char *what, const char *value, char *err, size_t errlen) {
    if (!strpbrk(value, "\n\r")) return 0;
    char v[256];
    snprintf(err, errlen, "%s '%s' holds a newline or carriage return: it cannot be handed to Slurm array tasks (their "
             "list files and jobs.txt hold one name a line; sbatch refuses \\r\\n); nothing submitted", what, visible(value, v, sizeof v));
    return -1;
}

/* s with each % doubled (sbatch's filename patterns read %% as %) into buf; -1 when it does not fit */
static int pattern_escape(const char *s, char *buf, size_t n) {
    size_t o = 0;
    for (; *s; s++) {
        if (o + 3 > n) return -1;
        if (*s == '%') buf[o++] = '%';
        buf[o++] = *s;
    }
    if (o + 1 > n) return -1;
    buf[o] = 0;
    return 0;
}

/* 1 for a job id as sbatch --parsable prints it: decimal digits, at most 19 */
static int job_id_ok(const char *s) {
    size_t d = strspn(s, "0123456789");
    return d > 0 && d < 20 && s[d] == 0;
}

int slurm_submit_array(const char *dir, const char *stem, const char *list, int n, int limit, const char *after, int gpu, int recompute,
                       const char *loft_path, const char *experiment, const char *rdir, const char *const *sets,
                       int nsets, const char *const *extra, int nextra, char *job, size_t joblen, char *err, size_t errlen) {
    char script[4096], cwd[4096], v[256];
    if (!getcwd(cwd, sizeof cwd)) { snprintf(err, errlen, "cannot read the working directory (%s)", strerror(errno)); return -1; }
    if (one_line("the working directory", cwd, err, errlen) || one_line("--results", rdir, err, errlen) ||
        one_line("the experiment's path", experiment, err, errlen) || one_line("the loft binary's path", loft_path, err, errlen) ||
        one_line("the experiment's name (in the sbatch script's name)", stem, err, errlen) ||
        one_line("the Slurm directory", dir, err, errlen) || one_line("the list file", list, err, errlen))
        return -1;
    for (int i = 0; i < nsets; i++)
        if (one_line("--set", sets[i], err, errlen)) return -1;
    if (strchr(dir, '\\') || strchr(stem, '\\')) {
        snprintf(err, errlen, "%s '%s' holds a backslash: sbatch would then expand none of the --output name's patterns (%%a, "
                 "each task's own log); nothing submitted", strchr(dir, '\\') ? "the results directory" : "the experiment's name",
                 visible(strchr(dir, '\\') ? dir : stem, v, sizeof v));
        return -1;
    }
    char pdir[2048], pstem[1024], output[4096];
    if (snprintf(script, sizeof script, "%s/%s.sbatch", dir, stem) >= (int)sizeof script || pattern_escape(dir, pdir, sizeof pdir) ||
        pattern_escape(stem, pstem, sizeof pstem) ||
        snprintf(output, sizeof output, "--output=%s/%s-%%a.out", pdir, pstem) >= (int)sizeof output) {
        snprintf(err, errlen, "%s/%s.sbatch: the path is too long for the sbatch script", visible(dir, v, sizeof v), stem);
        return -1;
    }
    char dep[360];   /* afterany:J1:J2... */
    if (after && after[0] && snprintf(dep, sizeof dep, "--dependency=afterany:%s", after) >= (int)sizeof dep) {
        snprintf(err, errlen, "--dependency: too many jobs to wait for (%s)", after);
        return -1;
    }
    int fd = open(script, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        snprintf(err, errlen, "%s: cannot create the sbatch script (%s)", script, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    fprintf(f, "#!/bin/sh\n# written by `loft submit`: task i runs the run on line i + 1 of the list file \"$list\"; every value\n"
               "# below that came from the command line is single-quoted data ('\\'' is a quote)\n");
    fprintf(f, "#SBATCH --job-name=loft-");
    for (const char *c = stem; *c; c++) {   /* a name for squeue's listing only: no quoting needed */
        int keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("._+-", *c);
        fputc(keep ? *c : '_', f);
    }
    fputc('\n', f);
    if (limit > 0) fprintf(f, "#SBATCH --array=0-%d%%%d\n", n - 1, limit);
    else fprintf(f, "#SBATCH --array=0-%d\n", n - 1);
    fprintf(f, "#SBATCH --cpus-per-task=1\n");
    if (gpu) fprintf(f, "#SBATCH --gres=gpu:1\n");   /* device: cuda (loft exec hands the run to loft-cuda) */
    /* --output goes on sbatch's command line: a path may hold spaces */
    fprintf(f, "list=");
    shell_quote(f, list);
    fprintf(f, "\ncase $SLURM_ARRAY_TASK_ID in\n''|*[!0-9]*) echo \"SLURM_ARRAY_TASK_ID is '$SLURM_ARRAY_TASK_ID', not a task index\" >&2; "
               "exit 1 ;;\nesac\nline=$((SLURM_ARRAY_TASK_ID + 1))\ncd ");
    shell_quote(f, cwd);
    fprintf(f, " || exit 1\nid=$(sed -n \"${line}p\" < \"$list\")\n"
               "[ -n \"$id\" ] || { echo \"no run on line $line of $list\" >&2; exit 1; }\nexec ");
    shell_quote(f, loft_path);
    fprintf(f, " exec ");
    shell_quote(f, experiment);
    fprintf(f, " --id \"$id\"%s --results ", recompute ? " --recompute" : "");
    shell_quote(f, rdir);
    for (int i = 0; i < nsets; i++) {
        fprintf(f, " --set ");
        shell_quote(f, sets[i]);
    }
    fprintf(f, "\n");
    if (ferror(f) | (fclose(f) != 0)) {
        snprintf(err, errlen, "%s: cannot write the sbatch script", script);
        remove(script);
        return -1;
    }
    char *argv[80];
    int a = 0;
    argv[a++] = "sbatch";
    argv[a++] = "--parsable";
    argv[a++] = output;
    if (after && after[0]) argv[a++] = dep;
    for (int i = 0; i < nextra && a < 76; i++) argv[a++] = (char *)extra[i];
    argv[a++] = script;
    argv[a] = NULL;
    char *out;
    int over, rc = capture(argv, &out, 4096, &over, 0);
    if (rc == 127) { free(out); snprintf(err, errlen, "cannot run sbatch (install Debian's slurm-wlm, or run where Slurm is)"); return -1; }
    if (out) out[strcspn(out, ";\n")] = 0;   /* --parsable: "jobid" or "jobid;cluster" */
    if (rc != 0 || !out || !out[0]) {
        snprintf(err, errlen, "sbatch refused %s (exit %d; its message is above)", script, rc);
        free(out);
        return -1;
    }
    if (!job_id_ok(out) || strlen(out) >= joblen) {
        snprintf(err, errlen, "sbatch --parsable printed '%s' for %s, not a job id: its runs are not recorded as queued (see squeue "
                 "before submitting again)", visible(out, v, sizeof v), script);
        free(out);
        return -1;
    }
    snprintf(job, joblen, "%s", out);
    free(out);
    return 0;
}

int slurm_record(const char *dir, const SlurmArray *a) {
    char path[4096], line[700];
    int k = snprintf(line, sizeof line, "%s %s\n", a->job, a->list);
    if (snprintf(path, sizeof path, "%s/jobs.txt", dir) >= (int)sizeof path || k < 0 || k >= (int)sizeof line ||
        strpbrk(a->job, " \n\r") || strpbrk(a->list, "\n\r"))
        return -1;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);   /* one write: one whole line */
    if (fd < 0) return -1;
    int ok = write(fd, line, (size_t)k) == k;
    return close(fd) == 0 && ok ? 0 : -1;
}

/* a->ids from its list file: one id a line (one task a line, however long) */
static void read_ids(SlurmArray *a) {
    FILE *f = fopen(a->list, "r");
    char *line = NULL;
    size_t len = 0;
    int cap = 0;
    a->ntasks = 0;
    a->ids = NULL;
    while (f && getline(&line, &len, f) > 0) {
        if (a->ntasks == cap) {
            cap = cap ? 2 * cap : 16;
            char (*grown)[256] = realloc(a->ids, sizeof *a->ids * (size_t)cap);
            if (!grown) break;
            a->ids = grown;
        }
        line[strcspn(line, "\n")] = 0;
        snprintf(a->ids[a->ntasks++], sizeof a->ids[0], "%s", line);
    }
    free(line);
    if (f) fclose(f);
}

SlurmArray *slurm_arrays(const char *dir, int *n) {
    char path[4096], *line = NULL;
    size_t len = 0;
    *n = 0;
    if (snprintf(path, sizeof path, "%s/jobs.txt", dir) >= (int)sizeof path) return NULL;
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    SlurmArray *a = NULL;
    int cap = 0;
    while (getline(&line, &len, f) > 0) {
        SlurmArray s;   /* "JOB LIST": the list's path runs to the end of the line (it may hold spaces) */
        memset(&s, 0, sizeof s);
        line[strcspn(line, "\n")] = 0;
        char *sp = strchr(line, ' ');
        if (!sp || sp == line || (size_t)(sp - line) >= sizeof s.job || !sp[1] || strlen(sp + 1) >= sizeof s.list) continue;
        snprintf(s.job, sizeof s.job, "%.*s", (int)(sp - line), line);
        snprintf(s.list, sizeof s.list, "%s", sp + 1);
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            SlurmArray *grown = realloc(a, sizeof(SlurmArray) * cap);
            if (!grown) break;
            a = grown;
        }
        read_ids(&s);
        s.state = calloc((size_t)(s.ntasks ? s.ntasks : 1), sizeof *s.state);
        s.known = s.state && slurm_task_states(s.job, s.ntasks, s.state) == 0;
        a[(*n)++] = s;
    }
    free(line);
    fclose(f);
    return a;
}

void slurm_arrays_free(SlurmArray *a, int n) {
    for (int i = 0; i < n; i++) { free(a[i].ids); free(a[i].state); }
    free(a);
}

int slurm_arrays_known(const SlurmArray *a, int n) {
    for (int i = 0; i < n; i++) if (!a[i].known) return 0;
    return 1;
}

int slurm_run_queued(const SlurmArray *a, int n, const char *id) {
    for (int i = 0; i < n; i++)
        for (int t = 0; a[i].known && t < a[i].ntasks; t++)
            if (strcmp(a[i].ids[t], id) == 0 && slurm_state_live(a[i].state[t])) return 1;
    return 0;
}

/* the task index at *s (decimal digits, no sign) when it is one of an array of ntasks, *s moved
   past it; -1 otherwise (the digits stop being read once past ntasks: no overflow) */
static long task_index(const char **s, int ntasks) {
    const char *p = *s;
    long v = 0;
    if (*p < '0' || *p > '9') return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = 10 * v + (*p - '0');
        if (v >= ntasks) return -1;
    }
    *s = p;
    return v;
}

/* marks with state the tasks a queue line names by its job id: "123_4", or "123_[4-7,9%2]" for
   pending tasks (the ranges increasing). 0, also for another job's id; -1 when the id is job's
   but names no valid task of its ntasks (a sign, an index past the array, no ']', ...) */
static int mark(const char *jobid, const char *job, const char *state, int ntasks, char (*out)[24]) {
    size_t jl = strlen(job);
    if (!jl || strncmp(jobid, job, jl) != 0 || jobid[jl] != '_') return 0;
    const char *t = jobid + jl + 1;
    if (*t != '[') {
        long i = task_index(&t, ntasks);
        if (i < 0 || *t) return -1;
        snprintf(out[i], sizeof out[i], "%s", state);
        return 0;
    }
    t++;
    for (long next = 0;;) {   /* each range starts past the last: at most ntasks marks in all */
        long lo = task_index(&t, ntasks), hi = lo;
        if (lo < next) return -1;
        if (*t == '-') {
            t++;
            hi = task_index(&t, ntasks);
            if (hi < lo) return -1;
        }
        for (long i = lo; i <= hi; i++) snprintf(out[i], sizeof out[i], "%s", state);
        next = hi + 1;
        if (*t != ',') break;
        t++;
    }
    if (*t == '%') {   /* the array's limit of tasks at once */
        size_t d = strspn(++t, "0123456789");
        if (!d) return -1;
        t += d;
    }
    return t[0] == ']' && !t[1] ? 0 : -1;
}

/* the lines of a queue answer (tool: "squeue" or "sacct"), each "JOBID<sep>STATE ...": the tasks
   of job marked with their state. 0, or -1 (with a warning) at a line that names job but no task
   of its array */
static int read_answer(const char *tool, char *answer, char sep, const char *job, int ntasks, char (*state)[24]) {
    for (char *line = answer, *next; *line; line = next) {
        next = line + strcspn(line, "\n");
        if (*next) *next++ = 0;
        line += strspn(line, " ");
        char *end = sep == ' ' ? line + strcspn(line, " \t") : strchr(line, sep);
        if (!end || !*end || end == line) continue;   /* no state: not a task's line */
        *end++ = 0;
        end += strspn(end, " \t");
        char st[24];
        snprintf(st, sizeof st, "%.*s", (int)strcspn(end, " \t"), end);   /* "CANCELLED by 0": CANCELLED */
        if (!st[0]) continue;
        if (mark(line, job, st, ntasks, state) != 0) {
            char v[256];
            fprintf(stderr, "warning: %s: '%s' names no task of job %s, whose array loft submitted with %d task(s); its "
                    "answer is not used\n", tool, visible(line, v, sizeof v), job, ntasks);
            return -1;
        }
    }
    return 0;
}

int slurm_state_live(const char *state) {
    static const char *const terminal[] = { "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                                            "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT" };
    if (!state[0]) return 0;
    for (size_t i = 0; i < sizeof terminal / sizeof terminal[0]; i++)
        if (strcmp(state, terminal[i]) == 0) return 0;
    return 1;
}

static int task_states(const char *job, int ntasks, char (*state)[24]) {
    char jobarg[40], *out;
    int over;
    snprintf(jobarg, sizeof jobarg, "%s", job);
    char *sq[] = { "sacct", "-n", "-P", "-X", "-j", jobarg, "-o", "JobID,State", NULL };
    if (capture(sq, &out, ANSWER_MAX, &over, 1) == 0) {   /* finished tasks, where accounting is on */
        if (!out || over) fprintf(stderr, "warning: sacct: its answer for job %s is longer than %zu MiB; not used\n", job, ANSWER_MAX >> 20);
        if (!out || over || read_answer("sacct", out, '|', job, ntasks, state) != 0) { free(out); return -1; }
    }
    free(out);
    /* all of this user's tasks, filtered here: with -j a job squeue has forgotten would exit 1 like
       an unreachable controller, and those two must not be confused (the second is an error) */
    char *q[] = { "squeue", "-h", "-r", "--me", "-o", "%i %T", NULL };
    int rc = capture(q, &out, ANSWER_MAX, &over, 1);
    if (rc == 0 && (!out || over)) fprintf(stderr, "warning: squeue: its answer is longer than %zu MiB; not used\n", ANSWER_MAX >> 20);
    rc = rc != 0 || !out || over ? -1 : read_answer("squeue", out, ' ', job, ntasks, state);
    free(out);
    return rc;
}

int slurm_task_states(const char *job, int ntasks, char (*state)[24]) {
    for (int i = 0; i < ntasks; i++) state[i][0] = 0;
    int rc = task_states(job, ntasks, state);
    if (rc != 0)   /* the queue said nothing usable: no state at all (callers may read them all the same) */
        for (int i = 0; i < ntasks; i++) state[i][0] = 0;
    return rc;
}
