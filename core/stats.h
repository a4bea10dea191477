/* The statistical procedures of the tables, on Student's t from GSL (gsl_cdf_tdist_*): the
   interval of a mean, the paired t-test, Holm's step-down adjustment, the TOST equivalence test
   and the geometric mean on a log10 scale. Precision-free (double); only the procedures are ours. */
#ifndef LOFT_STATS_H
#define LOFT_STATS_H

/* half-width of the two-sided 95 % interval of the mean of n values with sample std sd (t with
   n - 1 degrees of freedom; NaN for n < 2) */
double ci95_half_width(double sd, int n);

/* the paired t-test of n differences (x_i - y_i of the same seed): their mean and sample std,
   the 95 % interval [lo, hi] of the mean difference, t (n - 1 degrees of freedom) and the exact
   two-sided p. n < 2: every field NaN. Differences all alike: lo = hi = mean, p = 0 (mean != 0)
   or 1 (mean 0) */
typedef struct { int n; double mean, sd, lo, hi, t, p; } PairedT;
void paired_t(const double *d, int n, PairedT *out);

/* Holm's step-down adjustment of the m p-values p (m,) into adj (m,): with p sorted ascending,
   adj_(k) = max over j <= k of min(1, (m - j + 1) p_(j)); adj_i < alpha rejects exactly the
   hypotheses Holm's procedure at level alpha rejects. p holds no NaN */
void holm_adjust(const double *p, int m, double *adj);

/* the TOST equivalence test of the mean of n differences d against the margin (-margin, +margin):
   two one-sided t-tests (H0: mean <= -margin; H0: mean >= +margin), p = the larger of the two
   (p < 0.05 exactly when the 90 % interval lies inside the margin); the 90 % interval into
   [*lo90, *hi90] (either may be NULL). NaN for n < 2 or margin <= 0; differences all alike:
   0 inside the margin, 1 outside */
double tost_paired(const double *d, int n, double margin, double *lo90, double *hi90);

/* the geometric mean of n positive values and its 95 % interval, from the mean and t interval
   of their log10: gm = 10^mean, [lo, hi] = 10^(mean -+ half-width) (lo = hi = NaN for n < 2) */
void geomean_ci95(const double *v, int n, double *gm, double *lo, double *hi);
#endif
