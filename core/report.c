/* `loft show`, tables (Markdown + LaTeX) and gnuplot .dat export from RunRecords. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "report.h"

void report_show(FILE *out, const RunRecord *runs, int n) {
    fprintf(out, "%-44s %-7s %4s %5s %-11s %7s %12s %9s\n", "run", "method", "rank", "seed", "status", "steps", "final loss", "to thr.");
    for (int i = 0; i < n; i++) {
        const RunRecord *r = &runs[i];
        char thr[24];
        if (r->steps_to_threshold >= 0) snprintf(thr, sizeof thr, "%ld", r->steps_to_threshold);
        else snprintf(thr, sizeof thr, "-");
        char status[40];
        if (strcmp(r->status, "diverged") == 0) snprintf(status, sizeof status, "diverged@%ld", r->diverged_step);
        else snprintf(status, sizeof status, "%s", r->status);
        fprintf(out, "%-44s %-7s %4ld %5ld %-11s %7ld %12.4e %9s\n", r->id, r->method, r->rank, r->seed, status,
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

typedef struct { int n, ok, reached, diverged, ndist; double loss_mean, loss_std, thr_mean, thr_std, dist_mean, dist_std; } Cell;

/* the last logged distance to full AdamW of a run, or NaN */
static double last_dist(const RunRecord *r) {
    int c = run_column(r, "dist_to_adamw");
    return (c < 0 || r->rows == 0) ? NAN : r->traj[(r->rows - 1) * r->cols + (size_t)c];
}

/* statistics over the seeds of (label, rank); rank-0 runs (full AdamW) count for every rank */
static Cell cell_of(const RunRecord *runs, int n, const char *label, long rank) {
    Cell c = { 0 };
    double s1 = 0, s2 = 0, t1 = 0, t2 = 0, d1 = 0, d2 = 0;
    for (int i = 0; i < n; i++) {
        const RunRecord *r = &runs[i];
        if (strcmp(r->label, label) != 0 || (r->rank != rank && r->rank != 0)) continue;
        if (strcmp(r->status, "complete") != 0 && strcmp(r->status, "diverged") != 0) continue;
        c.n++;
        double d = last_dist(r);
        if (isfinite(d)) { c.ndist++; d1 += d; d2 += d * d; }
        if (strcmp(r->status, "diverged") == 0 || !isfinite(r->final_loss)) { c.diverged++; continue; }
        c.ok++; s1 += r->final_loss; s2 += r->final_loss * r->final_loss;
        if (r->steps_to_threshold >= 0) { c.reached++; t1 += r->steps_to_threshold; t2 += (double)r->steps_to_threshold * r->steps_to_threshold; }
    }
    if (c.ok) { c.loss_mean = s1 / c.ok; c.loss_std = c.ok > 1 ? sqrt(fmax(0, (s2 - s1 * s1 / c.ok) / (c.ok - 1))) : 0; }
    if (c.ndist) { c.dist_mean = d1 / c.ndist; c.dist_std = c.ndist > 1 ? sqrt(fmax(0, (d2 - d1 * d1 / c.ndist) / (c.ndist - 1))) : 0; }
    if (c.reached) { c.thr_mean = t1 / c.reached; c.thr_std = c.reached > 1 ? sqrt(fmax(0, (t2 - t1 * t1 / c.reached) / (c.reached - 1))) : 0; }
    return c;
}

/* "1.23e-08 ± 4.5e-09" in Markdown or "$1.23\times10^{-8} \pm ...$" in LaTeX */
static void fmt_sci(char *buf, size_t n, double v, int tex) {
    if (!tex) { snprintf(buf, n, "%.2e", v); return; }
    if (v == 0) { snprintf(buf, n, "0"); return; }
    int e = (int)floor(log10(fabs(v)));
    snprintf(buf, n, "%.2f\\times10^{%d}", v / pow(10, e), e);
}

enum { TABLE_LOSS, TABLE_STEPS, TABLE_DIST };

static void fmt_cell(char *buf, size_t n, const Cell *c, int kind, int tex) {
    if (c->n == 0 || (kind == TABLE_DIST && c->ndist == 0)) { snprintf(buf, n, "%s", tex ? "--" : "—"); return; }
    if (kind == TABLE_DIST) {
        char m[48], s[48];
        fmt_sci(m, sizeof m, c->dist_mean, tex);
        fmt_sci(s, sizeof s, c->dist_std, tex);
        snprintf(buf, n, tex ? "$%s \\pm %s$" : "%s ± %s", m, s);
        return;
    }
    int steps = kind == TABLE_STEPS;
    char note[48] = "";
    if (c->diverged) snprintf(note, sizeof note, tex ? " (%d div.)" : " (%d diverged)", c->diverged);
    if (!steps) {
        if (!c->ok) { snprintf(buf, n, "diverged (%d/%d)", c->diverged, c->n); return; }
        char m[48], s[48];
        fmt_sci(m, sizeof m, c->loss_mean, tex);
        fmt_sci(s, sizeof s, c->loss_std, tex);
        snprintf(buf, n, tex ? "$%s \\pm %s$%s" : "%s ± %s%s", m, s, note);
    } else {
        if (!c->reached) { snprintf(buf, n, "not reached (0/%d)", c->n); return; }
        char part[32] = "";
        if (c->reached < c->n) snprintf(part, sizeof part, " (%d/%d)", c->reached, c->n);
        snprintf(buf, n, tex ? "$%.0f \\pm %.0f$%s" : "%.0f ± %.0f%s", c->thr_mean, c->thr_std, part);
    }
}

static void write_table(FILE *md, FILE *tex, const RunRecord *runs, int n, const char **labels, int nl,
                        const long *ranks, int nr, int kind, const char *caption, const char *caption_tex) {
    fprintf(md, "\n%s\n\n| method |", caption);
    for (int j = 0; j < nr; j++) fprintf(md, " r = %ld |", ranks[j]);
    fprintf(md, "\n|---|");
    for (int j = 0; j < nr; j++) fprintf(md, "---|");
    fprintf(md, "\n");
    fprintf(tex, "\\begin{table}[t]\n\\centering\n\\caption{%s}\n\\begin{tabular}{l", caption_tex);
    for (int j = 0; j < nr; j++) fprintf(tex, "c");
    fprintf(tex, "}\n\\toprule\nmethod");
    for (int j = 0; j < nr; j++) fprintf(tex, " & $r = %ld$", ranks[j]);
    fprintf(tex, " \\\\\n\\midrule\n");
    for (int i = 0; i < nl; i++) {
        fprintf(md, "| %s |", labels[i]);
        for (const char *p = labels[i]; *p; p++) fprintf(tex, *p == '_' ? "\\_" : "%c", *p);
        for (int j = 0; j < nr; j++) {
            Cell c = cell_of(runs, n, labels[i], ranks[j]);
            char b[128];
            fmt_cell(b, sizeof b, &c, kind, 0);
            fprintf(md, " %s |", b);
            fmt_cell(b, sizeof b, &c, kind, 1);
            fprintf(tex, " & %s", b);
        }
        fprintf(md, "\n");
        fprintf(tex, " \\\\\n");
    }
    fprintf(tex, "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n");
}

int report_tables(const RunRecord *runs, int n, const char *title, const char *stem, char *err, size_t errlen) {
    const char **labels = malloc(sizeof(char *) * (size_t)(n + 1));
    long *ranks = malloc(sizeof(long) * (size_t)(n + 1));
    int nl = labels_of(runs, n, labels), nr = ranks_of(runs, n, ranks);
    if (nr == 0) ranks[nr++] = 0;
    char mdp[512], texp[512];
    snprintf(mdp, sizeof mdp, "%s.md", stem);
    snprintf(texp, sizeof texp, "%s.tex", stem);
    FILE *md = fopen(mdp, "w"), *tex = fopen(texp, "w");
    if (!md || !tex) {
        snprintf(err, errlen, "%s: cannot write the table (%s)", !md ? mdp : texp, strerror(errno));
        if (md) fclose(md);
        if (tex) fclose(tex);
        free(labels); free(ranks);
        return -1;
    }
    double thr = n ? runs[0].loss_threshold : NAN;
    fprintf(md, "# %s\n", title);
    fprintf(tex, "%% %s (generated by loft table; needs \\usepackage{booktabs})\n", title);
    char cap[512], cap_tex[512];
    snprintf(cap, sizeof cap, "%s: final loss, mean ± std over seeds (full AdamW is rank-independent)", title);
    snprintf(cap_tex, sizeof cap_tex, "%s: final loss, mean $\\pm$ std over seeds (full AdamW is rank-independent)", title);
    write_table(md, tex, runs, n, labels, nl, ranks, nr, TABLE_LOSS, cap, cap_tex);
    snprintf(cap, sizeof cap, "%s: steps to reach loss %.0e, mean ± std over the seeds that reached it", title, thr);
    snprintf(cap_tex, sizeof cap_tex, "%s: steps to reach loss %.0e, mean $\\pm$ std over the seeds that reached it", title, thr);
    write_table(md, tex, runs, n, labels, nl, ranks, nr, TABLE_STEPS, cap, cap_tex);
    int any_dist = 0;
    for (int i = 0; i < n; i++) any_dist |= isfinite(last_dist(&runs[i]));
    if (any_dist) {
        snprintf(cap, sizeof cap, "%s: relative distance ||W - W_adamw|| / ||W_adamw|| to full AdamW (same seed, lockstep) "
                 "at the last step, mean ± std over seeds", title);
        snprintf(cap_tex, sizeof cap_tex, "%s: relative distance $\\|W - W_{\\mathrm{AdamW}}\\| / \\|W_{\\mathrm{AdamW}}\\|$ "
                 "to full AdamW at the last step, mean $\\pm$ std over seeds", title);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, TABLE_DIST, cap, cap_tex);
    }
    fclose(md);
    fclose(tex);
    free(labels); free(ranks);
    return 0;
}

static int mkdirs(const char *dir) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') { *p = 0; mkdir(buf, 0755); *p = '/'; }
    return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int report_export(const RunRecord *runs, int n, const char *dir, char *err, size_t errlen) {
    if (mkdirs(dir) != 0) { snprintf(err, errlen, "%s: cannot create the directory", dir); return -1; }
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
        }
    free(labels); free(ranks);
    return rc;
}
