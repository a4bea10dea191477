/* `loft show`, tables (Markdown + LaTeX) and gnuplot .dat export from RunRecords, as an
   experiment declares them (report_spec.h); no task is known here. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "io/files.h"
#include "report.h"
#include "stats.h"

void report_show(FILE *out, const RunRecord *runs, int n) {
    fprintf(out, "%-44s %-10s %4s %5s %-11s %7s %12s %9s\n", "run", "method", "rank", "seed", "status", "steps", "final loss", "to thr.");
    for (int i = 0; i < n; i++) {
        const RunRecord *r = &runs[i];
        char thr[24];
        if (r->steps_to_threshold >= 0) snprintf(thr, sizeof thr, "%ld", r->steps_to_threshold);
        else snprintf(thr, sizeof thr, "-");
        char status[40];
        if (strcmp(r->status, "diverged") == 0) snprintf(status, sizeof status, "diverged@%ld", r->diverged_step);
        else snprintf(status, sizeof status, "%s", r->status);
        fprintf(out, "%-44s %-10s %4ld %5ld %-11s %7ld %12.4e %9s\n", r->id, r->method, r->rank, r->seed, status,
                r->steps_done, r->final_loss, thr);
    }
}

/* distinct labels (first-seen order) and sorted distinct non-zero ranks */
static int labels_of(const RunRecord *runs, int n, const char **labels) {
    int nl = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < nl; j++) seen |= strcmp(labels[j], runs[i].label) == 0;
        if (!seen) labels[nl++] = runs[i].label;
    }
    return nl;
}

static int cmp_long(const void *a, const void *b) { long x = *(const long *)a, y = *(const long *)b; return (x > y) - (x < y); }

static int ranks_of(const RunRecord *runs, int n, long *ranks) {
    int nr = 0;
    for (int i = 0; i < n; i++) {
        int seen = runs[i].rank == 0;
        for (int j = 0; j < nr; j++) seen |= ranks[j] == runs[i].rank;
        if (!seen) ranks[nr++] = runs[i].rank;
    }
    qsort(ranks, (size_t)nr, sizeof(long), cmp_long);
    return nr;
}

#define CELL_MAX 256   /* seeds in one cell */

/* one table cell: the values of the seeds of (label, rank) that did not diverge, their mean and
   95 % interval, and the paired comparison with the baseline row on the same seeds */
typedef struct {
    int n, ok, diverged;
    double mean, sd, half;        /* half: 95 % half-width (t over seeds), NaN below 2 seeds */
    long seed[CELL_MAX];
    double v[CELL_MAX];
    int paired;                   /* number of seeds shared with the baseline (0: no comparison) */
    double dmean, p;              /* mean paired difference and its two-sided p (paired t-test) */
} Cell;

/* statistics of metric (times scale) over the seeds of (label, rank) that did not diverge;
   rank-0 runs (full AdamW) count for every rank */
static void cell_of(Cell *c, const RunRecord *runs, int n, const char *label, long rank, const char *metric, double scale) {
    memset(c, 0, sizeof(*c));
    double s1 = 0;
    for (int i = 0; i < n; i++) {
        const RunRecord *r = &runs[i];
        if (strcmp(r->label, label) != 0 || (r->rank != rank && r->rank != 0)) continue;
        if (strcmp(r->status, "complete") != 0 && strcmp(r->status, "diverged") != 0) continue;
        c->n++;
        if (strcmp(r->status, "diverged") == 0 || !isfinite(r->final_loss)) { c->diverged++; continue; }
        double v = scale * run_metric(r, metric);
        if (isfinite(v) && c->ok < CELL_MAX) { c->seed[c->ok] = r->seed; c->v[c->ok++] = v; s1 += v; }
    }
    c->mean = c->ok ? s1 / c->ok : NAN;
    double s2 = 0;
    for (int k = 0; k < c->ok; k++) s2 += (c->v[k] - c->mean) * (c->v[k] - c->mean);
    c->sd = c->ok > 1 ? sqrt(s2 / (c->ok - 1)) : 0;
    c->half = ci95_half_width(c->sd, c->ok);
}

/* the paired difference c - base over the seeds both hold */
static void pair_with(Cell *c, const Cell *base) {
    double d[CELL_MAX];
    int k = 0;
    for (int i = 0; i < c->ok; i++)
        for (int j = 0; j < base->ok; j++)
            if (c->seed[i] == base->seed[j]) { d[k++] = c->v[i] - base->v[j]; break; }
    c->paired = k;
    if (k >= 2) paired_t_test(d, k, &c->dmean, &c->p);
    else c->paired = 0;
}

/* "1.23e-08" in Markdown or "1.23\times10^{-8}" in LaTeX */
static void fmt_sci(char *buf, size_t n, double v, int tex) {
    if (!tex) { snprintf(buf, n, "%.2e", v); return; }
    if (v == 0) { snprintf(buf, n, "0"); return; }
    int e = (int)floor(log10(fabs(v)));
    snprintf(buf, n, "%.2f\\times10^{%d}", v / pow(10, e), e);
}

static void fmt_num(char *buf, size_t n, double v, int digits, int tex) {
    if (digits < 0) fmt_sci(buf, n, v, tex);
    else snprintf(buf, n, "%.*f", digits, v);
}

static void fmt_cell(char *buf, size_t n, const Cell *c, const TableSpec *t, int tex, int bold) {
    const int steps = strcmp(t->metric, "steps_to_threshold") == 0, digits = steps ? 0 : t->digits;
    if (c->n == 0 || (!c->ok && !c->diverged && !steps)) { snprintf(buf, n, "%s", tex ? "--" : "—"); return; }
    if (!c->ok) {
        if (steps) snprintf(buf, n, "not reached (0/%d)", c->n);
        else snprintf(buf, n, "diverged (%d/%d)", c->diverged, c->n);
        return;
    }
    char m[64], h[64], body[160], note[48] = "", pair[96] = "";
    fmt_num(m, sizeof m, c->mean, digits, tex);
    if (isfinite(c->half)) {
        fmt_num(h, sizeof h, c->half, digits, tex);
        snprintf(body, sizeof body, tex ? "%s \\pm %s" : "%s ± %s", m, h);
    } else snprintf(body, sizeof body, "%s", m);
    if (steps && c->ok < c->n) snprintf(note, sizeof note, " (%d/%d)", c->ok, c->n);
    else if (c->diverged) snprintf(note, sizeof note, tex ? " (%d div.)" : " (%d diverged)", c->diverged);
    if (c->paired) {
        char d[64];
        fmt_num(d, sizeof d, c->dmean, digits, tex);
        const char *sign = c->dmean >= 0 ? "+" : "", *star = c->p < 0.05 ? "*" : "";
        if (tex) snprintf(pair, sizeof pair, " ($%s%s$%s)", sign, d, star);
        else snprintf(pair, sizeof pair, " (Δ %s%s%s)", sign, d, star);
    }
    if (tex) snprintf(buf, n, bold ? "$\\mathbf{%s}$%s%s" : "$%s$%s%s", body, note, pair);
    else snprintf(buf, n, bold ? "**%s**%s%s" : "%s%s%s", body, note, pair);
}

/* text for LaTeX: % _ & # escaped, ± as math */
static void tex_escape(FILE *f, const char *s) {
    for (; *s; s++) {
        if (strncmp(s, "±", strlen("±")) == 0) { fprintf(f, "$\\pm$"); s += strlen("±") - 1; }
        else if (strncmp(s, "Δ", strlen("Δ")) == 0) { fprintf(f, "$\\Delta$"); s += strlen("Δ") - 1; }
        else if (strchr("%_&#", *s)) fprintf(f, "\\%c", *s);
        else fputc(*s, f);
    }
}

static void write_table(FILE *md, FILE *tex, const RunRecord *runs, int n, const char **labels, int nl,
                        const long *ranks, int nr, const TableSpec *t, const char *title, const char *compare_to) {
    const int steps = strcmp(t->metric, "steps_to_threshold") == 0, higher = t->better_higher && !steps;
    int base = -1;
    for (int i = 0; i < nl; i++) if (compare_to && strcmp(labels[i], compare_to) == 0) base = i;
    char caption[1024], what[300];
    snprintf(what, sizeof what, "%s", t->caption);
    if (steps && (!what[0] || strcmp(what, t->metric) == 0))
        snprintf(what, sizeof what, "steps to reach loss %.0e", n ? runs[0].loss_threshold : NAN);
    snprintf(caption, sizeof caption, "%s: %s, mean ± 95%% interval (t) over %s; best in bold (%s is better)%s%s%s", title,
             what, steps ? "the seeds that reached it" : "seeds", higher ? "higher" : "lower",
             base >= 0 ? "; (Δ d) = mean paired difference to " : "", base >= 0 ? compare_to : "",
             base >= 0 ? " on the same seeds, * p < 0.05 (paired t-test)" : "");
    Cell *cells = malloc(sizeof(Cell) * (size_t)nl * (size_t)nr);
    for (int i = 0; i < nl; i++)
        for (int j = 0; j < nr; j++) cell_of(&cells[i * nr + j], runs, n, labels[i], ranks[j], t->metric, t->scale);
    int *best = malloc(sizeof(int) * (size_t)nr);
    for (int j = 0; j < nr; j++) {
        best[j] = -1;
        for (int i = 0; i < nl; i++) {
            const Cell *c = &cells[i * nr + j];
            if (!c->ok) continue;
            if (best[j] < 0 || (higher ? c->mean > cells[best[j] * nr + j].mean : c->mean < cells[best[j] * nr + j].mean)) best[j] = i;
        }
        if (base >= 0)
            for (int i = 0; i < nl; i++) if (i != base) pair_with(&cells[i * nr + j], &cells[base * nr + j]);
    }
    fprintf(md, "\n%s\n\n| method |", caption);
    for (int j = 0; j < nr; j++) fprintf(md, " r = %ld |", ranks[j]);
    fprintf(md, "\n|---|");
    for (int j = 0; j < nr; j++) fprintf(md, "---|");
    fprintf(md, "\n");
    fprintf(tex, "\\begin{table}[t]\n\\centering\n\\caption{");
    tex_escape(tex, caption);
    fprintf(tex, "}\n\\begin{tabular}{l");
    for (int j = 0; j < nr; j++) fprintf(tex, "c");
    fprintf(tex, "}\n\\toprule\nmethod");
    for (int j = 0; j < nr; j++) fprintf(tex, " & $r = %ld$", ranks[j]);
    fprintf(tex, " \\\\\n\\midrule\n");
    for (int i = 0; i < nl; i++) {
        fprintf(md, "| %s |", labels[i]);
        tex_escape(tex, labels[i]);
        for (int j = 0; j < nr; j++) {
            char b[256];
            fmt_cell(b, sizeof b, &cells[i * nr + j], t, 0, best[j] == i);
            fprintf(md, " %s |", b);
            fmt_cell(b, sizeof b, &cells[i * nr + j], t, 1, best[j] == i);
            fprintf(tex, " & %s", b);
        }
        fprintf(md, "\n");
        fprintf(tex, " \\\\\n");
    }
    fprintf(tex, "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n");
    free(cells); free(best);
}

/* the tables of one group of runs (one target, or all runs) */
static void group_tables(FILE *md, FILE *tex, const RunRecord *runs, int n, const char *title, const TableSpec *tables,
                         int ntables, const char *compare_to) {
    const char **labels = malloc(sizeof(char *) * (size_t)(n + 1));
    long *ranks = malloc(sizeof(long) * (size_t)(n + 1));
    int nl = labels_of(runs, n, labels), nr = ranks_of(runs, n, ranks);
    if (nr == 0) ranks[nr++] = 0;
    for (int k = 0; k < ntables; k++) write_table(md, tex, runs, n, labels, nl, ranks, nr, &tables[k], title, compare_to);
    free(labels); free(ranks);
}

/* the tables of a results file without a declaration: final loss, steps to the loss threshold,
   then every evaluation column found; *n of them, malloc'ed */
static TableSpec *default_tables(const RunRecord *runs, int nruns, int *n) {
    TableSpec *t = calloc(RUN_MAX_COLS + 2, sizeof(TableSpec));
    t[0] = (TableSpec){ "final_loss", "final loss", 1, -1, 0 };
    t[1] = (TableSpec){ "steps_to_threshold", "", 1, 0, 0 };
    *n = 2;
    for (int i = 0; i < nruns; i++)
        for (size_t c = 4; c < runs[i].cols; c++) {
            int seen = 0;
            for (int k = 0; k < *n; k++) seen |= strcmp(t[k].metric, runs[i].columns[c]) == 0;
            if (seen || *n == RUN_MAX_COLS + 2) continue;
            t[*n] = (TableSpec){ "", "", 1, -1, strstr(runs[i].columns[c], "accuracy") != NULL };
            snprintf(t[*n].metric, sizeof t[*n].metric, "%s", runs[i].columns[c]);
            snprintf(t[*n].caption, sizeof t[*n].caption, "%s at the last step", runs[i].columns[c]);
            (*n)++;
        }
    return t;
}

/* runs of group g (first-seen order of groups), copied into out; returns the count */
static int runs_of_group(const RunRecord *runs, int n, const char *g, RunRecord *out) {
    int k = 0;
    for (int i = 0; i < n; i++) if (strcmp(runs[i].group, g) == 0) out[k++] = runs[i];
    return k;
}

static int groups_of(const RunRecord *runs, int n, const char **groups) {
    int ng = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < ng; j++) seen |= strcmp(groups[j], runs[i].group) == 0;
        if (!seen) groups[ng++] = runs[i].group;
    }
    return ng;
}

static int cmp_double(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

/* the hyper-parameters chosen on validation data: one row per tuning group, one column per value
   tried (the mean of the metric over the tuning seeds), the chosen value in bold; the values each
   final run got are in its attributes tuned_key / tuned_value */
static void tuning_table(FILE *md, FILE *tex, const RunRecord *runs, int n) {
    const char **groups = malloc(sizeof(char *) * (size_t)(n + 1));
    double *values = malloc(sizeof(double) * (size_t)(n + 1));
    int ng = 0, nv = 0;
    const RunRecord *any = NULL;
    for (int i = 0; i < n; i++) {
        if (strcmp(runs[i].role, "tune") != 0) continue;
        any = &runs[i];
        int seen = 0;
        for (int j = 0; j < ng; j++) seen |= strcmp(groups[j], runs[i].tune_group) == 0;
        if (!seen) groups[ng++] = runs[i].tune_group;
        double v = atof(runs[i].tuned_value);
        seen = 0;
        for (int j = 0; j < nv; j++) seen |= values[j] == v;
        if (!seen) values[nv++] = v;
    }
    if (any) {
        qsort(values, (size_t)nv, sizeof(double), cmp_double);
        fprintf(md, "\n## Hyper-parameters chosen on validation data\n\n%s chosen per group by the mean of %s over the "
                "tuning seeds (the chosen value in bold; the tables above use only the other runs)\n\n| group |",
                any->tuned_key, any->tuned_on);
        fprintf(tex, "\\begin{table}[t]\n\\centering\n\\caption{Hyper-parameters chosen on validation data: ");
        tex_escape(tex, any->tuned_key);
        fprintf(tex, " by the mean of ");
        tex_escape(tex, any->tuned_on);
        fprintf(tex, " over the tuning seeds (chosen in bold)}\n\\begin{tabular}{l");
        for (int j = 0; j < nv; j++) fprintf(tex, "c");
        fprintf(tex, "}\n\\toprule\ngroup");
        for (int j = 0; j < nv; j++) { fprintf(md, " %s = %g |", any->tuned_key, values[j]); fprintf(tex, " & %g", values[j]); }
        fprintf(md, "\n|---|");
        for (int j = 0; j < nv; j++) fprintf(md, "---|");
        fprintf(md, "\n");
        fprintf(tex, " \\\\\n\\midrule\n");
        for (int g = 0; g < ng; g++) {
            double mean[256];
            int best = -1;
            const int cap = nv < 256 ? nv : 256;
            for (int j = 0; j < cap; j++) {
                double s = 0;
                int k = 0, higher = 0;
                for (int i = 0; i < n; i++)
                    if (strcmp(runs[i].role, "tune") == 0 && strcmp(runs[i].tune_group, groups[g]) == 0 &&
                        atof(runs[i].tuned_value) == values[j] && strcmp(runs[i].status, "complete") == 0) {
                        double v = run_metric(&runs[i], runs[i].tuned_on);
                        if (isfinite(v)) { s += v; k++; }
                        higher = strstr(runs[i].tuned_on, "accuracy") != NULL;
                    }
                mean[j] = k ? s / k : NAN;
                if (isfinite(mean[j]) && (best < 0 || (higher ? mean[j] > mean[best] : mean[j] < mean[best]))) best = j;
            }
            /* the value the final runs got (their attribute), which is what counts */
            for (int i = 0; i < n; i++)
                if (strcmp(runs[i].role, "final") == 0 && strcmp(runs[i].tune_group, groups[g]) == 0)
                    for (int j = 0; j < cap; j++) if (atof(runs[i].tuned_value) == values[j]) best = j;
            fprintf(md, "| %s |", groups[g]);
            tex_escape(tex, groups[g]);
            for (int j = 0; j < cap; j++) {
                if (!isfinite(mean[j])) { fprintf(md, " — |"); fprintf(tex, " & --"); continue; }
                fprintf(md, j == best ? " **%.4g** |" : " %.4g |", mean[j]);
                fprintf(tex, j == best ? " & $\\mathbf{%.4g}$" : " & $%.4g$", mean[j]);
            }
            fprintf(md, "\n");
            fprintf(tex, " \\\\\n");
        }
        fprintf(tex, "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n");
    }
    free(groups); free(values);
}

int report_tables(const RunRecord *runs, int n, const char *title, const TableSpec *tables, int ntables,
                  const char *compare_to, const char *stem, char *err, size_t errlen) {
    char mdp[512], texp[512];
    snprintf(mdp, sizeof mdp, "%s.md", stem);
    snprintf(texp, sizeof texp, "%s.tex", stem);
    FILE *md = fopen(mdp, "w"), *tex = fopen(texp, "w");
    if (!md || !tex) {
        snprintf(err, errlen, "%s: cannot write the table (%s)", !md ? mdp : texp, strerror(errno));
        if (md) fclose(md);
        if (tex) fclose(tex);
        return -1;
    }
    fprintf(md, "# %s\n", title);
    fprintf(tex, "%% %s (generated by loft table; needs \\usepackage{booktabs})\n", title);
    TableSpec *dflt = NULL;
    if (ntables == 0) tables = dflt = default_tables(runs, n, &ntables);
    const char **groups = malloc(sizeof(char *) * (size_t)(n + 1));
    RunRecord *sub = malloc(sizeof(RunRecord) * (size_t)(n + 1)), *finals = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    int nf = 0;
    for (int i = 0; i < n; i++) if (strcmp(runs[i].role, "tune") != 0) finals[nf++] = runs[i];   /* tables: test only */
    int ng = groups_of(finals, nf, groups);
    for (int gi = 0; gi < ng; gi++) {
        int k = runs_of_group(finals, nf, groups[gi], sub);
        char t[256];
        if (groups[gi][0]) snprintf(t, sizeof t, "%s, target %s", title, groups[gi]);
        else snprintf(t, sizeof t, "%s", title);
        group_tables(md, tex, sub, k, t, tables, ntables, compare_to);
    }
    tuning_table(md, tex, runs, n);
    free(groups); free(sub); free(finals); free(dflt);
    fclose(md);
    fclose(tex);
    return 0;
}

/* the evaluated steps of the group grp (ng runs): step, then mean/min/max over seeds of each of
   the two trajectory columns col[0], col[1] (times scale), at the rows where col[0] is logged */
static void export_evals(FILE *f, const RunRecord **grp, int ng, size_t rows, const char *const col[2], double scale) {
    for (size_t k = 0; k < rows; k++) {
        double s[2] = { 0, 0 }, mn[2] = { INFINITY, INFINITY }, mx[2] = { -INFINITY, -INFINITY }, step = NAN;
        int cnt = 0;
        for (int g = 0; g < ng; g++) {
            const RunRecord *r = grp[g];
            int c0 = run_column(r, col[0]), c1 = run_column(r, col[1]);
            if (k >= r->rows || c0 < 0 || c1 < 0 || !isfinite(r->traj[k * r->cols + (size_t)c0])) continue;
            step = r->traj[k * r->cols];
            cnt++;
            for (int j = 0; j < 2; j++) {
                double v = scale * r->traj[k * r->cols + (size_t)(j ? c1 : c0)];
                s[j] += v; mn[j] = fmin(mn[j], v); mx[j] = fmax(mx[j], v);
            }
        }
        if (cnt) fprintf(f, "%.0f %.4f %.4f %.4f %.4f %.4f %.4f\n", step, s[0] / cnt, mn[0], mx[0], s[1] / cnt, mn[1], mx[1]);
    }
}

/* <dir>/summary_r<rank>__<metric>.dat: one line per label, its mean and 95 % half-width over
   seeds (the bars of the at-a-glance figure); full AdamW (rank 0) is in every rank's file */
static int export_summary(const RunRecord *runs, int n, const TableSpec *tables, int ntables, const char *dir, char *err,
                          size_t errlen) {
    const char **labels = malloc(sizeof(char *) * (size_t)(n + 1));
    long *ranks = malloc(sizeof(long) * (size_t)(n + 1));
    int nl = labels_of(runs, n, labels), nr = ranks_of(runs, n, ranks), rc = 0;
    if (nr == 0) ranks[nr++] = 0;
    for (int t = 0; t < ntables && rc == 0; t++)
        for (int j = 0; j < nr && rc == 0; j++) {
            char path[768];
            snprintf(path, sizeof path, "%s/summary_r%ld__%s.dat", dir, ranks[j], tables[t].metric);
            FILE *f = fopen(path, "w");
            if (!f) { snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno)); rc = -1; break; }
            fprintf(f, "# %s (times %g) at rank %ld: label mean half_width_95 seeds diverged\n", tables[t].metric, tables[t].scale, ranks[j]);
            Cell *c = malloc(sizeof(Cell));
            for (int i = 0; i < nl; i++) {
                cell_of(c, runs, n, labels[i], ranks[j], tables[t].metric, tables[t].scale);
                if (!c->n) continue;
                fprintf(f, "%s %.6g %.6g %d %d\n", labels[i], c->ok ? c->mean : NAN, isfinite(c->half) ? c->half : 0, c->ok, c->diverged);
            }
            free(c);
            fclose(f);
        }
    free(labels); free(ranks);
    return rc;
}

static int export_group(const RunRecord *runs, int n, const CurveSpec *curves, int ncurves, const char *dir, char *err,
                        size_t errlen) {
    if (make_dirs(dir) != 0) { snprintf(err, errlen, "%s: cannot create the directory", dir); return -1; }
    const char **labels = malloc(sizeof(char *) * (size_t)(n + 1));
    long *ranks = malloc(sizeof(long) * (size_t)(n + 2));
    int nl = labels_of(runs, n, labels), nr = ranks_of(runs, n, ranks);
    ranks[nr++] = 0;
    int rc = 0;
    for (int li = 0; li < nl && rc == 0; li++)
        for (int rj = 0; rj < nr && rc == 0; rj++) {
            const RunRecord *grp[256];
            int ng = 0;
            size_t rows = 0;
            for (int i = 0; i < n && ng < 256; i++)
                if (strcmp(runs[i].label, labels[li]) == 0 && runs[i].rank == ranks[rj] && runs[i].traj) {
                    grp[ng++] = &runs[i];
                    if (runs[i].rows > rows) rows = runs[i].rows;
                }
            if (!ng) continue;
            char path[768];
            snprintf(path, sizeof path, "%s/r%ld__%s.dat", dir, ranks[rj], labels[li]);
            FILE *f = fopen(path, "w");
            if (!f) { snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno)); rc = -1; break; }
            fprintf(f, "# %s, rank %ld, %d seeds: loss over seeds at each logged step\n", labels[li], ranks[rj], ng);
            fprintf(f, "# step mean min max std dist_to_adamw_mean\n");
            for (size_t k = 0; k < rows; k++) {
                double s1 = 0, s2 = 0, mn = INFINITY, mx = -INFINITY, step = NAN, d1 = 0;
                int cnt = 0, dc = 0;
                for (int g = 0; g < ng; g++) {
                    const RunRecord *r = grp[g];
                    int lc = run_column(r, "loss"), dcol = run_column(r, "dist_to_adamw"), sc = run_column(r, "step");
                    if (k >= r->rows || lc < 0) continue;
                    double v = r->traj[k * r->cols + (size_t)lc];
                    step = r->traj[k * r->cols + (size_t)(sc < 0 ? 0 : sc)];
                    if (!isfinite(v)) continue;
                    cnt++; s1 += v; s2 += v * v; mn = fmin(mn, v); mx = fmax(mx, v);
                    if (dcol >= 0 && isfinite(r->traj[k * r->cols + (size_t)dcol])) { d1 += r->traj[k * r->cols + (size_t)dcol]; dc++; }
                }
                if (!cnt) continue;
                double mean = s1 / cnt, sd = cnt > 1 ? sqrt(fmax(0, (s2 - s1 * s1 / cnt) / (cnt - 1))) : 0;
                fprintf(f, "%.0f %.6e %.6e %.6e %.6e %s", step, mean, mn, mx, sd, dc ? "" : "NaN\n");
                if (dc) fprintf(f, "%.6e\n", d1 / dc);
            }
            fclose(f);
            for (int ci = 0; ci < ncurves && rc == 0; ci++) {   /* the declared evaluation curves */
                const CurveSpec *cs = &curves[ci];
                const char *const col[2] = { cs->col[0], cs->col[1] };
                if (run_column(grp[0], col[0]) < 0 || run_column(grp[0], col[1]) < 0) continue;
                snprintf(path, sizeof path, "%s/r%ld__%s.%s.dat", dir, ranks[rj], labels[li], cs->name);
                if (!(f = fopen(path, "w"))) { snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno)); rc = -1; break; }
                fprintf(f, "# step %s_mean %s_min %s_max %s_mean %s_min %s_max (times %g, over seeds)\n",
                        col[0], col[0], col[0], col[1], col[1], col[1], cs->scale);
                export_evals(f, grp, ng, rows, col, cs->scale);
                fclose(f);
            }
        }
    free(labels); free(ranks);
    return rc;
}

int report_export(const RunRecord *runs, int n, const CurveSpec *curves, int ncurves, const TableSpec *tables, int ntables,
                  const char *dir, char *err, size_t errlen) {
    const char **groups = malloc(sizeof(char *) * (size_t)(n + 1));
    RunRecord *sub = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    RunRecord *finals = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    int nf = 0;
    for (int i = 0; i < n; i++) if (strcmp(runs[i].role, "tune") != 0) finals[nf++] = runs[i];
    int ng = groups_of(finals, nf, groups), rc = 0;
    for (int gi = 0; gi < ng && rc == 0; gi++) {
        int k = runs_of_group(finals, nf, groups[gi], sub);
        char d[600];
        if (groups[gi][0]) snprintf(d, sizeof d, "%s/%s", dir, groups[gi]);
        else snprintf(d, sizeof d, "%s", dir);
        if (groups[gi][0]) make_dirs(dir);
        rc = export_group(sub, k, curves, ncurves, d, err, errlen);
        if (rc == 0) rc = export_summary(sub, k, tables, ntables, d, err, errlen);
    }
    free(groups); free(sub); free(finals);
    return rc;
}
