/* `loft show`, tables (Markdown + LaTeX) and gnuplot .dat export from RunRecords, as an
   experiment declares them (report_spec.h); no task is known here. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cell.h"
#include "comparisons.h"
#include "findings.h"
#include "io/config.h"
#include "io/files.h"
#include "report.h"

/* text of a results file (ids, labels, methods, statuses, groups, column names) is printed
   through text_printable: a terminal escape in an attribute never reaches the terminal raw */
#define SHOWN 1100   /* room for text_printable of a 255-byte field */

void report_show(FILE *out, const RunRecord *runs, int n) {
    fprintf(out, "%-44s %-10s %4s %5s %-11s %7s %12s %9s\n", "run", "method", "rank", "seed", "status", "steps", "final loss", "to thr.");
    for (int i = 0; i < n; i++) {
        const RunRecord *r = &runs[i];
        char thr[24];
        if (r->steps_to_threshold >= 0) snprintf(thr, sizeof thr, "%ld", r->steps_to_threshold);
        else snprintf(thr, sizeof thr, "-");
        char status[80], id[SHOWN], method[SHOWN];
        if (strcmp(r->status, "diverged") == 0) snprintf(status, sizeof status, "diverged@%ld", r->diverged_step);
        else text_printable(status, sizeof status, r->status);
        fprintf(out, "%-44s %-10s %4ld %5ld %-11s %7ld %12.4e %9s\n", text_printable(id, sizeof id, r->id),
                text_printable(method, sizeof method, r->method), r->rank, r->seed, status, r->steps_done, r->final_loss, thr);
    }
}

#define TABLE_MAX_CELLS 65536   /* labels x ranks of one table */

/* "1.23e-08" in Markdown or "1.23\times10^{-8}" in LaTeX */
static void fmt_sci(char *buf, size_t n, double v, int tex) {
    if (!tex) { snprintf(buf, n, "%.2e", v); return; }
    if (v == 0) { snprintf(buf, n, "0"); return; }
    if (!isfinite(v)) { snprintf(buf, n, "%s", isnan(v) ? "\\mathrm{NaN}" : v > 0 ? "\\infty" : "-\\infty"); return; }
    int e = (int)floor(log10(fabs(v)));
    snprintf(buf, n, "%.2f\\times10^{%d}", v / pow(10, e), e);
}

static void fmt_num(char *buf, size_t n, double v, int digits, int tex) {
    if (digits < 0) fmt_sci(buf, n, v, tex);
    else snprintf(buf, n, "%.*f", digits, v);
}

/* what the tables of a file share: the runs it should hold, the cells of mixed configs and the
   comparisons of the declared families */
typedef struct { const char *group, *label; long rank; } CellKey;
typedef struct {
    int expected, found;          /* runs the experiment plans (0: unknown) and the finished ones */
    const CellKey *mixed;
    int nmixed;
    const char *group;            /* the group whose tables are being written */
    const Comparisons *cmp;
    const FamilySpec *families;
} TableCtx;

static int is_mixed(const TableCtx *x, const char *label, long rank) {
    for (int k = 0; k < x->nmixed; k++)
        if (strcmp(x->mixed[k].group, x->group) == 0 && strcmp(x->mixed[k].label, label) == 0 &&
            (x->mixed[k].rank == rank || x->mixed[k].rank == 0))
            return 1;
    return 0;
}

/* the comparisons of the cell (table, label, rank) of the group being written, in family order,
   into out (at most max); their count */
static int cell_comparisons(const TableCtx *x, int table, const char *label, long rank, const Comparison **out, int max) {
    int k = 0;
    for (int i = 0; i < x->cmp->n && k < max; i++) {
        const Comparison *c = &x->cmp->c[i];
        if (c->table == table && c->rank == rank && strcmp(c->group, x->group) == 0 && strcmp(c->label, label) == 0) out[k++] = c;
    }
    return k;
}

/* one comparison as " Δ +1.2 ± 0.9*" (tagged F<k> when the table shows several families) */
static void fmt_delta(char *buf, size_t n, const Comparison *c, const TableSpec *t, int digits, int tex, int tagged) {
    char d[64], h[64], tag[16] = "";
    const double half = 0.5 * (c->t.hi - c->t.lo);
    if (t->log_scale) { snprintf(d, sizeof d, "%+.2f", c->t.mean); snprintf(h, sizeof h, "%.2f", half); }
    else {
        fmt_num(d, sizeof d, fabs(c->t.mean), digits, tex);
        memmove(d + 1, d, strlen(d) + 1);
        d[0] = c->t.mean < 0 ? '-' : '+';
        fmt_num(h, sizeof h, half, digits, tex);
    }
    const int v = comparison_verdict(c);
    if (tagged) snprintf(tag, sizeof tag, "F%d ", c->family + 1);
    if (tex) snprintf(buf, n, "%s$\\Delta%s\\,%s \\pm %s$%s", tag, t->log_scale ? "\\log_{10}" : "", d, h, v == 1 ? "*" : v == 2 ? "$\\approx$" : "");
    else snprintf(buf, n, "%sΔ%s %s ± %s%s", tag, t->log_scale ? "log10" : "", d, h, v == 1 ? "*" : v == 2 ? " ≈" : "");
}

/* a cell: its value, then in parentheses n, what diverged or reached the threshold and its
   comparisons; mixed: the cell averages runs of different configs (marked ‡) */
static void fmt_cell(char *buf, size_t n, const Cell *c, const TableSpec *t, int tex, int bold, int mixed,
                     const Comparison *const *cmp, int ncmp, int tagged) {
    const int steps = strcmp(t->metric, "steps_to_threshold") == 0, digits = steps ? 0 : t->digits;
    const char *dagger = mixed ? (tex ? "$^{\\ddagger}$" : " ‡") : "";
    if (c->n == 0 || (!c->ok && !c->diverged && !steps)) { snprintf(buf, n, "%s%s", tex ? "--" : "—", dagger); return; }
    if (!c->ok) {
        if (steps) snprintf(buf, n, "not reached (0/%d)%s", c->n, dagger);
        else snprintf(buf, n, "diverged (%d/%d)%s", c->diverged, c->n, dagger);
        return;
    }
    char m[64], a[64], b[64], body[200], note[512];
    fmt_num(m, sizeof m, c->mean, digits, tex);
    if (t->log_scale && isfinite(c->half)) {
        fmt_sci(a, sizeof a, c->lo, tex);
        fmt_sci(b, sizeof b, c->hi, tex);
        snprintf(body, sizeof body, "%s [%s, %s]", m, a, b);
    } else if (isfinite(c->half)) {
        fmt_num(a, sizeof a, c->half, digits, tex);
        snprintf(body, sizeof body, tex ? "%s \\pm %s" : "%s ± %s", m, a);
    } else snprintf(body, sizeof body, "%s", m);
    int k = 0;
    if (steps && c->ok < c->n) k += snprintf(note + k, sizeof note - (size_t)k, tex ? "$n=%d$/%d reached" : "n=%d/%d reached", c->ok, c->n);
    else k += snprintf(note + k, sizeof note - (size_t)k, tex ? "$n=%d$" : "n=%d", c->ok);
    if (c->diverged) k += snprintf(note + k, sizeof note - (size_t)k, ", %d diverged", c->diverged);
    if (t->log_scale && c->reached >= 0 && strcmp(t->metric, "final_loss") == 0)
        k += snprintf(note + k, sizeof note - (size_t)k, "; %d/%d reached", c->reached, c->n);
    for (int i = 0; i < ncmp && k < (int)sizeof note; i++) {
        char d[160];
        fmt_delta(d, sizeof d, cmp[i], t, digits, tex, tagged);
        k += snprintf(note + k, sizeof note - (size_t)k, "; %s", d);
    }
    if (tex) snprintf(buf, n, bold ? "$\\mathbf{%s}$%s (%s)" : "$%s$%s (%s)", body, dagger, note);
    else snprintf(buf, n, bold ? "**%s**%s (%s)" : "%s%s (%s)", body, dagger, note);
}

/* text for LaTeX: \ { } $ ^ ~ % _ & # escaped, control characters as \xHH, ± Δ ‡ ≈ as math (a
   label or group of a results file is text, never LaTeX: no \input of another file) */
static void tex_escape(FILE *f, const char *s) {
    static const char *const sym[][2] = { { "±", "$\\pm$" }, { "Δ", "$\\Delta$" }, { "‡", "$\\ddagger$" }, { "≈", "$\\approx$" } };
    char shown[4096];
    text_printable(shown, sizeof shown, s);
    for (const char *p = shown; *p; p++) {
        int done = 0;
        for (size_t k = 0; k < sizeof sym / sizeof sym[0] && !done; k++)
            if (strncmp(p, sym[k][0], strlen(sym[k][0])) == 0) { fprintf(f, "%s", sym[k][1]); p += strlen(sym[k][0]) - 1; done = 1; }
        if (done) continue;
        if (*p == '\\') fprintf(f, "\\textbackslash{}");
        else if (*p == '^') fprintf(f, "\\textasciicircum{}");
        else if (*p == '~') fprintf(f, "\\textasciitilde{}");
        else if (strchr("%_&#{}$", *p)) fprintf(f, "\\%c", *p);
        else fputc(*p, f);
    }
}

/* text for Markdown: control characters as \xHH, and in a table cell '|' escaped */
static void md_text(FILE *f, const char *s, int cell) {
    char shown[4096];
    text_printable(shown, sizeof shown, s);
    for (const char *p = shown; *p; p++) {
        if (cell && *p == '|') fputc('\\', f);
        fputc(*p, f);
    }
}

/* the legend under a table: what Δ and the marks mean, and each family shown with the number of
   tests adjusted together; "" when the table shows no comparison */
static void table_legend(char *buf, size_t n, const TableCtx *x, const TableSpec *t, const int *shown, int nshown) {
    buf[0] = 0;
    if (!nshown) return;
    const int tagged = nshown > 1;
    int k = snprintf(buf, n, "%s: the paired difference to the family's reference row on the same seeds (%s), ± its 95%% "
                     "interval (t). %s, each Holm-adjusted over all the cells it covers in every table%s: ",
                     t->log_scale ? "Δlog10" : "Δ", t->log_scale ? "of log10 values: a factor 10^Δ" : "row - reference",
                     tagged ? "Families (F1, F2, ... in a cell)" : "Family", x->group[0] ? " and target" : "");
    int any_margin = 0;
    for (int i = 0; i < nshown && k < (int)n; i++) {
        const FamilySpec *f = &x->families[shown[i]];
        char tag[16] = "";
        if (tagged) snprintf(tag, sizeof tag, "F%d ", shown[i] + 1);
        k += snprintf(buf + k, n - (size_t)k, "%s%s\"%s\" against %s, %d tests", i ? "; " : "", tag, f->name, f->compare_to,
                      x->cmp->tests[shown[i]]);
        any_margin |= x->cmp->tost_tests[shown[i]] > 0;
    }
    if (k < (int)n) k += snprintf(buf + k, n - (size_t)k, ". * significant after Holm's adjustment within its family (adjusted p < %.2g)", ALPHA);
    if (any_margin && t->margin > 0 && k < (int)n) {
        char m[64];
        if (t->margin_relative) snprintf(m, sizeof m, "%g%%", 100 * t->margin);
        else snprintf(m, sizeof m, "%g%s", t->margin, t->log_scale ? " in log10" : "");
        k += snprintf(buf + k, n - (size_t)k, "; ≈ equivalent within ±%s (TOST on the paired %s: its 90%% interval inside the margin, "
                      "Holm-adjusted within the family, p < %.2g)", m, t->margin_relative && !t->log_scale ? "log ratios" : "differences", ALPHA);
    }
    if (k < (int)n) snprintf(buf + k, n - (size_t)k, "; no mark: inconclusive. n: the seeds in the cell (diverged runs aside).");
}

static int write_table(FILE *md, FILE *tex, const RunRecord *runs, int n, const char **labels, int nl, const long *ranks,
                       int nr, int ti, const TableSpec *t, const char *title, const TableCtx *x, char *err, size_t errlen) {
    const int steps = strcmp(t->metric, "steps_to_threshold") == 0, higher = t->better_higher && !steps;
    if ((size_t)nl * (size_t)nr > TABLE_MAX_CELLS) {
        snprintf(err, errlen, "%s: a table of %d labels and %d ranks (at most %d cells)", title, nl, nr, TABLE_MAX_CELLS);
        return -1;
    }
    Cell *cells = malloc(sizeof(Cell) * (size_t)nl * (size_t)nr + 1);
    int *best = malloc(sizeof(int) * (size_t)nr + 1), *shown = calloc((size_t)x->cmp->nfamilies + 1, sizeof(int));
    if (!cells || !best || !shown) {
        snprintf(err, errlen, "%s: a table of %d labels and %d ranks does not fit in memory", title, nl, nr);
        free(cells); free(best); free(shown);
        return -1;
    }
    for (int i = 0; i < nl; i++)
        for (int j = 0; j < nr; j++) cell_of(&cells[i * nr + j], runs, n, labels[i], ranks[j], t);
    int mixed = 0, nshown = 0;
    for (int i = 0; i < nl; i++)
        for (int j = 0; j < nr; j++) mixed |= is_mixed(x, labels[i], ranks[j]);
    for (int f = 0; f < x->cmp->nfamilies; f++) {   /* the families this table shows */
        int used = 0;
        for (int i = 0; i < x->cmp->n && !used; i++)
            used = x->cmp->c[i].family == f && x->cmp->c[i].table == ti && strcmp(x->cmp->c[i].group, x->group) == 0;
        if (used) shown[nshown++] = f;
    }
    for (int j = 0; j < nr; j++) {
        best[j] = -1;
        for (int i = 0; i < nl; i++) {
            const Cell *c = &cells[i * nr + j];
            if (!c->ok) continue;
            if (best[j] < 0 || (higher ? c->mean > cells[best[j] * nr + j].mean : c->mean < cells[best[j] * nr + j].mean)) best[j] = i;
        }
    }
    char caption[2048], what[300], cover[64] = "", marks[160] = "", legend[4096];
    snprintf(what, sizeof what, "%s", t->caption);
    if (steps && (!what[0] || strcmp(what, t->metric) == 0))
        snprintf(what, sizeof what, "steps to reach loss %.0e", n ? runs[0].loss_threshold : NAN);
    if (x->expected > 0 && x->found < x->expected) snprintf(cover, sizeof cover, " (%d of %d runs)", x->found, x->expected);
    if (mixed) snprintf(marks, sizeof marks, "; ‡ averages runs of different configs");
    snprintf(caption, sizeof caption, "%s: %s%s, %s over %s; best in bold (%s is better)%s", title, what, cover,
             t->log_scale ? "geometric mean [95% interval of log10]"
                          : t->test_items ? "mean ± 95% interval (t over the seeds, combined with the test set's binomial sampling error)"
                                          : "mean ± 95% interval (t)",
             steps ? "the seeds that reached it" : "seeds", higher ? "higher" : "lower", marks);
    table_legend(legend, sizeof legend, x, t, shown, nshown);
    fprintf(md, "\n");
    md_text(md, caption, 0);
    fprintf(md, "\n\n| method |");
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
        fprintf(md, "| ");
        md_text(md, labels[i], 1);
        fprintf(md, " |");
        tex_escape(tex, labels[i]);
        for (int j = 0; j < nr; j++) {
            char b[1024];
            const Comparison *cmp[FAMILY_ROWS];
            const int mx = is_mixed(x, labels[i], ranks[j]), nc = cell_comparisons(x, ti, labels[i], ranks[j], cmp, FAMILY_ROWS);
            fmt_cell(b, sizeof b, &cells[i * nr + j], t, 0, best[j] == i, mx, cmp, nc, nshown > 1);
            fprintf(md, " %s |", b);
            fmt_cell(b, sizeof b, &cells[i * nr + j], t, 1, best[j] == i, mx, cmp, nc, nshown > 1);
            fprintf(tex, " & %s", b);
        }
        fprintf(md, "\n");
        fprintf(tex, " \\\\\n");
    }
    fprintf(tex, "\\bottomrule\n\\end{tabular}\n");
    if (legend[0]) {
        fprintf(md, "\n");
        md_text(md, legend, 0);
        fprintf(md, "\n");
        fprintf(tex, "\\par\\smallskip{\\footnotesize ");
        tex_escape(tex, legend);
        fprintf(tex, "}\n");
    }
    fprintf(tex, "\\end{table}\n\n");
    free(cells); free(best); free(shown);
    return 0;
}

/* the tables of one group of runs (one target, or all runs); 0 or -1 */
static int group_tables(FILE *md, FILE *tex, const RunRecord *runs, int n, const char *title, const TableSpec *tables,
                        int ntables, const TableCtx *x, char *err, size_t errlen) {
    const char **labels = malloc(sizeof(char *) * (size_t)(n + 1));
    long *ranks = malloc(sizeof(long) * (size_t)(n + 1));
    int nl = cell_labels(runs, n, labels), nr = cell_ranks(runs, n, ranks), rc = 0;
    if (nr == 0) ranks[nr++] = 0;
    for (int k = 0; k < ntables && rc == 0; k++)
        rc = write_table(md, tex, runs, n, labels, nl, ranks, nr, k, &tables[k], title, x, err, errlen);
    free(labels); free(ranks);
    return rc;
}

/* the tables of a results file without a declaration: final loss, steps to the loss threshold,
   then every evaluation column found; *n of them, malloc'ed */
static TableSpec *default_tables(const RunRecord *runs, int nruns, int *n) {
    TableSpec *t = calloc(RUN_MAX_COLS + 2, sizeof(TableSpec));
    t[0] = (TableSpec){ "final_loss", "final loss", 1, -1, 0, 0, 0, 0, 0 };
    t[1] = (TableSpec){ "steps_to_threshold", "", 1, 0, 0, 0, 0, 0, 0 };
    *n = 2;
    for (int i = 0; i < nruns; i++)
        for (size_t c = 4; c < runs[i].cols; c++) {
            int seen = 0;
            for (int k = 0; k < *n; k++) seen |= strcmp(t[k].metric, runs[i].columns[c]) == 0;
            if (seen || *n == RUN_MAX_COLS + 2) continue;
            t[*n] = (TableSpec){ "", "", 1, -1, strstr(runs[i].columns[c], "accuracy") != NULL, 0, 0, 0, 0 };
            snprintf(t[*n].metric, sizeof t[*n].metric, "%s", runs[i].columns[c]);
            snprintf(t[*n].caption, sizeof t[*n].caption, "%s at the last step", runs[i].columns[c]);
            (*n)++;
        }
    return t;
}

static int cmp_double(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

/* the hyper-parameters chosen on validation data: one row per tuning group, one column per value
   tried (the mean of the metric over the tuning seeds), the chosen value in bold, then the range
   of values the group tried and whether the choice is inside it (an edge choice says the grid may
   be too narrow: tune.widen grows it); the values each final run got are in its attributes
   tuned_key / tuned_value */
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
        fprintf(md, "\n## Hyper-parameters chosen on validation data\n\n");
        md_text(md, any->tuned_key, 0);
        fprintf(md, " chosen per group by the mean of ");
        md_text(md, any->tuned_on, 0);
        fprintf(md, " over the tuning seeds (the chosen value in bold; the tables above use only the other runs). *Inside*: the "
                "choice is neither the smallest nor the largest value its group tried\n\n| group |");
        fprintf(tex, "\\begin{table}[t]\n\\centering\n\\caption{Hyper-parameters chosen on validation data: ");
        tex_escape(tex, any->tuned_key);
        fprintf(tex, " by the mean of ");
        tex_escape(tex, any->tuned_on);
        fprintf(tex, " over the tuning seeds (chosen in bold)}\n\\begin{tabular}{l");
        for (int j = 0; j < nv; j++) fprintf(tex, "c");
        fprintf(tex, "cc}\n\\toprule\ngroup");
        for (int j = 0; j < nv; j++) {
            fprintf(md, " ");
            md_text(md, any->tuned_key, 1);
            fprintf(md, " = %g |", values[j]);
            fprintf(tex, " & %g", values[j]);
        }
        fprintf(md, " tried | inside |\n|---|");
        fprintf(tex, " & tried & inside");
        for (int j = 0; j < nv + 2; j++) fprintf(md, "---|");
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
            fprintf(md, "| ");
            md_text(md, groups[g], 1);
            fprintf(md, " |");
            tex_escape(tex, groups[g]);
            int lo = -1, hi = -1, tried = 0;   /* the values this group tried (a run of it, whatever its status) */
            for (int j = 0; j < cap; j++) {
                int t = 0;
                for (int i = 0; i < n && !t; i++)
                    t = strcmp(runs[i].role, "tune") == 0 && strcmp(runs[i].tune_group, groups[g]) == 0 && atof(runs[i].tuned_value) == values[j];
                if (!t) continue;
                tried++;
                if (lo < 0) lo = j;
                hi = j;
            }
            for (int j = 0; j < cap; j++) {
                if (!isfinite(mean[j])) { fprintf(md, " — |"); fprintf(tex, " & --"); continue; }
                fprintf(md, j == best ? " **%.4g** |" : " %.4g |", mean[j]);
                fprintf(tex, j == best ? " & $\\mathbf{%.4g}$" : " & $%.4g$", mean[j]);
            }
            const int inside = best >= 0 && tried >= 3 && best != lo && best != hi;
            if (lo >= 0 && best >= 0) {
                fprintf(md, " %g–%g (%d) | %s |", values[lo], values[hi], tried, inside ? "yes" : "no (edge)");
                fprintf(tex, " & %g--%g (%d) & %s", values[lo], values[hi], tried, inside ? "yes" : "no (edge)");
            } else {
                fprintf(md, " — | — |");
                fprintf(tex, " & -- & --");
            }
            fprintf(md, "\n");
            fprintf(tex, " \\\\\n");
        }
        fprintf(tex, "\\bottomrule\n\\end{tabular}\n\\end{table}\n\n");
    }
    free(groups); free(values);
}

/* ---- runs of different configs in one cell ---- */

/* the config as config_identity_yaml writes it (every key, schema order), without its seed line; the
   text as it is (seed line aside) when it does not load (a key of a newer harness) */
static char *config_sans_seed(const char *yaml) {
    RunConfig *c = malloc(sizeof(RunConfig));
    char *out = malloc(RUN_CONFIG_MAX + 1), err[256];
    if (!c || !out) { free(c); free(out); return NULL; }
    config_defaults(c);
    if (config_load_yaml_text(c, yaml, "a stored config", err, sizeof err) == 0) config_identity_yaml(c, out, RUN_CONFIG_MAX + 1);
    else snprintf(out, RUN_CONFIG_MAX + 1, "%s", yaml);
    free(c);
    for (char *line = out; *line;) {   /* drop "seed: ..." */
        char *end = strchr(line, '\n');
        if (strncmp(line, "seed:", 5) == 0) memmove(line, end ? end + 1 : line + strlen(line), strlen(end ? end + 1 : "") + 1);
        else line = end ? end + 1 : line + strlen(line);
    }
    return out;
}

/* the value of the line "key: value" of a flat YAML text, into v; 0 when there is none */
static int yaml_value(const char *text, const char *key, size_t klen, char *v, size_t n) {
    for (const char *line = text; *line;) {
        const char *end = line + strcspn(line, "\n");
        if ((size_t)(end - line) > klen && strncmp(line, key, klen) == 0 && line[klen] == ':') {
            const char *val = line + klen + 1 + strspn(line + klen + 1, " ");
            snprintf(v, n, "%.*s", (int)(end - val), val);
            return 1;
        }
        line = *end ? end + 1 : end;
    }
    return 0;
}

/* the keys of a set differently in b (and those only one of them has): "steps (40 vs 80), ..." */
static void config_diff(const char *a, const char *b, char *out, size_t n) {
    out[0] = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *x = pass ? b : a, *y = pass ? a : b;
        for (const char *line = x; *line;) {
            const char *end = line + strcspn(line, "\n"), *colon = memchr(line, ':', (size_t)(end - line));
            if (colon && colon > line) {
                const size_t klen = (size_t)(colon - line);
                char vx[128], vy[128] = "", key[128], sx[SHOWN], sy[SHOWN], sk[SHOWN];
                snprintf(key, sizeof key, "%.*s", (int)klen, line);
                yaml_value(x, key, klen, vx, sizeof vx);
                const int has = yaml_value(y, key, klen, vy, sizeof vy);
                if ((pass == 0 && (!has || strcmp(vx, vy) != 0)) || (pass == 1 && !has)) {
                    const size_t used = strlen(out);
                    snprintf(out + used, n - used, "%s%s (%s vs %s)", used ? ", " : "", text_printable(sk, 64, key),
                             text_printable(sx, 48, pass ? "absent" : vx), text_printable(sy, 48, pass ? vx : has ? vy : "absent"));
                }
            }
            line = *end ? end + 1 : end;
        }
    }
}

/* the cells (group, label, rank) holding runs of different configs, seed aside: refused with a
   message naming the cell, two of its runs and the keys, or with allow warned about loudly and
   listed in *mixed; 0 or -1 */
static int check_mixed(const RunRecord *runs, int n, int allow, CellKey **mixed, int *nmixed, char *err, size_t errlen) {
    char **canon = calloc((size_t)n + 1, sizeof(char *));
    int rc = 0, cap = 0;
    *mixed = NULL;
    *nmixed = 0;
    for (int i = 0; i < n; i++) if (runs[i].config && cell_tabulated(&runs[i])) canon[i] = config_sans_seed(runs[i].config);
    for (int i = 0; i < n && rc == 0; i++)
        for (int j = i + 1; canon[i] && j < n && rc == 0; j++) {
            const RunRecord *a = &runs[i], *b = &runs[j];
            if (!canon[j] || strcmp(a->group, b->group) != 0 || strcmp(a->label, b->label) != 0) continue;
            if (a->rank != b->rank && a->rank != 0 && b->rank != 0) continue;   /* rank-0 runs are in every column */
            if (strcmp(canon[i], canon[j]) == 0) continue;
            const long rank = a->rank ? a->rank : b->rank;
            int known = 0;
            for (int k = 0; k < *nmixed; k++)
                known |= strcmp((*mixed)[k].group, a->group) == 0 && strcmp((*mixed)[k].label, a->label) == 0 && (*mixed)[k].rank == rank;
            if (known) continue;
            char keys[1024], cell[SHOWN + SHOWN + 64], s1[SHOWN], s2[SHOWN], ia[SHOWN], ib[SHOWN];
            config_diff(canon[i], canon[j], keys, sizeof keys);
            snprintf(cell, sizeof cell, "label %s, rank %ld%s%s", text_printable(s1, sizeof s1, a->label), rank,
                     a->group[0] ? ", group " : "", text_printable(s2, sizeof s2, a->group));
            text_printable(ia, sizeof ia, a->id);
            text_printable(ib, sizeof ib, b->id);
            if (!allow) {
                snprintf(err, errlen, "the table cell (%s) would average runs of different configs: %s and %s differ in %s "
                         "(besides the seed); rerun them alike, or pass --allow-mixed to tabulate them marked ‡",
                         cell, ia, ib, keys);
                rc = -1;
                break;
            }
            fprintf(stderr, "warning: MIXED CELL (%s): %s and %s differ in %s (besides the seed); averaged anyway, marked ‡\n",
                    cell, ia, ib, keys);
            if (*nmixed == cap) {
                cap = cap ? 2 * cap : 8;
                CellKey *more = realloc(*mixed, sizeof(CellKey) * (size_t)cap);
                if (!more) { snprintf(err, errlen, "out of memory"); rc = -1; break; }
                *mixed = more;
            }
            (*mixed)[(*nmixed)++] = (CellKey){ a->group, a->label, rank };
        }
    for (int i = 0; i < n; i++) free(canon[i]);
    free(canon);
    return rc;
}

int report_tables(const RunRecord *runs, int n, const char *title, const TableSpec *tables, int ntables,
                  const FamilySpec *families, int nfamilies, int expected, int allow_mixed, const char *stem, char *err,
                  size_t errlen) {
    RunRecord *finals = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    int nf = 0, found = 0;
    for (int i = 0; i < n; i++) if (strcmp(runs[i].role, "tune") != 0) finals[nf++] = runs[i];   /* tables: test only */
    for (int i = 0; i < nf; i++) found += cell_tabulated(&finals[i]);
    CellKey *mixed = NULL;
    int nmixed = 0;
    if (check_mixed(finals, nf, allow_mixed, &mixed, &nmixed, err, errlen) != 0) { free(finals); free(mixed); return -1; }
    char mdp[512], texp[512];
    snprintf(mdp, sizeof mdp, "%s.md", stem);
    snprintf(texp, sizeof texp, "%s.tex", stem);
    FILE *md = fopen(mdp, "w"), *tex = fopen(texp, "w");
    if (!md || !tex) {
        snprintf(err, errlen, "%s: cannot write the table (%s)", !md ? mdp : texp, strerror(errno));
        if (md) fclose(md);
        if (tex) fclose(tex);
        free(finals); free(mixed);
        return -1;
    }
    fprintf(md, "# ");
    md_text(md, title, 0);
    fprintf(md, "\n");
    fprintf(tex, "%% ");
    tex_escape(tex, title);
    fprintf(tex, " (generated by loft table; needs \\usepackage{booktabs})\n");
    if (expected > 0 && found < expected) {
        fprintf(md, "\n**%d of %d runs**: the experiment plans %d runs (tuning runs aside), the results file holds %d of them "
                "finished; the cells average what there is.\n", found, expected, expected, found);
        fprintf(tex, "%% %d of %d runs: the experiment plans %d (tuning runs aside), the results file holds %d finished\n",
                found, expected, expected, found);
    }
    TableSpec *dflt = NULL;
    if (ntables == 0) tables = dflt = default_tables(runs, n, &ntables);
    const char **groups = malloc(sizeof(char *) * (size_t)(n + 1));
    RunRecord *sub = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    Comparisons cmp;
    int ng = cell_groups(finals, nf, groups), rc = comparisons_build(&cmp, finals, nf, tables, ntables, families, nfamilies, err, errlen);
    TableCtx x = { expected, found, mixed, nmixed, "", &cmp, families };
    for (int gi = 0; gi < ng && rc == 0; gi++) {
        int k = cell_group_runs(finals, nf, groups[gi], sub);
        char t[1400], g[SHOWN];
        if (groups[gi][0]) snprintf(t, sizeof t, "%s, target %s", title, text_printable(g, sizeof g, groups[gi]));
        else snprintf(t, sizeof t, "%s", title);
        x.group = groups[gi];
        rc = group_tables(md, tex, sub, k, t, tables, ntables, &x, err, errlen);
    }
    if (rc == 0) tuning_table(md, tex, runs, n);
    fclose(md);
    fclose(tex);
    if (rc == 0) {
        char fp[560];
        snprintf(fp, sizeof fp, "%s_findings.md", stem);
        rc = findings_write(fp, title, &cmp, tables, families, err, errlen);
    }
    if (cmp.c || cmp.tests) comparisons_free(&cmp);
    free(groups); free(sub); free(finals); free(dflt); free(mixed);
    return rc;
}

/* ---- .dat files ---- */

/* name as one file or folder name inside the output folder: letters, digits and . _ + = , -
   kept, any other byte '_', a leading '.' made '_' (no "..", no "/"), never empty: a results
   file names the folders and files it is exported to, and must not write outside --out */
static void path_part(char *dst, size_t n, const char *name) {
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && k + 1 < n; p++) {
        const int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("._+=,-", *p);
        dst[k++] = keep ? (char)*p : '_';
    }
    dst[k] = 0;
    if (!k) snprintf(dst, n, "_");
    if (dst[0] == '.') dst[0] = '_';
}

/* -1 with a message when two of the k distinct names would be written under one file name */
static int name_clash(const char **names, int k, const char *what, const char *dir, char *err, size_t errlen) {
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k && names[i][0]; j++) {   /* "" (no group) is the folder itself */
            char a[300], b[300], sa[SHOWN], sb[SHOWN];
            path_part(a, sizeof a, names[i]);
            path_part(b, sizeof b, names[j]);
            if (strcmp(a, b) != 0) continue;
            snprintf(err, errlen, "%s: the %ss '%s' and '%s' would both be exported as '%s'", dir, what,
                     text_printable(sa, sizeof sa, names[i]), text_printable(sb, sizeof sb, names[j]), a);
            return -1;
        }
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

/* one line per run: its seed and the last finite value of each of the two columns (times scale;
   NaN when it has none), for a scatter of one final metric against another (plots/learn_forget.gp) */
static void export_lasts(FILE *f, const RunRecord *const *grp, int ng, const char *const col[2], double scale) {
    fprintf(f, "# seed %s %s (last evaluated values, times %g): one run per line\n", col[0], col[1], scale);
    for (int g = 0; g < ng; g++) {
        const RunRecord *r = grp[g];
        double last[2] = { NAN, NAN };
        for (int j = 0; j < 2; j++) {
            const int c = run_column(r, col[j]);
            for (size_t k = 0; c >= 0 && k < r->rows; k++)
                if (isfinite(r->traj[k * r->cols + (size_t)c])) last[j] = scale * r->traj[k * r->cols + (size_t)c];
        }
        fprintf(f, "%ld %.6g %.6g\n", r->seed, last[0], last[1]);
    }
}

/* <dir>/summary_r<rank>__<metric>.dat: one line per label, its mean and 95 % half-width over
   seeds (the bars of the at-a-glance figure); full AdamW (rank 0) is in every rank's file */
static int export_summary(const RunRecord *runs, int n, const TableSpec *tables, int ntables, const char *dir, char *err,
                          size_t errlen) {
    const char **labels = malloc(sizeof(char *) * (size_t)(n + 1));
    long *ranks = malloc(sizeof(long) * (size_t)(n + 1));
    int nl = cell_labels(runs, n, labels), nr = cell_ranks(runs, n, ranks), rc = 0;
    if (nr == 0) ranks[nr++] = 0;
    for (int t = 0; t < ntables && rc == 0; t++)
        for (int j = 0; j < nr && rc == 0; j++) {
            char path[768], metric[64];
            path_part(metric, sizeof metric, tables[t].metric);
            snprintf(path, sizeof path, "%s/summary_r%ld__%s.dat", dir, ranks[j], metric);
            FILE *f = fopen(path, "w");
            if (!f) { snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno)); rc = -1; break; }
            fprintf(f, "# %s (times %g) at rank %ld: label mean half_width_95 seeds diverged\n", metric, tables[t].scale, ranks[j]);
            Cell *c = malloc(sizeof(Cell));
            TableSpec linear = tables[t];   /* the figure draws mean +- half-width: on the linear scale */
            linear.log_scale = 0;
            for (int i = 0; i < nl; i++) {
                cell_of(c, runs, n, labels[i], ranks[j], &linear);
                if (!c->n) continue;
                char label[300];
                path_part(label, sizeof label, labels[i]);   /* one word, as gnuplot reads it */
                fprintf(f, "%s %.6g %.6g %d %d\n", label, c->ok ? c->mean : NAN, isfinite(c->half) ? c->half : 0, c->ok, c->diverged);
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
    int nl = cell_labels(runs, n, labels), nr = cell_ranks(runs, n, ranks);
    ranks[nr++] = 0;
    int rc = name_clash(labels, nl, "label", dir, err, errlen);
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
            char path[768], name[300], shown[SHOWN];
            path_part(name, sizeof name, labels[li]);
            snprintf(path, sizeof path, "%s/r%ld__%s.dat", dir, ranks[rj], name);
            FILE *f = fopen(path, "w");
            if (!f) { snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno)); rc = -1; break; }
            fprintf(f, "# %s, rank %ld, %d seeds: loss over seeds at each logged step\n", text_printable(shown, sizeof shown, labels[li]),
                    ranks[rj], ng);
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
                char cname[64];
                path_part(cname, sizeof cname, cs->name);
                snprintf(path, sizeof path, "%s/r%ld__%s.%s.dat", dir, ranks[rj], name, cname);
                if (!(f = fopen(path, "w"))) { snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno)); rc = -1; break; }
                fprintf(f, "# step %s_mean %s_min %s_max %s_mean %s_min %s_max (times %g, over seeds)\n",
                        col[0], col[0], col[0], col[1], col[1], col[1], cs->scale);
                export_evals(f, grp, ng, rows, col, cs->scale);
                fclose(f);
                snprintf(path, sizeof path, "%s/r%ld__%s.%s.seeds.dat", dir, ranks[rj], name, cname);
                if (!(f = fopen(path, "w"))) { snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno)); rc = -1; break; }
                export_lasts(f, grp, ng, col, cs->scale);
                fclose(f);
            }
        }
    free(labels); free(ranks);
    return rc;
}

static int cmp_tried(const void *a, const void *b) {
    const double x = ((const double *)a)[0], y = ((const double *)b)[0];
    return (x > y) - (x < y);
}

/* <dir>/lr_r<rank>__<label>.dat for the tuning runs of one group: the tuned value, the mean, min
   and max of the metric over the tuning seeds (NaN where none finished), the runs behind it and
   1 on the value the group's final runs got: the metric against the learning rate, one curve per
   label and rank, as plots/lr_curves.gp draws it */
static int export_tuning(const RunRecord *runs, int n, const char *dir, char *err, size_t errlen) {
    int rc = 0;
    char *done = calloc((size_t)n + 1, 1);
    double (*rows)[6] = malloc(sizeof *rows * (size_t)(n + 1));   /* value, sum, min, max, count, chosen */
    for (int a = 0; a < n && rc == 0; a++) {
        if (done[a] || strcmp(runs[a].role, "tune") != 0) continue;
        int nr = 0;
        double chosen = NAN;
        for (int i = 0; i < n; i++) {   /* the final runs of the group: the value they got */
            if (strcmp(runs[i].role, "final") == 0 && strcmp(runs[i].tune_group, runs[a].tune_group) == 0) chosen = atof(runs[i].tuned_value);
            if (done[i] || strcmp(runs[i].role, "tune") != 0 || strcmp(runs[i].tune_group, runs[a].tune_group) != 0) continue;
            done[i] = 1;
            const double x = atof(runs[i].tuned_value);
            int j = 0;
            while (j < nr && rows[j][0] != x) j++;
            if (j == nr) { rows[nr][0] = x; rows[nr][1] = 0; rows[nr][2] = INFINITY; rows[nr][3] = -INFINITY; rows[nr][4] = 0; nr++; }
            const double v = strcmp(runs[i].status, "complete") == 0 ? run_metric(&runs[i], runs[i].tuned_on) : NAN;
            if (!isfinite(v)) continue;
            rows[j][1] += v; rows[j][4]++;
            rows[j][2] = fmin(rows[j][2], v); rows[j][3] = fmax(rows[j][3], v);
        }
        qsort(rows, (size_t)nr, sizeof *rows, cmp_tried);
        char path[1400], label[64];
        path_part(label, sizeof label, runs[a].label);
        snprintf(path, sizeof path, "%s/lr_r%ld__%s.dat", dir, runs[a].rank, label);
        FILE *f = fopen(path, "w");
        if (!f) { snprintf(err, errlen, "%s: cannot write (%s)", path, strerror(errno)); rc = -1; break; }
        fprintf(f, "# %s: %s against %s over the tuning seeds: value mean min max runs chosen\n", runs[a].tune_group,
                runs[a].tuned_on, runs[a].tuned_key);
        for (int j = 0; j < nr; j++) {
            if (rows[j][4] > 0)
                fprintf(f, "%.6g %.6e %.6e %.6e %.0f %d\n", rows[j][0], rows[j][1] / rows[j][4], rows[j][2], rows[j][3], rows[j][4],
                        rows[j][0] == chosen);
            else fprintf(f, "%.6g NaN NaN NaN 0 %d\n", rows[j][0], rows[j][0] == chosen);
        }
        fclose(f);
    }
    free(done); free(rows);
    return rc;
}

int report_export(const RunRecord *runs, int n, const CurveSpec *curves, int ncurves, const TableSpec *tables, int ntables,
                  const char *dir, char *err, size_t errlen) {
    const char **groups = malloc(sizeof(char *) * (size_t)(n + 1));
    RunRecord *sub = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    RunRecord *finals = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    int nf = 0;
    for (int i = 0; i < n; i++) if (strcmp(runs[i].role, "tune") != 0) finals[nf++] = runs[i];
    int ng = cell_groups(finals, nf, groups);
    int rc = name_clash(groups, ng, "group", dir, err, errlen);
    for (int gi = 0; gi < ng && rc == 0; gi++) {
        int k = cell_group_runs(finals, nf, groups[gi], sub);
        char d[1024], name[300];
        path_part(name, sizeof name, groups[gi]);
        if (groups[gi][0]) snprintf(d, sizeof d, "%s/%s", dir, name);
        else snprintf(d, sizeof d, "%s", dir);
        if (groups[gi][0]) make_dirs(dir);
        rc = export_group(sub, k, curves, ncurves, d, err, errlen);
        if (rc == 0) rc = export_summary(sub, k, tables, ntables, d, err, errlen);
    }
    for (int gi = 0; gi < ng && rc == 0; gi++) {   /* the tuning runs of each group: the learning-rate curves */
        int k = 0;
        for (int i = 0; i < n; i++) if (strcmp(runs[i].group, groups[gi]) == 0) sub[k++] = runs[i];
        char d[1024], name[300];
        path_part(name, sizeof name, groups[gi]);
        if (groups[gi][0]) snprintf(d, sizeof d, "%s/%s", dir, name);
        else snprintf(d, sizeof d, "%s", dir);
        rc = export_tuning(sub, k, d, err, errlen);
    }
    free(groups); free(sub); free(finals);
    return rc;
}
