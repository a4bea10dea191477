/* Slurm job arrays for sweeps: the sbatch script, its submission, the record of arrays and the
   queue's view of their tasks (slurm.h). Programs run without a shell (fork + execvp). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "slurm.h"

/* runs argv, its stdout into out (outlen bytes, NUL-terminated; may be NULL), its stderr to ours
   or (quiet) nowhere; its exit status, or -1 when it cannot be started (127: not installed) */
static int capture(char *const argv[], char *out, size_t outlen, int quiet) {
    int fd[2];
    if (pipe(fd) != 0) return -1;
    fflush(stdout);
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
    size_t n = 0;
    char buf[4096];
    ssize_t k;
    while ((k = read(fd[0], buf, sizeof buf)) > 0)
        if (out && n + 1 < outlen) {
            size_t take = (size_t)k < outlen - 1 - n ? (size_t)k : outlen - 1 - n;
            memcpy(out + n, buf, take);
            n += take;
        }
    close(fd[0]);
    if (out && outlen) out[n] = 0;
    int status;
    if (waitpid(pid, &status, 0) < 0) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* s with every ' written as '\'' inside single quotes, for the script */
static void shell_quote(FILE *f, const char *s) {
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    }
    fputc('\'', f);
}

int slurm_submit_array(const char *dir, const char *stem, const char *list, int n, int limit, const char *after, int gpu, int recompute,
                       const char *loft_path, const char *experiment, const char *rdir, const char *const *sets,
                       int nsets, const char *const *extra, int nextra, char *job, size_t joblen, char *err, size_t errlen) {
    char script[700], cwd[1024];
    snprintf(script, sizeof script, "%s/%s.sbatch", dir, stem);
    if (!getcwd(cwd, sizeof cwd)) { snprintf(err, errlen, "cannot read the working directory"); return -1; }
    FILE *f = fopen(script, "w");
    if (!f) { snprintf(err, errlen, "%s: cannot write the sbatch script (%s)", script, strerror(errno)); return -1; }
    fprintf(f, "#!/bin/sh\n# written by `loft submit`: task i runs the run on line i + 1 of %s\n", list);
    fprintf(f, "#SBATCH --job-name=loft-%s\n", stem);
    if (limit > 0) fprintf(f, "#SBATCH --array=0-%d%%%d\n", n - 1, limit);
    else fprintf(f, "#SBATCH --array=0-%d\n", n - 1);
    fprintf(f, "#SBATCH --cpus-per-task=1\n");
    if (gpu) fprintf(f, "#SBATCH --gres=gpu:1\n");   /* device: cuda (loft exec hands the run to loft-cuda) */   /* --output goes on sbatch's command line: a path may hold spaces */
    fprintf(f, "cd ");
    shell_quote(f, cwd);
    fprintf(f, " || exit 1\nid=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" ");
    shell_quote(f, list);
    fprintf(f, ")\n[ -n \"$id\" ] || { echo \"no run on line $((SLURM_ARRAY_TASK_ID + 1)) of %s\" >&2; exit 1; }\nexec ", list);
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
    if (fclose(f) != 0) { snprintf(err, errlen, "%s: cannot write the sbatch script", script); return -1; }
    char *argv[80];
    int a = 0;
    char dep[360], output[900];   /* dep: afterany:J1:J2... */
    snprintf(output, sizeof output, "--output=%s/%s-%%a.out", dir, stem);
    argv[a++] = "sbatch";
    argv[a++] = "--parsable";
    argv[a++] = output;
    if (after && after[0]) { snprintf(dep, sizeof dep, "--dependency=afterany:%s", after); argv[a++] = dep; }
    for (int i = 0; i < nextra && a < 76; i++) argv[a++] = (char *)extra[i];
    argv[a++] = script;
    argv[a] = NULL;
    char out[256] = "";
    int rc = capture(argv, out, sizeof out, 0);
    if (rc == 127) { snprintf(err, errlen, "cannot run sbatch (install Debian's slurm-wlm, or run where Slurm is)"); return -1; }
    out[strcspn(out, ";\n")] = 0;   /* --parsable: "jobid" or "jobid;cluster" */
    if (rc != 0 || !out[0]) { snprintf(err, errlen, "sbatch refused %s (exit %d; its message is above)", script, rc); return -1; }
    snprintf(job, joblen, "%s", out);
    return 0;
}

int slurm_record(const char *dir, const SlurmArray *a) {
    char path[700];
    snprintf(path, sizeof path, "%s/jobs.txt", dir);
    FILE *f = fopen(path, "a");
    if (!f) return -1;
    fprintf(f, "%s %s\n", a->job, a->list);
    return fclose(f) == 0 ? 0 : -1;
}

/* a->ids from its list file */
static void read_ids(SlurmArray *a) {
    FILE *f = fopen(a->list, "r");
    char line[300];
    int cap = 0;
    a->ntasks = 0;
    a->ids = NULL;
    while (f && fgets(line, sizeof line, f)) {
        if (a->ntasks == cap) {
            cap = cap ? 2 * cap : 16;
            char (*grown)[256] = realloc(a->ids, sizeof *a->ids * (size_t)cap);
            if (!grown) break;
            a->ids = grown;
        }
        line[strcspn(line, "\n")] = 0;
        snprintf(a->ids[a->ntasks++], sizeof a->ids[0], "%s", line);
    }
    if (f) fclose(f);
}

SlurmArray *slurm_arrays(const char *dir, int *n) {
    char path[700], line[800];
    snprintf(path, sizeof path, "%s/jobs.txt", dir);
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    SlurmArray *a = NULL;
    int cap = 0;
    while (fgets(line, sizeof line, f)) {
        SlurmArray s;   /* "JOB LIST": the list's path runs to the end of the line (it may hold spaces) */
        memset(&s, 0, sizeof s);
        line[strcspn(line, "\n")] = 0;
        char *sp = strchr(line, ' ');
        if (!sp || sp == line || (size_t)(sp - line) >= sizeof s.job || !sp[1]) continue;
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
        s.known = slurm_task_states(s.job, s.ntasks, s.state) == 0;
        a[(*n)++] = s;
    }
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

/* "123_4" (or "123_[4-7%2]" for a pending range) -> task indices marked with state */
static void mark(const char *jobid, const char *job, const char *state, int ntasks, char (*out)[24]) {
    size_t jl = strlen(job);
    if (strncmp(jobid, job, jl) != 0 || jobid[jl] != '_') return;
    const char *t = jobid + jl + 1;
    if (*t == '[') {   /* a range list of pending tasks: 4-7,9%2 */
        t++;
        while (*t && *t != ']' && *t != '%') {
            char *end;
            long lo = strtol(t, &end, 10), hi = lo;
            if (end == t) break;
            if (*end == '-') hi = strtol(end + 1, &end, 10);
            for (long i = lo; i <= hi && i < ntasks; i++)
                if (i >= 0) snprintf(out[i], sizeof out[i], "%s", state);
            t = *end == ',' ? end + 1 : end;
        }
        return;
    }
    long i = strtol(t, NULL, 10);
    if (i >= 0 && i < ntasks) snprintf(out[i], sizeof out[i], "%s", state);
}

int slurm_state_live(const char *state) {
    static const char *const terminal[] = { "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
                                            "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT" };
    if (!state[0]) return 0;
    for (size_t i = 0; i < sizeof terminal / sizeof terminal[0]; i++)
        if (strcmp(state, terminal[i]) == 0) return 0;
    return 1;
}

int slurm_task_states(const char *job, int ntasks, char (*state)[24]) {
    for (int i = 0; i < ntasks; i++) state[i][0] = 0;
    static char out[1 << 16];
    char jobarg[40];
    snprintf(jobarg, sizeof jobarg, "%s", job);
    char *sq[] = { "sacct", "-n", "-P", "-X", "-j", jobarg, "-o", "JobID,State", NULL };
    if (capture(sq, out, sizeof out, 1) == 0) {   /* finished tasks, where accounting is on */
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
            char *bar = strchr(line, '|');
            if (!bar) continue;
            *bar = 0;
            char st[24];
            snprintf(st, sizeof st, "%s", bar + 1);
            st[strcspn(st, " ")] = 0;   /* "CANCELLED by 0" */
            mark(line, job, st, ntasks, state);
        }
    }
    /* all of this user's tasks, filtered here: with -j a job squeue has forgotten would exit 1 like
       an unreachable controller, and those two must not be confused (the second is an error) */
    char *q[] = { "squeue", "-h", "-r", "--me", "-o", "%i %T", NULL };
    int rc = capture(q, out, sizeof out, 1);
    if (rc != 0) return -1;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char id[64], st[24];
        if (sscanf(line, "%63s %23s", id, st) == 2) mark(id, job, st, ntasks, state);
    }
    return 0;
}
