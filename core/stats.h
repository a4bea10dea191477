/* Statistics for the tables: Student's t distribution (CDF and quantile, through the regularized
   incomplete beta function), the 95 % confidence half-width of a mean over seeds, and the paired
   t-test of a variant against a baseline on the same seeds. Precision-free (double). */
#ifndef LOFT_STATS_H
#define LOFT_STATS_H

/* P(T <= t) for Student's t with df > 0 degrees of freedom */
double t_cdf(double t, double df);
/* the t with P(T <= t) = p, 0 < p < 1 */
double t_quantile(double p, double df);
/* half-width of the two-sided 95 % interval of the mean of n values with sample std sd (NaN for n < 2) */
double ci95_half_width(double sd, int n);
/* paired t-test of the n differences d (n,): their mean into *mean, the two-sided p-value into
   *p (NaN for n < 2; 0 when every difference is the same non-zero number, 1 when all are 0) */
void paired_t_test(const double *d, int n, double *mean, double *p);
#endif
