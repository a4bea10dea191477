/* The choice of a tuned hyper-parameter: mean of the validation metric over the tuning seeds of
   each (group, value), the best value per group, one printed line per group. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "io/h5results.h"
#include "tune.h"

typedef struct { const char *group, *value; double sum; int n, reported, pending; } Trial;

int tune_choose(const Experiment *e, const char *results, char (*chosen)[TUNE_VALUE], FILE *out) {
    for (int i = 0; i < e->nruns; i++) chosen[i][0] = 0;
    RunRecord *recs = NULL;
    int nrec = 0;
    char err[512];
    if (h5_read_runs(results, 0, NULL, &recs, &nrec, err, sizeof err) != 0) nrec = 0;
    Trial *t = calloc((size_t)e->nruns + 1, sizeof(Trial));
    int nt = 0;
    for (int i = 0; i < e->nruns; i++) {   /* the mean metric of every (group, value) */
        const PlannedRun *p = &e->runs[i];
        if (strcmp(p->role, "tune") != 0) continue;
        double v = NAN;
        int finished = 0;
        for (int k = 0; k < nrec; k++)
            if (strcmp(recs[k].id, p->id) == 0) {
                if (strcmp(recs[k].status, "complete") == 0) v = run_metric(&recs[k], p->tune_on);
                finished = strcmp(recs[k].status, "complete") == 0 || strcmp(recs[k].status, "diverged") == 0;
            }
        int j = 0;
        while (j < nt && !(strcmp(t[j].group, p->tune_group) == 0 && strcmp(t[j].value, p->tune_value) == 0)) j++;
        if (j == nt) t[nt++] = (Trial){ p->tune_group, p->tune_value, 0, 0, 0, 0 };
        if (isfinite(v)) { t[j].sum += v; t[j].n++; }
        if (p->widened && !finished) t[j].pending = 1;   /* a value the grid grew to: the choice waits for it */
    }
    int unresolved = 0;
    for (int i = 0; i < e->nruns; i++) {   /* the best value of each final run's group */
        const PlannedRun *p = &e->runs[i];
        if (!p->tune_key[0] || strcmp(p->role, "tune") == 0) continue;
        int best = -1, first = 1, pending = 0;   /* first: the group is not reported yet (once per group) */
        for (int j = 0; j < nt; j++) {
            if (strcmp(t[j].group, p->tune_group) != 0) continue;
            if (t[j].reported) first = 0;
            t[j].reported = 1;
            pending |= t[j].pending;
            if (!t[j].n) continue;
            double m = t[j].sum / t[j].n, b = best < 0 ? NAN : t[best].sum / t[best].n;
            if (best < 0 || (p->tune_higher ? m > b : m < b)) best = j;
        }
        if (best < 0 || pending) {
            if (first) unresolved++;
            continue;
        }
        snprintf(chosen[i], TUNE_VALUE, "%s", t[best].value);
        if (out && first) {
            fprintf(out, "tuned %s: %s = %s (%s %.4g", p->tune_group, p->tune_key, t[best].value, p->tune_on, t[best].sum / t[best].n);
            int edge_lo = 1, edge_hi = 1, others = 0;   /* the choice against the other values, as numbers */
            const double x = atof(t[best].value);
            for (int j = 0; j < nt; j++)
                if (j != best && strcmp(t[j].group, p->tune_group) == 0) {
                    fprintf(out, t[j].n ? "; %s: %.4g" : "; %s: -", t[j].value, t[j].n ? t[j].sum / t[j].n : 0);
                    edge_lo &= atof(t[j].value) > x;
                    edge_hi &= atof(t[j].value) < x;
                    others++;
                }
            fprintf(out, ")%s\n", others && (edge_lo || edge_hi) ? (edge_lo ? ": the smallest value tried (tune.widen grows the grid)"
                                                                              : ": the largest value tried (tune.widen grows the grid)") : "");
        }
    }
    free(t);
    h5_free_runs(recs, nrec);
    return unresolved;
}
