/* The families' comparisons (comparisons.h): collected over every group, table, row and rank,
   then Holm-adjusted family by family. */
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cell.h"
#include "comparisons.h"

int comparison_verdict(const Comparison *c) {
    if (c->p_adj < ALPHA) return 1;
    if (c->p_tost_adj < ALPHA) return 2;
    return 0;
}

int family_matches(const char *pattern, const char *label) { return fnmatch(pattern, label, 0) == 0; }

int family_covers(const FamilySpec *f, const char *metric, const char *label) {
    if (strcmp(label, f->compare_to) == 0) return 0;
    int metric_ok = f->nmetrics == 0, row_ok = f->nrows == 0;
    for (int k = 0; k < f->nmetrics; k++) metric_ok |= strcmp(f->metrics[k], metric) == 0;
    for (int k = 0; k < f->nrows; k++) row_ok |= family_matches(f->rows[k], label);
    return metric_ok && row_ok;
}

/* appends the comparison of cell c with base (same table, group, rank) when they share >= 2 seeds */
static int compare_cells(Comparisons *out, int *cap, const Cell *c, const Cell *base, const TableSpec *t, int family,
                         int table, const char *group, const char *label, long rank) {
    double d[CELL_MAX], q[CELL_MAX];
    int k = 0;
    for (int i = 0; i < c->ok; i++)
        for (int j = 0; j < base->ok; j++)
            if (c->seed[i] == base->seed[j]) {
                const double x = c->v[i], y = base->v[j];
                d[k] = t->log_scale ? log10(x) - log10(y) : x - y;
                q[k] = x > 0 && y > 0 ? log(x / y) : NAN;   /* the log ratio, for a relative margin */
                k++;
                break;
            }
    if (k < 2) return 0;
    if (out->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        Comparison *more = realloc(out->c, sizeof(Comparison) * (size_t)*cap);
        if (!more) return -1;
        out->c = more;
    }
    Comparison *m = &out->c[out->n++];
    memset(m, 0, sizeof(*m));
    m->family = family;
    m->table = table;
    m->group = group;
    m->label = label;
    m->rank = rank;
    paired_t(d, k, &m->t);
    m->p_adj = m->p_tost = m->p_tost_adj = m->lo90 = m->hi90 = NAN;
    if (t->margin > 0 && !t->margin_relative) m->margin = t->margin;
    if (t->margin > 0 && t->margin_relative) m->margin = t->log_scale ? log10(1 + t->margin) : log(1 + t->margin);
    if (t->margin > 0) {
        int finite = 1;
        for (int i = 0; i < k; i++) finite &= isfinite(q[i]);
        if (!t->margin_relative || t->log_scale || finite)   /* no ratio of non-positive values */
            m->p_tost = tost_paired(t->margin_relative && !t->log_scale ? q : d, k, m->margin, &m->lo90, &m->hi90);
    }
    return 0;
}

/* Holm within each family, over its finite p (which = 0) or its finite TOST p (which = 1) */
static void adjust(Comparisons *out, int which) {
    double *p = malloc(sizeof(double) * (size_t)(out->n + 1)), *a = malloc(sizeof(double) * (size_t)(out->n + 1));
    int *idx = malloc(sizeof(int) * (size_t)(out->n + 1));
    for (int f = 0; f < out->nfamilies; f++) {
        int m = 0;
        for (int i = 0; i < out->n; i++) {
            const Comparison *c = &out->c[i];
            const double v = which ? c->p_tost : c->t.p;
            if (c->family == f && isfinite(v)) { p[m] = v; idx[m++] = i; }
        }
        holm_adjust(p, m, a);
        for (int k = 0; k < m; k++) {
            if (which) out->c[idx[k]].p_tost_adj = a[k];
            else out->c[idx[k]].p_adj = a[k];
        }
        if (which) out->tost_tests[f] = m;
        else out->tests[f] = m;
    }
    free(p); free(a); free(idx);
}

int comparisons_build(Comparisons *out, const RunRecord *runs, int n, const TableSpec *tables, int ntables,
                      const FamilySpec *families, int nfamilies, char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    out->nfamilies = nfamilies;
    out->tests = calloc((size_t)nfamilies + 1, sizeof(int));
    out->tost_tests = calloc((size_t)nfamilies + 1, sizeof(int));
    const char **groups = malloc(sizeof(char *) * (size_t)(n + 1)), **labels = malloc(sizeof(char *) * (size_t)(n + 1));
    long *ranks = malloc(sizeof(long) * (size_t)(n + 1));
    RunRecord *sub = malloc(sizeof(RunRecord) * (size_t)(n + 1));
    Cell *c = malloc(sizeof(Cell)), *base = malloc(sizeof(Cell));
    int cap = 0, rc = 0;
    if (!out->tests || !out->tost_tests || !groups || !labels || !ranks || !sub || !c || !base) rc = -1;
    const int ng = rc ? 0 : cell_groups(runs, n, groups);
    for (int g = 0; g < ng && rc == 0; g++) {
        const int k = cell_group_runs(runs, n, groups[g], sub), nl = cell_labels(sub, k, labels);
        int nr = cell_ranks(sub, k, ranks);
        if (nr == 0) ranks[nr++] = 0;
        for (int f = 0; f < nfamilies && rc == 0; f++)
            for (int t = 0; t < ntables && rc == 0; t++)
                for (int j = 0; j < nr && rc == 0; j++) {
                    cell_of(base, sub, k, families[f].compare_to, ranks[j], &tables[t]);
                    for (int i = 0; i < nl && rc == 0; i++) {
                        if (!family_covers(&families[f], tables[t].metric, labels[i])) continue;
                        cell_of(c, sub, k, labels[i], ranks[j], &tables[t]);
                        if (j > 0 && c->rank0 && base->rank0) continue;   /* one rank-free pair: its first column only */
                        /* labels point into sub, a copy: take the runs' own text */
                        const char *label = NULL;
                        for (int r = 0; r < n && !label; r++) if (strcmp(runs[r].label, labels[i]) == 0) label = runs[r].label;
                        rc = compare_cells(out, &cap, c, base, &tables[t], f, t, groups[g], label, ranks[j]);
                    }
                }
    }
    if (rc) snprintf(err, errlen, "out of memory comparing the table cells");
    else {
        adjust(out, 0);
        adjust(out, 1);
    }
    free(groups); free(labels); free(ranks); free(sub); free(c); free(base);
    if (rc) comparisons_free(out);
    return rc;
}

void comparisons_free(Comparisons *c) {
    free(c->c); free(c->tests); free(c->tost_tests);
    memset(c, 0, sizeof(*c));
}
