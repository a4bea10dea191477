/* `loft show`, `table`, `export`, `figures`, `compact` and `compare`: reading results files back.
   Tables, findings, .dat files and figures of an experiment go under its results folder
   (--results DIR, default results): DIR/tables/NAME.{md,tex}, DIR/tables/NAME_findings.md,
   DIR/data/NAME/, DIR/figures/; nothing is written into the checkout's tracked folders. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "io/files.h"
#include "io/h5data.h"
#include "io/h5results.h"
#include "report.h"

/* "results/NAME.h5" -> "NAME" */
static void stem_of(const char *path, char *buf, size_t n) {
    const char *s = strrchr(path, '/');
    snprintf(buf, n, "%s", s ? s + 1 : path);
    char *dot = strstr(buf, ".h5");
    if (dot) *dot = 0;
}

/* the folder reports of results file path go under: --results, or the file's own folder */
static void report_dir(const char *path, const Options *o, char *buf, size_t n) {
    if (o->sweep.results_dir) { snprintf(buf, n, "%s", o->sweep.results_dir); return; }
    const char *s = strrchr(path, '/');
    if (s) snprintf(buf, n, "%.*s", (int)(s - path), path);
    else snprintf(buf, n, ".");
}

/* s [OUT] with every occurrence of key replaced by value (n bytes; 0, or -1 when it does not fit) */
static int replace_all(const char *s, const char *key, const char *value, char *out, size_t n) {
    size_t used = 0, kl = strlen(key), vl = strlen(value);
    for (const char *p = s; *p;) {
        const char *hit = strstr(p, key);
        size_t lit = hit ? (size_t)(hit - p) : strlen(p);
        if (used + lit + (hit ? vl : 0) + 1 > n) return -1;
        memcpy(out + used, p, lit);
        used += lit;
        if (!hit) break;
        memcpy(out + used, value, vl);
        used += vl;
        p = hit + kl;
    }
    out[used] = 0;
    return 0;
}

/* 1 when a gnuplot -e text assigns name (name=... at its start or after a ';') */
static int assigns(const char *args, const char *name) {
    const size_t n = strlen(name);
    for (const char *p = args; (p = strstr(p, name)); p += n) {
        const char *q = p + n;
        while (*q == ' ') q++;
        const char *b = p;
        while (b > args && b[-1] == ' ') b--;
        if (*q == '=' && (b == args || b[-1] == ';')) return 1;
    }
    return 0;
}

/* a gnuplot figure of the experiment: its declared settings, with {data} (the experiment's .dat
   folder) and {figures} (DIR/figures) filled in, and datadir and out defaulting to them */
static int draw_figure(const FigureSpec *f, int index, const char *name, const char *data, const char *figures, char *err,
                       size_t errlen) {
    char a[4096], b[4096], args[8192];
    if (replace_all(f->args, "{data}", data, a, sizeof a) != 0 || replace_all(a, "{figures}", figures, b, sizeof b) != 0) {
        snprintf(err, errlen, "figure %d (%s): its settings are too long", index + 1, f->script);
        return -1;
    }
    char stem[256];
    const char *base = strrchr(f->script, '/');
    snprintf(stem, sizeof stem, "%s", base ? base + 1 : f->script);
    if (strstr(stem, ".gp")) *strstr(stem, ".gp") = 0;
    int k = 0;
    if (!assigns(b, "datadir")) k += snprintf(args + k, sizeof args - (size_t)k, "datadir='%s'; ", data);
    if (!assigns(b, "out")) k += snprintf(args + k, sizeof args - (size_t)k, "out='%s/%s_%s_%d'; ", figures, name, stem, index + 1);
    if ((size_t)snprintf(args + k, sizeof args - (size_t)k, "%s", b) >= sizeof args - (size_t)k) {
        snprintf(err, errlen, "figure %d (%s): its settings are too long", index + 1, f->script);
        return -1;
    }
    printf("gnuplot -e \"%s\" %s\n", args, f->script);
    fflush(stdout);
    char *const argv[] = { "gnuplot", "-e", args, (char *)f->script, NULL };
    if (program_run(argv, "gnuplot-nox") != 0) {
        snprintf(err, errlen, "figure %d (gnuplot %s) failed", index + 1, f->script);
        return -1;
    }
    return 0;
}

/* with an experiment: the runs of its plan, in the order it declares its variants; runs the file
   holds that the plan does not (another experiment of the same name, variants since removed)
   are left out with a notice. *n updated. */
static RunRecord *plan_runs(const Plan *p, RunRecord *runs, int *n) {
    RunRecord *sorted = malloc(sizeof(RunRecord) * (size_t)(*n + 1));
    int k = 0, other = 0;
    for (int i = 0; i < p->e.nruns; i++) {
        if (plan_is_tuning(p, i)) continue;   /* tuning runs come first in the plan, not in the order */
        int first = 1;
        for (int q = 0; q < i && first; q++) first = plan_is_tuning(p, q) || strcmp(p->e.runs[q].label, p->e.runs[i].label) != 0;
        if (!first) continue;
        for (int r = 0; r < *n; r++) {
            if (!runs[r].id[0] || strcmp(runs[r].label, p->e.runs[i].label) != 0) continue;
            int planned = 0;
            for (int q = 0; q < p->e.nruns && !planned; q++) planned = strcmp(p->e.runs[q].id, runs[r].id) == 0;
            if (!planned) continue;
            sorted[k++] = runs[r];
            runs[r].id[0] = 0;
        }
    }
    for (int r = 0; r < *n; r++)
        if (runs[r].id[0]) { other++; free(runs[r].traj); free(runs[r].config); }
    if (other)
        fprintf(stderr, "note: %d run(s) of %s are not in %s's plan (another experiment with the same name, or variants since "
                "removed): left out (`loft show %s` lists every run)\n", other, p->st.path, p->e.path, p->st.path);
    free(runs);
    *n = k;
    return sorted;
}

/* show, table, export, figures of EXPERIMENT.lua or RESULTS.h5 */
static int cmd_results(const char *cmd, const char *arg, const Options *o) {
    Plan p;
    RunRecord *runs;
    int n, expected = 0;
    char err[2048], name[256], out[STORE_PATH_MAX + 300], path[STORE_PATH_MAX], dir[STORE_PATH_MAX];
    memset(&p, 0, sizeof p);
    p.st.lock = -1;
    const size_t len = strlen(arg);
    const int lua = len > 4 && strcmp(arg + len - 4, ".lua") == 0;
    if (lua) {
        if (cli_plan(&p, arg, o)) return 2;
        snprintf(path, sizeof path, "%s", p.st.path);
        snprintf(name, sizeof name, "%s", p.e.name);
        for (int i = 0; i < p.e.nruns; i++) expected += !plan_is_tuning(&p, i);
    } else {
        snprintf(path, sizeof path, "%s", arg);
        stem_of(arg, name, sizeof name);
    }
    const ReportSpec *spec = &p.e.report;
    const char *group_by = o->group_by ? o->group_by : spec->group_by;
    const int what = (strcmp(cmd, "show") != 0 ? H5R_TRAJECTORY : 0) | (strcmp(cmd, "table") == 0 ? H5R_CONFIG : 0);
    if (h5_read_runs(path, what, group_by, &runs, &n, err, sizeof err) != 0) {
        fprintf(stderr, "error: %s\n", err);
        plan_free(&p);
        return 2;
    }
    if (lua && strcmp(cmd, "show") != 0) runs = plan_runs(&p, runs, &n);
    report_dir(path, o, dir, sizeof dir);
    int rc = 0;
    if (strcmp(cmd, "show") == 0) {
        printf("%s: %d runs\n", path, n);
        report_show(stdout, runs, n);
    } else if (strcmp(cmd, "table") == 0) {
        if (o->out) snprintf(out, sizeof out, "%s", o->out);
        else {
            snprintf(out, sizeof out, "%s/tables", dir);
            make_dirs(out);
            snprintf(out, sizeof out, "%s/tables/%s", dir, name);
        }
        if (lua && n < expected) fprintf(stderr, "note: %s holds %d of the %d runs %s plans; the tables say so\n", path, n, expected, arg);
        const char *title = o->title ? o->title : spec->title[0] ? spec->title : name;
        FamilySpec every = { "every row", "lora", { { 0 } }, { { 0 } }, 0, 0 };   /* no families declared: one, against compare_to */
        if (spec->compare_to[0]) snprintf(every.compare_to, sizeof every.compare_to, "%s", spec->compare_to);
        snprintf(every.name, sizeof every.name, "every row against %s", every.compare_to);
        const int shorthand = spec->nfamilies == 0;
        rc = report_tables(runs, n, title, spec->tables, spec->ntables, shorthand ? &every : spec->families,
                           shorthand ? 1 : spec->nfamilies, expected, o->allow_mixed, out, err, sizeof err);
        if (rc == 0) printf("wrote %s.md, %s.tex and %s_findings.md (%d runs)\n", out, out, out, n);
    } else {   /* export, and figures */
        if (o->out) snprintf(out, sizeof out, "%s", o->out);
        else snprintf(out, sizeof out, "%s/data/%s", dir, name);
        rc = report_export(runs, n, spec->curves, spec->ncurves, spec->tables, spec->ntables, out, err, sizeof err);
        if (rc == 0) printf("wrote .dat files for %d runs into %s\n", n, out);
        if (rc == 0 && strcmp(cmd, "figures") == 0 && spec->nfigures) {
            char figures[STORE_PATH_MAX + 16];
            snprintf(figures, sizeof figures, "%s/figures", dir);
            make_dirs(figures);
            for (int i = 0; rc == 0 && i < spec->nfigures; i++) rc = draw_figure(&spec->figures[i], i, name, out, figures, err, sizeof err);
        }
    }
    if (rc) fprintf(stderr, "error: %s: %s\n", arg, err);
    h5_free_runs(runs, n);
    plan_free(&p);
    return rc ? 2 : 0;
}

int cmd_show(int argc, char **argv, const Options *o) { (void)argc; return cmd_results("show", argv[2], o); }
int cmd_table(int argc, char **argv, const Options *o) { (void)argc; return cmd_results("table", argv[2], o); }
int cmd_export(int argc, char **argv, const Options *o) { (void)argc; return cmd_results("export", argv[2], o); }
int cmd_figures(int argc, char **argv, const Options *o) { (void)argc; return cmd_results("figures", argv[2], o); }

int cmd_compact(int argc, char **argv, const Options *o) {
    (void)argc; (void)o;
    const char *results = argv[2];
    char err[2048];
    Store st;
    struct stat st0, st1;
    if (stat(results, &st0) != 0) { fprintf(stderr, "error: %s: no such results file\n", results); return 2; }
    if (store_init_file(&st, results, err, sizeof err) != 0 || store_lock(&st, 0, err, sizeof err) != 0) {
        fprintf(stderr, "error: %s\n", err);
        return 2;
    }
    int rc = store_compact(&st, err, sizeof err);
    store_close(&st, err + 1024, sizeof err - 1024);
    if (rc) { fprintf(stderr, "error: %s\n", err); return 2; }
    stat(results, &st1);
    printf("%s: %.1f MB -> %.1f MB\n", results, st0.st_size / 1e6, st1.st_size / 1e6);
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

int cmd_compare(int argc, char **argv, const Options *o) {
    (void)argc;
    const char *a = argv[2], *b = argv[3];
    const double trtol = o->tensor_rtol >= 0 ? o->tensor_rtol : o->rtol;
    RunRecord *ra, *rb;
    int na, nb, bad = 0;
    char err[1024];
    if (h5_read_runs(a, H5R_TRAJECTORY, NULL, &ra, &na, err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
    if (h5_read_runs(b, H5R_TRAJECTORY, NULL, &rb, &nb, err, sizeof err) != 0) {
        fprintf(stderr, "error: %s\n", err);
        h5_free_runs(ra, na);
        return 2;
    }
    double worst = 0, worst_tensor = 0;
    int compared = 0;
    for (int i = 0; i < na; i++) {
        const RunRecord *x = &ra[i], *y = NULL;
        char id[1100];   /* the file's text, control characters escaped */
        text_printable(id, sizeof id, x->id);
        if (!plan_matches(x->id, o->sweep.only)) continue;
        for (int j = 0; j < nb; j++) if (strcmp(rb[j].id, x->id) == 0) y = &rb[j];
        if (!y) { printf("%s: only in %s\n", id, a); bad++; continue; }
        compared++;
        /* rows are compared only where both trajectories hold them (traj NULL: rows is 0) */
        int ok = strcmp(x->status, y->status) == 0 && x->rows == y->rows && x->cols == y->cols && (!x->rows || (x->traj && y->traj));
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
            if (h5_dataset_local(a, name, err, sizeof err) < 0 || h5_dataset_local(b, name, err, sizeof err) < 0) {
                fprintf(stderr, "error: %s\n", err);   /* a link out of the file, or numbers stored elsewhere */
                h5_free_runs(ra, na);
                h5_free_runs(rb, nb);
                return 2;
            }
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
        if (!ok) { printf("%s: differs\n", id); bad++; }
    }
    for (int j = 0; j < nb; j++) {
        int found = 0;
        for (int i = 0; i < na && !found; i++) found = strcmp(ra[i].id, rb[j].id) == 0;
        found |= !plan_matches(rb[j].id, o->sweep.only);
        if (!found) { char id[1100]; printf("%s: only in %s\n", text_printable(id, sizeof id, rb[j].id), b); bad++; }
    }
    if (o->rtol > 0 || trtol > 0)
        printf("%d runs compared, %d differ (worst relative difference: logged numbers %.3g, tolerance %g; final tensors %.3g, "
               "tolerance %g)\n", compared, bad, worst, o->rtol, worst_tensor, trtol);
    else printf("%d runs compared, %d differ (bit for bit; time_s not compared)\n", compared, bad);
    h5_free_runs(ra, na);
    h5_free_runs(rb, nb);
    return bad ? 1 : 0;
}
