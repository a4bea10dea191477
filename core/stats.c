/* The procedures of stats.h; Student's t distribution itself is GSL's (gsl/gsl_cdf.h). */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include "stats.h"

/* the t quantile of probability q with df degrees of freedom (0 < q < 1) */
static double t_quantile(double q, double df) { return gsl_cdf_tdist_Pinv(q, df); }

double ci95_half_width(double sd, int n) {
    if (n < 2) return NAN;
    return t_quantile(0.975, n - 1) * sd / sqrt((double)n);
}

/* mean and sample std of n values */
static void mean_sd(const double *v, int n, double *mean, double *sd) {
    double s1 = 0, s2 = 0;
    for (int i = 0; i < n; i++) s1 += v[i];
    *mean = n ? s1 / n : NAN;
    for (int i = 0; i < n; i++) s2 += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(s2 / (n - 1)) : NAN;
}

void paired_t(const double *d, int n, PairedT *o) {
    o->n = n;
    mean_sd(d, n, &o->mean, &o->sd);
    if (n < 2) { o->lo = o->hi = o->t = o->p = NAN; return; }
    const double se = o->sd / sqrt((double)n), df = n - 1;
    if (se == 0) {
        o->lo = o->hi = o->mean;
        o->t = o->mean == 0 ? 0 : copysign(INFINITY, o->mean);
        o->p = o->mean == 0 ? 1 : 0;
        return;
    }
    const double h = t_quantile(0.975, df) * se;
    o->lo = o->mean - h;
    o->hi = o->mean + h;
    o->t = o->mean / se;
    o->p = 2 * gsl_cdf_tdist_Q(fabs(o->t), df);   /* the upper tail: exact for small p */
}

/* indices by their p ascending (ties in index order); arg: the p-values (qsort_r) */
static int cmp_index(const void *a, const void *b, void *arg) {
    const double *p = arg;
    const int i = *(const int *)a, j = *(const int *)b;
    if (p[i] != p[j]) return p[i] < p[j] ? -1 : 1;
    return (i > j) - (i < j);
}

void holm_adjust(const double *p, int m, double *adj) {
    int *order = malloc(sizeof(int) * (size_t)(m > 0 ? m : 1));
    for (int i = 0; i < m; i++) order[i] = i;
    qsort_r(order, (size_t)m, sizeof(int), cmp_index, (void *)p);
    double running = 0;
    for (int k = 0; k < m; k++) {
        const double a = fmin(1, (double)(m - k) * p[order[k]]);
        running = fmax(running, a);
        adj[order[k]] = running;
    }
    free(order);
}

double tost_paired(const double *d, int n, double margin, double *lo90, double *hi90) {
    double mean, sd;
    mean_sd(d, n, &mean, &sd);
    if (lo90) *lo90 = NAN;
    if (hi90) *hi90 = NAN;
    if (n < 2 || !(margin > 0)) return NAN;
    const double se = sd / sqrt((double)n), df = n - 1;
    if (se == 0) {
        if (lo90) *lo90 = mean;
        if (hi90) *hi90 = mean;
        return fabs(mean) < margin ? 0 : 1;
    }
    const double h = t_quantile(0.95, df) * se;
    if (lo90) *lo90 = mean - h;
    if (hi90) *hi90 = mean + h;
    const double p_low = gsl_cdf_tdist_Q((mean + margin) / se, df);    /* H0: mean <= -margin */
    const double p_high = gsl_cdf_tdist_P((mean - margin) / se, df);   /* H0: mean >= +margin */
    return fmax(p_low, p_high);
}

void geomean_ci95(const double *v, int n, double *gm, double *lo, double *hi) {
    double *l = calloc((size_t)(n > 0 ? n : 1), sizeof(double)), mean, sd;
    for (int i = 0; i < n; i++) l[i] = log10(v[i]);
    mean_sd(l, n, &mean, &sd);
    free(l);
    const double h = ci95_half_width(sd, n);
    *gm = pow(10, mean);
    *lo = n > 1 ? pow(10, mean - h) : NAN;
    *hi = n > 1 ? pow(10, mean + h) : NAN;
}
