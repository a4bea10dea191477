/* `loft show`, tables (Markdown + LaTeX) and gnuplot .dat export from RunRecords. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "io/files.h"
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

/* the evaluation metrics of a run that the tables can show (NaN when a task has no such metric) */
enum { MET_ACC, MET_BAL, MET_HELDOUT, MET_PPL, MET_CLOZE, NMET };

static double metric_of(const RunRecord *r, int k) {
    switch (k) {
    case MET_ACC: return 100 * r->test_accuracy;
    case MET_BAL: return 100 * r->balanced_accuracy;
    case MET_HELDOUT: return r->heldout_loss;
    case MET_PPL: return r->perplexity;
    default: return 100 * r->cloze_accuracy;
    }
}

typedef struct {
    int n, ok, reached, diverged, ndist, nmet[NMET];
    double loss_mean, loss_std, thr_mean, thr_std, dist_mean, dist_std, met_mean[NMET], met_std[NMET];
} Cell;

/* mean and sample std of x over k values given sum s1 and sum of squares s2 */
static void mean_std(double s1, double s2, int k, double *mean, double *std) {
    *mean = k ? s1 / k : NAN;
    *std = k > 1 ? sqrt(fmax(0, (s2 - s1 * s1 / k) / (k - 1))) : 0;
}

/* the last logged distance to full AdamW of a run, or NaN */
static double last_dist(const RunRecord *r) {
    int c = run_column(r, "dist_to_adamw");
    return (c < 0 || r->rows == 0) ? NAN : r->traj[(r->rows - 1) * r->cols + (size_t)c];
}

/* statistics over the seeds of (label, rank); rank-0 runs (full AdamW) count for every rank */
static Cell cell_of(const RunRecord *runs, int n, const char *label, long rank) {
    Cell c = { 0 };
    double s1 = 0, s2 = 0, t1 = 0, t2 = 0, d1 = 0, d2 = 0, m1[NMET] = { 0 }, m2[NMET] = { 0 };
    for (int i = 0; i < n; i++) {
        const RunRecord *r = &runs[i];
        if (strcmp(r->label, label) != 0 || (r->rank != rank && r->rank != 0)) continue;
        if (strcmp(r->status, "complete") != 0 && strcmp(r->status, "diverged") != 0) continue;
        c.n++;
        double d = last_dist(r);
        if (isfinite(d)) { c.ndist++; d1 += d; d2 += d * d; }
        if (strcmp(r->status, "diverged") == 0 || !isfinite(r->final_loss)) { c.diverged++; continue; }
        for (int k = 0; k < NMET; k++) {
            double v = metric_of(r, k);
            if (isfinite(v)) { c.nmet[k]++; m1[k] += v; m2[k] += v * v; }
        }
        c.ok++; s1 += r->final_loss; s2 += r->final_loss * r->final_loss;
        if (r->steps_to_threshold >= 0) { c.reached++; t1 += r->steps_to_threshold; t2 += (double)r->steps_to_threshold * r->steps_to_threshold; }
    }
    if (c.ok) mean_std(s1, s2, c.ok, &c.loss_mean, &c.loss_std);
    if (c.ndist) mean_std(d1, d2, c.ndist, &c.dist_mean, &c.dist_std);
    if (c.reached) mean_std(t1, t2, c.reached, &c.thr_mean, &c.thr_std);
    for (int k = 0; k < NMET; k++) if (c.nmet[k]) mean_std(m1[k], m2[k], c.nmet[k], &c.met_mean[k], &c.met_std[k]);
    return c;
}

/* "1.23e-08 ± 4.5e-09" in Markdown or "$1.23\times10^{-8} \pm ...$" in LaTeX */
static void fmt_sci(char *buf, size_t n, double v, int tex) {
    if (!tex) { snprintf(buf, n, "%.2e", v); return; }
    if (v == 0) { snprintf(buf, n, "0"); return; }
    int e = (int)floor(log10(fabs(v)));
    snprintf(buf, n, "%.2f\\times10^{%d}", v / pow(10, e), e);
}

/* table kinds: 0 .. NMET-1 are the metrics, then these */
enum { TABLE_LOSS = NMET, TABLE_STEPS, TABLE_DIST };

static void fmt_cell(char *buf, size_t n, const Cell *c, int kind, int tex) {
    if (c->n == 0 || (kind == TABLE_DIST && c->ndist == 0)) { snprintf(buf, n, "%s", tex ? "--" : "—"); return; }
    if (kind == TABLE_DIST) {
        char m[48], s[48];
        fmt_sci(m, sizeof m, c->dist_mean, tex);
        fmt_sci(s, sizeof s, c->dist_std, tex);
        snprintf(buf, n, tex ? "$%s \\pm %s$" : "%s ± %s", m, s);
        return;
    }
    if (kind < NMET) {
        if (!c->nmet[kind]) { snprintf(buf, n, "diverged (%d/%d)", c->diverged, c->n); return; }
        char note[48] = "";
        if (c->diverged) snprintf(note, sizeof note, tex ? " (%d div.)" : " (%d diverged)", c->diverged);
        if (kind == MET_HELDOUT) snprintf(buf, n, tex ? "$%.3f \\pm %.3f$%s" : "%.3f ± %.3f%s", c->met_mean[kind], c->met_std[kind], note);
        else snprintf(buf, n, tex ? "$%.1f \\pm %.1f$%s" : "%.1f ± %.1f%s", c->met_mean[kind], c->met_std[kind], note);
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

/* the tables of one group of runs (one ViT target, or all MF runs) */
static void group_tables(FILE *md, FILE *tex, const RunRecord *runs, int n, const char *title) {
    const char **labels = malloc(sizeof(char *) * (size_t)(n + 1));
    long *ranks = malloc(sizeof(long) * (size_t)(n + 1));
    int nl = labels_of(runs, n, labels), nr = ranks_of(runs, n, ranks);
    if (nr == 0) ranks[nr++] = 0;
    int any_acc = 0, any_dist = 0, any_lm = 0;
    for (int i = 0; i < n; i++) {
        any_acc |= isfinite(runs[i].test_accuracy);
        any_lm |= isfinite(runs[i].perplexity);
        any_dist |= isfinite(last_dist(&runs[i]));
    }
    double thr = n ? runs[0].loss_threshold : NAN;
    char cap[512], cap_tex[512];
    if (any_acc) {
        snprintf(cap, sizeof cap, "%s: test accuracy (%%), mean ± std over seeds (full AdamW is rank-independent)", title);
        snprintf(cap_tex, sizeof cap_tex, "%s: test accuracy (\\%%), mean $\\pm$ std over seeds", title);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, MET_ACC, cap, cap_tex);
        snprintf(cap, sizeof cap, "%s: balanced accuracy (%%, mean recall over classes), mean ± std over seeds", title);
        snprintf(cap_tex, sizeof cap_tex, "%s: balanced accuracy (\\%%), mean $\\pm$ std over seeds", title);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, MET_BAL, cap, cap_tex);
    }
    if (any_lm) {
        snprintf(cap, sizeof cap, "%s: held-out perplexity at the last step, mean ± std over seeds (full AdamW is rank-independent)", title);
        snprintf(cap_tex, sizeof cap_tex, "%s: held-out perplexity at the last step, mean $\\pm$ std over seeds", title);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, MET_PPL, cap, cap_tex);
        snprintf(cap, sizeof cap, "%s: held-out loss (nats per token) at the last step, mean ± std over seeds", title);
        snprintf(cap_tex, sizeof cap_tex, "%s: held-out loss (nats per token), mean $\\pm$ std over seeds", title);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, MET_HELDOUT, cap, cap_tex);
        snprintf(cap, sizeof cap, "%s: cloze accuracy (%%, 4 choices, chance 25) at the last step, mean ± std over seeds", title);
        snprintf(cap_tex, sizeof cap_tex, "%s: cloze accuracy (\\%%, 4 choices, chance 25), mean $\\pm$ std over seeds", title);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, MET_CLOZE, cap, cap_tex);
    }
    if (any_acc || any_lm) {
        snprintf(cap, sizeof cap, "%s: final training loss (last batch), mean ± std over seeds", title);
        snprintf(cap_tex, sizeof cap_tex, "%s: final training loss, mean $\\pm$ std over seeds", title);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, TABLE_LOSS, cap, cap_tex);
    } else {
        snprintf(cap, sizeof cap, "%s: final loss, mean ± std over seeds (full AdamW is rank-independent)", title);
        snprintf(cap_tex, sizeof cap_tex, "%s: final loss, mean $\\pm$ std over seeds (full AdamW is rank-independent)", title);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, TABLE_LOSS, cap, cap_tex);
        snprintf(cap, sizeof cap, "%s: steps to reach loss %.0e, mean ± std over the seeds that reached it", title, thr);
        snprintf(cap_tex, sizeof cap_tex, "%s: steps to reach loss %.0e, mean $\\pm$ std over the seeds that reached it", title, thr);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, TABLE_STEPS, cap, cap_tex);
    }
    if (any_dist) {
        snprintf(cap, sizeof cap, "%s: relative distance ||W - W_adamw|| / ||W_adamw|| to full AdamW (same seed, lockstep) "
                 "at the last step, mean ± std over seeds", title);
        snprintf(cap_tex, sizeof cap_tex, "%s: relative distance $\\|W - W_{\\mathrm{AdamW}}\\| / \\|W_{\\mathrm{AdamW}}\\|$ "
                 "to full AdamW at the last step, mean $\\pm$ std over seeds", title);
        write_table(md, tex, runs, n, labels, nl, ranks, nr, TABLE_DIST, cap, cap_tex);
    }
    free(labels); free(ranks);
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

int report_tables(const RunRecord *runs, int n, const char *title, const char *stem, char *err, size_t errlen) {
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
    const char **groups = malloc(sizeof(char *) * (size_t)(n + 1));
    RunRecord *sub = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    int ng = groups_of(runs, n, groups);
    for (int gi = 0; gi < ng; gi++) {
        int k = runs_of_group(runs, n, groups[gi], sub);
        char t[256];
        if (groups[gi][0]) snprintf(t, sizeof t, "%s, target %s", title, groups[gi]);
        else snprintf(t, sizeof t, "%s", title);
        group_tables(md, tex, sub, k, t);
    }
    free(groups); free(sub);
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

static int export_group(const RunRecord *runs, int n, const char *dir, char *err, size_t errlen) {
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
            static const char *const acc[2] = { "test_accuracy", "balanced_accuracy" }, *const ppl[2] = { "perplexity", "heldout_loss" };
            const int vit = run_column(grp[0], "test_accuracy") >= 0, gpt = run_column(grp[0], "perplexity") >= 0;
            if (vit || gpt) {
                snprintf(path, sizeof path, "%s/r%ld__%s.%s.dat", dir, ranks[rj], labels[li], vit ? "acc" : "ppl");
                if (!(f = fopen(path, "w"))) { snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno)); rc = -1; break; }
                fprintf(f, vit ? "# step acc_mean acc_min acc_max bal_mean bal_min bal_max (percent, over seeds)\n"
                               : "# step ppl_mean ppl_min ppl_max heldout_loss_mean heldout_loss_min heldout_loss_max (over seeds)\n");
                export_evals(f, grp, ng, rows, vit ? acc : ppl, vit ? 100 : 1);
                fclose(f);
            }
        }
    free(labels); free(ranks);
    return rc;
}

int report_export(const RunRecord *runs, int n, const char *dir, char *err, size_t errlen) {
    const char **groups = malloc(sizeof(char *) * (size_t)(n + 1));
    RunRecord *sub = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    int ng = groups_of(runs, n, groups), rc = 0;
    for (int gi = 0; gi < ng && rc == 0; gi++) {
        int k = runs_of_group(runs, n, groups[gi], sub);
        char d[600];
        if (groups[gi][0]) snprintf(d, sizeof d, "%s/%s", dir, groups[gi]);
        else snprintf(d, sizeof d, "%s", dir);
        if (groups[gi][0]) make_dirs(dir);
        rc = export_group(sub, k, d, err, errlen);
    }
    free(groups); free(sub);
    return rc;
}
