/* The cells of a table (cell.h): which runs a cell holds and what its seeds' values say. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cell.h"
#include "stats.h"

int cell_tabulated(const RunRecord *r) { return strcmp(r->status, "complete") == 0 || strcmp(r->status, "diverged") == 0; }

void cell_of(Cell *c, const RunRecord *runs, int n, const char *label, long rank, const TableSpec *t) {
    memset(c, 0, sizeof(*c));
    c->reached = -1;
    c->rank0 = 1;
    double s1 = 0;
    for (int i = 0; i < n; i++) {
        const RunRecord *r = &runs[i];
        if (strcmp(r->label, label) != 0 || (r->rank != rank && r->rank != 0)) continue;
        if (!cell_tabulated(r)) continue;
        c->n++;
        c->rank0 &= r->rank == 0;
        if (r->loss_threshold > 0) c->reached = (c->reached < 0 ? 0 : c->reached) + (r->steps_to_threshold >= 0);
        if (strcmp(r->status, "diverged") == 0 || !isfinite(r->final_loss)) { c->diverged++; continue; }
        double v = t->scale * run_metric(r, t->metric);
        if (!isfinite(v) || (t->log_scale && !(v > 0)) || c->ok == CELL_MAX) continue;
        c->seed[c->ok] = r->seed;
        c->v[c->ok++] = v;
        c->items = c->ok == 1 ? r->test_items : (c->items == r->test_items ? c->items : NAN);
        s1 += t->log_scale ? log10(v) : v;
    }
    if (!c->n) c->rank0 = 0;
    c->mean = c->ok ? s1 / c->ok : NAN;
    double s2 = 0;
    for (int k = 0; k < c->ok; k++) {
        const double x = t->log_scale ? log10(c->v[k]) : c->v[k];
        s2 += (x - c->mean) * (x - c->mean);
    }
    c->sd = c->ok > 1 ? sqrt(s2 / (c->ok - 1)) : 0;
    c->half = ci95_half_width(c->sd, c->ok);
    if (t->test_items && !t->log_scale && c->ok) {   /* the test set's sampling error, shared by the seeds */
        const double p = c->mean / t->scale;
        if (isfinite(c->items) && c->items > 0 && p >= 0 && p <= 1) {
            const double se = t->scale * sqrt(p * (1 - p) / c->items), hs = c->half;
            c->half = sqrt(hs * hs + 1.959963984540054 * 1.959963984540054 * se * se);
        } else c->half = NAN;
    }
    c->lo = c->mean - c->half;
    c->hi = c->mean + c->half;
    if (t->log_scale) {   /* back from log10: the geometric mean and its interval */
        c->mean = pow(10, c->mean);
        c->lo = pow(10, c->lo);
        c->hi = pow(10, c->hi);
    }
}

int cell_labels(const RunRecord *runs, int n, const char **labels) {
    int nl = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < nl; j++) seen |= strcmp(labels[j], runs[i].label) == 0;
        if (!seen) labels[nl++] = runs[i].label;
    }
    return nl;
}

static int cmp_long(const void *a, const void *b) { long x = *(const long *)a, y = *(const long *)b; return (x > y) - (x < y); }

int cell_ranks(const RunRecord *runs, int n, long *ranks) {
    int nr = 0;
    for (int i = 0; i < n; i++) {
        int seen = runs[i].rank == 0;
        for (int j = 0; j < nr; j++) seen |= ranks[j] == runs[i].rank;
        if (!seen) ranks[nr++] = runs[i].rank;
    }
    qsort(ranks, (size_t)nr, sizeof(long), cmp_long);
    return nr;
}

int cell_groups(const RunRecord *runs, int n, const char **groups) {
    int ng = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < ng; j++) seen |= strcmp(groups[j], runs[i].group) == 0;
        if (!seen) groups[ng++] = runs[i].group;
    }
    return ng;
}

int cell_group_runs(const RunRecord *runs, int n, const char *g, RunRecord *out) {
    int k = 0;
    for (int i = 0; i < n; i++) if (strcmp(runs[i].group, g) == 0) out[k++] = runs[i];
    return k;
}
