/* Tuning grids that grow past an edge choice (widen.h): the groups' stored results read, the
   next value beyond an edge chosen, its tuning runs cloned from the edge value's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "io/h5results.h"
#include "sweep/widen.h"

#define MAX_VALUES 64

/* a group's values: numeric value, its text, mean metric over its finished runs, and whether
   it was added by widening */
typedef struct { double x, sum; int n, widened; char text[TUNE_VALUE]; } Value;

/* the stored record of id, or NULL */
static const RunRecord *record_of(const RunRecord *recs, int nrec, const char *id) {
    for (int k = 0; k < nrec; k++) if (strcmp(recs[k].id, id) == 0) return &recs[k];
    return NULL;
}

/* tuning run q cloned with tune_key = text (id, override, value), appended to the plan, selected
   and resolved; 0, or -1 with a message */
static int add_run(Plan *p, int q, const char *text, const SweepOptions *o, char *err, size_t errlen) {
    const PlannedRun *src = &p->e.runs[q];
    const char *seed = strstr(src->id, ".seed=");
    for (const char *s = seed; s; s = strstr(s + 1, ".seed=")) seed = s;   /* the last one */
    char id[sizeof src->id];
    if (!seed || (size_t)snprintf(id, sizeof id, "tune.%s.%s=%s%s", src->tune_group, src->tune_key, text, seed) >= sizeof id ||
        !store_legal_id(id)) {
        snprintf(err, errlen, "widening tuning group %s: the run id for %s = %s would not be a legal id", src->tune_group,
                 src->tune_key, text);
        return -1;
    }
    const int n = p->e.nruns + 1;
    p->e.runs = reallocCheck(p->e.runs, sizeof(PlannedRun) * (size_t)n);
    p->cfgs = reallocCheck(p->cfgs, sizeof(RunConfig) * (size_t)n);
    p->yaml = reallocCheck(p->yaml, sizeof(char *) * (size_t)n);
    p->chosen = reallocCheck(p->chosen, (size_t)n * TUNE_VALUE);
    p->sel = reallocCheck(p->sel, sizeof(int) * (size_t)n);
    p->pulled_in = reallocCheck(p->pulled_in, (size_t)n);
    const int i = p->e.nruns;
    PlannedRun *r = &p->e.runs[i];
    *r = p->e.runs[q];
    r->ov = mallocCheck(sizeof(Override) * (size_t)(r->nov ? r->nov : 1));
    memcpy(r->ov, p->e.runs[q].ov, sizeof(Override) * (size_t)r->nov);
    for (int k = 0; k < r->nov; k++)
        if (strcmp(r->ov[k].key, r->tune_key) == 0) snprintf(r->ov[k].value, sizeof r->ov[k].value, "%s", text);
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->tune_value, sizeof r->tune_value, "%s", text);
    r->widened = 1;
    p->yaml[i] = NULL;
    p->chosen[i][0] = 0;
    p->pulled_in[i] = p->pulled_in[q];
    p->e.nruns = n;
    if (plan_resolve(p, i, o, err, errlen) != 0) return -1;
    p->sel[p->nsel++] = i;
    return 0;
}

/* one pass over the selected tuning groups: the runs their stored results ask for added;
   returns how many (-1: error) */
static int widen_pass(Plan *p, const SweepOptions *o, const RunRecord *recs, int nrec, FILE *out, char *err, size_t errlen) {
    int added = 0;
    const int nsel = p->nsel;
    char *done = calloc((size_t)p->e.nruns + 1, 1);   /* groups already looked at, by their first run */
    for (int a = 0; a < nsel; a++) {
        const int first = p->sel[a];
        if (!plan_is_tuning(p, first) || done[first] || p->e.runs[first].tune_widen <= 0) continue;
        char group[sizeof p->e.runs[first].tune_group], key[sizeof p->e.runs[first].tune_key];   /* add_run moves p->e.runs */
        snprintf(group, sizeof group, "%s", p->e.runs[first].tune_group);
        snprintf(key, sizeof key, "%s", p->e.runs[first].tune_key);
        const int cap = p->e.runs[first].tune_widen, higher = p->e.runs[first].tune_higher;
        Value v[MAX_VALUES];
        int nv = 0, finished = 1, numeric = 1;
        for (int b = a; b < nsel; b++) {   /* the group's runs: values, finished or not, means */
            const int q = p->sel[b];
            const PlannedRun *r = &p->e.runs[q];
            if (!plan_is_tuning(p, q) || strcmp(r->tune_group, group) != 0) continue;
            done[q] = 1;
            int j = 0;
            while (j < nv && strcmp(v[j].text, r->tune_value) != 0) j++;
            if (j == nv) {
                if (nv == MAX_VALUES) { numeric = 0; break; }
                char *end;
                v[nv] = (Value){ strtod(r->tune_value, &end), 0, 0, r->widened, "" };
                snprintf(v[nv].text, sizeof v[nv].text, "%s", r->tune_value);
                if (*end || !(v[nv].x > 0)) numeric = 0;
                nv++;
            }
            const RunRecord *rec = record_of(recs, nrec, r->id);
            if (!rec || (strcmp(rec->status, "complete") != 0 && strcmp(rec->status, "diverged") != 0)) { finished = 0; continue; }
            const double m = strcmp(rec->status, "complete") == 0 ? run_metric(rec, r->tune_on) : NAN;
            if (isfinite(m)) { v[j].sum += m; v[j].n++; }
        }
        if (!finished || !numeric || nv < 1) continue;
        int best = -1, lo = 0, hi = 0, lo_decl = -1, hi_decl = -1, nlow = 0, nhigh = 0, ndecl = 0;
        for (int j = 0; j < nv; j++) {
            if (v[j].x < v[lo].x) lo = j;
            if (v[j].x > v[hi].x) hi = j;
            if (!v[j].widened) {
                ndecl++;
                if (lo_decl < 0 || v[j].x < v[lo_decl].x) lo_decl = j;
                if (hi_decl < 0 || v[j].x > v[hi_decl].x) hi_decl = j;
            }
            if (!v[j].n) continue;
            const double m = v[j].sum / v[j].n, b = best < 0 ? NAN : v[best].sum / v[best].n;
            if (best < 0 || (higher ? m > b : m < b)) best = j;
        }
        if (best < 0 || lo_decl < 0 || (best != lo && best != hi)) continue;
        for (int j = 0; j < nv; j++) {
            nlow += v[j].widened && v[j].x < v[lo_decl].x;
            nhigh += v[j].widened && v[j].x > v[hi_decl].x;
        }
        const int low = best == lo;
        if ((low ? nlow : nhigh) >= cap) continue;   /* the cap: the tuning table marks it */
        /* the declared grid's mean ratio between neighbours (10 for a single value) */
        const double ratio = ndecl > 1 ? pow(v[hi_decl].x / v[lo_decl].x, 1.0 / (ndecl - 1)) : 10;
        if (!(ratio > 1.0001)) continue;
        char text[TUNE_VALUE];
        snprintf(text, sizeof text, "%.2g", low ? v[lo].x / ratio : v[hi].x * ratio);
        int dup = 0;
        for (int j = 0; j < nv; j++) dup |= strtod(text, NULL) == v[j].x;
        if (dup) continue;
        const int edge = low ? lo : hi;
        int n_added = 0;
        for (int b = 0; b < nsel; b++) {   /* every tuning seed of the edge value */
            const int q = p->sel[b];
            const PlannedRun *r = &p->e.runs[q];
            if (!plan_is_tuning(p, q) || strcmp(r->tune_group, group) != 0 || strcmp(r->tune_value, v[edge].text) != 0) continue;
            if (add_run(p, q, text, o, err, errlen) != 0) { free(done); return -1; }
            n_added++;
        }
        if (out && n_added)
            fprintf(out, "widened %s: %s = %s added (%d run(s)): the best so far, %s, is the %s value tried\n", group, key, text,
                    n_added, v[best].text, low ? "smallest" : "largest");
        added += n_added;
    }
    free(done);
    return added;
}

int plan_widen(Plan *p, const SweepOptions *o, FILE *out, char *err, size_t errlen) {
    int total = 0;
    for (;;) {
        RunRecord *recs = NULL;
        int nrec = 0;
        char rerr[512];
        if (h5_read_runs(p->st.path, 0, NULL, &recs, &nrec, rerr, sizeof rerr) != 0) nrec = 0;
        const int added = widen_pass(p, o, recs, nrec, out, err, errlen);
        h5_free_runs(recs, nrec);
        if (added < 0) return -1;
        if (added == 0) return total;
        total += added;
    }
}
