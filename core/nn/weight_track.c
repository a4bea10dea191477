/* The start snapshot, the closeness to a lockstep full fine-tuning and the intruder dimensions
   of a stack of blocks (weight_track.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "../compute/memory.h"
#include "../io/h5log.h"
#include "weight_track.h"

int weight_track_init(WeightTrack *t, Blocks *k, int rank, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    t->rank = rank;
    size_t big = 0;
    t->at[0] = 0;
    for (int l = 0; l < k->L; l++)
        for (int j = 0; j < BLOCKS_NMOD; j++) {
            const AdaptedLinear *L = &k->lin[l][j];
            const int i = t->nlayers++;
            t->out[i] = L->out;
            t->in[i] = L->in;
            t->at[i + 1] = t->at[i] + (size_t)L->out * L->in;
            if ((size_t)L->out * L->in > big) big = (size_t)L->out * L->in;
        }
    if (!t->nlayers) { snprintf(err, errlen, "weight tracking: the model has no block layers"); return -1; }
    const size_t n = t->at[t->nlayers];
    t->w0 = mallocCheck(sizeof(double) * n);
    t->prev_m = mallocCheck(sizeof(double) * n);
    t->prev_f = mallocCheck(sizeof(double) * n);
    t->wm = mallocCheck(sizeof(double) * big);
    t->wf = mallocCheck(sizeof(double) * big);
    for (int l = 0, i = 0; l < k->L; l++)
        for (int j = 0; j < BLOCKS_NMOD; j++, i++) alinear_effective(&k->lin[l][j], t->w0 + t->at[i]);
    memcpy(t->prev_m, t->w0, sizeof(double) * n);   /* the first interval starts at the start */
    memcpy(t->prev_f, t->w0, sizeof(double) * n);
    return 0;
}

void weight_track_start_shadow(const WeightTrack *t, Blocks *shadow) {
    for (int l = 0, i = 0; l < shadow->L; l++)
        for (int j = 0; j < BLOCKS_NMOD; j++, i++) tensor_from_host(shadow->lin[l][j].W, t->w0 + t->at[i], t->at[i + 1] - t->at[i]);
}

void weight_track_free(WeightTrack *t) {
    free(t->w0); free(t->prev_m); free(t->prev_f); free(t->wm); free(t->wf);
    memset(t, 0, sizeof *t);
}

/* the cosine of a and b from the sums (NaN when either is zero) */
static double cosine(double dot, double a2, double b2) { return a2 > 0 && b2 > 0 ? dot / sqrt(a2 * b2) : NAN; }

void weight_track_closeness(WeightTrack *t, Blocks *k, Blocks *shadow, double *out) {
    UpdateMatch sum = { 0, 0, 0, 0, 0, 0 };
    double sdot = 0, sm2 = 0, sf2 = 0;   /* the updates since the last call */
    for (int l = 0, i = 0; l < k->L; l++)
        for (int j = 0; j < BLOCKS_NMOD; j++, i++) {
            const size_t sz = (size_t)t->out[i] * t->in[i];
            double *w0 = t->w0 + t->at[i], *pm = t->prev_m + t->at[i], *pf = t->prev_f + t->at[i];
            alinear_effective(&k->lin[l][j], t->wm);
            alinear_effective(&shadow->lin[l][j], t->wf);
            for (size_t e = 0; e < sz; e++) {   /* the interval's updates, then the snapshots move on */
                const double um = t->wm[e] - pm[e], uf = t->wf[e] - pf[e];
                sdot += um * uf; sm2 += um * um; sf2 += uf * uf;
                pm[e] = t->wm[e];
                pf[e] = t->wf[e];
                t->wm[e] -= w0[e];   /* dM, dF: since the start */
                t->wf[e] -= w0[e];
            }
            UpdateMatch u;
            update_match(&u, t->wm, t->wf, t->out[i], t->in[i], t->rank);
            double *lay = t->layer[i];
            lay[TRACK_DIST] = u.full2 > 0 ? sqrt(u.diff2 / u.full2) : NAN;
            lay[TRACK_COS] = cosine(u.dot, u.method2, u.full2);
            lay[TRACK_STEP_COS] = NAN;
            lay[TRACK_SHARE] = u.full2 > 0 ? u.share2 / u.full2 : NAN;
            lay[TRACK_BEST] = u.full2 > 0 ? u.best2 / u.full2 : NAN;
            lay[TRACK_RATIO] = u.best2 > 0 ? u.share2 / u.best2 : NAN;
            sum.diff2 += u.diff2; sum.full2 += u.full2; sum.method2 += u.method2; sum.dot += u.dot;
            sum.share2 += u.share2; sum.best2 += u.best2;
        }
    out[TRACK_DIST] = sum.full2 > 0 ? sqrt(sum.diff2 / sum.full2) : NAN;
    out[TRACK_COS] = cosine(sum.dot, sum.method2, sum.full2);
    out[TRACK_STEP_COS] = cosine(sdot, sm2, sf2);
    out[TRACK_SHARE] = sum.full2 > 0 ? sum.share2 / sum.full2 : NAN;
    out[TRACK_BEST] = sum.full2 > 0 ? sum.best2 / sum.full2 : NAN;
    out[TRACK_RATIO] = sum.best2 > 0 ? sum.share2 / sum.best2 : NAN;
}

double weight_track_intruders(WeightTrack *t, Blocks *k) {
    static const double eps[INTRUDER_NEPS] = INTRUDER_EPS;
    double total = 0;
    for (int l = 0, i = 0; l < k->L; l++)
        for (int j = 0; j < BLOCKS_NMOD; j++, i++) {
            alinear_effective(&k->lin[l][j], t->wm);
            if (intruder_count(t->intruders[i], t->w0 + t->at[i], t->wm, t->out[i], t->in[i], INTRUDER_K, eps, INTRUDER_NEPS))
                return NAN;
            total += t->intruders[i][INTRUDER_EPS_MAIN];
        }
    return total;
}

void weight_track_walk(WeightTrack *t, StateWalk *w) {
    const size_t n = t->at[t->nlayers];
    state_walk(w, "track/prev_run", t->prev_m, sizeof(double) * n);
    state_walk(w, "track/prev_shadow", t->prev_f, sizeof(double) * n);
}

void weight_track_datasets(WeightTrack *t, struct H5Run *h, int closeness, int intruders) {
    const size_t n = (size_t)t->nlayers;
    double *a = mallocCheck(sizeof(double) * n * (TRACK_NCLOSE + INTRUDER_NEPS));
    if (closeness) {
        size_t d[2] = { n, TRACK_NCLOSE };
        for (size_t i = 0; i < n; i++) for (int j = 0; j < TRACK_NCLOSE; j++) a[i * TRACK_NCLOSE + j] = t->layer[i][j];
        h5run_dataset(h, "final", "closeness", a, 2, d);
    }
    if (intruders) {
        size_t d[2] = { n, INTRUDER_NEPS };
        for (size_t i = 0; i < n; i++) for (int j = 0; j < INTRUDER_NEPS; j++) a[i * INTRUDER_NEPS + j] = t->intruders[i][j];
        h5run_dataset(h, "final", "intruders", a, 2, d);
    }
    free(a);
}
