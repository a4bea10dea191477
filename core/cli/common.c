/* The options parser and the helpers several `loft` commands share (cli.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "compute/backend.h"
#include "io/suggest.h"

/* 1 when option (without its leading --) is in the space-separated list */
static int takes(const char *list, const char *option) {
    const size_t n = strlen(option);
    for (const char *p = list; (p = strstr(p, option)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) return 1;
    return 0;
}

static int bad_option(const Command *c, const char *a, const char *why) {
    Suggest s;
    char hint[SUGGEST_MAX + 32] = "";
    if (strncmp(a, "--", 2) == 0) {
        suggest_begin(&s, a + 2);
        suggest_offer_list(&s, c->options, ' ');
        suggest_hint(&s, hint, sizeof hint);
        if (hint[0]) snprintf(hint, sizeof hint, "; did you mean '--%s'?", suggest_best(&s));
    }
    fprintf(stderr, "error: loft %s: %s '%s'%s (see loft %s --help)\n", c->name, why, a, hint, c->name);
    return -1;
}

int cli_parse_options(const Command *c, int argc, char **argv, int first, Options *o) {
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0 && takes(c->options, "--")) {
            o->extra = argv + i + 1;
            o->nextra = argc - i - 1;
            break;
        }
        if (strncmp(a, "--", 2) != 0 || !takes(c->options, a + 2)) return bad_option(c, a, strncmp(a, "--", 2) == 0 ? "unknown option" : "unexpected argument");
        const char *name = a + 2;
        if (strcmp(name, "force") == 0) { o->sweep.force = 1; continue; }
        if (strcmp(name, "recompute") == 0) { o->sweep.recompute = 1; continue; }
        if (strcmp(name, "allow-mixed") == 0) { o->allow_mixed = 1; continue; }
        if (i + 1 >= argc) return bad_option(c, a, "a value is missing after");
        const char *v = argv[++i];
        if (strcmp(name, "only") == 0) o->sweep.only = v;
        else if (strcmp(name, "results") == 0) o->sweep.results_dir = v;
        else if (strcmp(name, "out") == 0) o->out = v;
        else if (strcmp(name, "title") == 0) o->title = v;
        else if (strcmp(name, "group-by") == 0) o->group_by = v;
        else if (strcmp(name, "id") == 0) o->id = v;
        else if (strcmp(name, "columns") == 0) o->columns = v;
        else if (strcmp(name, "set") == 0) {
            if (o->sweep.nsets == SWEEP_MAX_SETS) { fprintf(stderr, "error: at most %d --set options\n", SWEEP_MAX_SETS); return -1; }
            if (!strchr(v, '=') || v[0] == '=') { fprintf(stderr, "error: --set expects KEY=VALUE, got '%s'\n", v); return -1; }
            o->sweep.sets[o->sweep.nsets++] = v;
        } else if (strcmp(name, "jobs") == 0 || strcmp(name, "array-limit") == 0) {
            char *end;
            long k = strtol(v, &end, 10);
            if (*end || k < 1 || k > 100000) { fprintf(stderr, "error: --%s expects an integer >= 1, got '%s'\n", name, v); return -1; }
            *(strcmp(name, "jobs") == 0 ? &o->jobs : &o->array_limit) = (int)k;
        } else if (strcmp(name, "rtol") == 0 || strcmp(name, "tensor-rtol") == 0) {
            char *end;
            double *t = strcmp(name, "rtol") == 0 ? &o->rtol : &o->tensor_rtol;
            *t = strtod(v, &end);
            if (*end || !(*t >= 0)) { fprintf(stderr, "error: --%s expects a number >= 0, got '%s'\n", name, v); return -1; }
        } else return bad_option(c, a, "unknown option");
    }
    return 0;
}

void cli_git_revision(char *buf, size_t n) {
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

void cli_self_path(char *buf, size_t n) {
    ssize_t k = readlink("/proc/self/exe", buf, n - 1);
    buf[k > 0 ? k : 0] = 0;
}

int cli_plan(Plan *p, const char *path, const Options *o) {
    char err[2048];
    if (plan_load(p, path, &o->sweep, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
    return 0;
}

int cli_hand_to_device(const Plan *p, const int *sel, int nsel, const Options *o) {
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
    cli_self_path(self, sizeof self);
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
