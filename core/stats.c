/* Student's t by the regularized incomplete beta function (Lentz's continued fraction), the
   95 % interval of a mean and the paired t-test. */
#include <math.h>
#include "stats.h"

/* the continued fraction of I_x(a, b), valid for x < (a + 1) / (a + b + 2) */
static double beta_cf(double a, double b, double x) {
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        double m2 = 2.0 * m, num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + num * d; if (fabs(d) < tiny) d = tiny;
        c = 1 + num / c; if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + num * d; if (fabs(d) < tiny) d = tiny;
        c = 1 + num / c; if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15) break;
    }
    return h;
}

/* I_x(a, b), the regularized incomplete beta function */
static double beta_inc(double a, double b, double x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2)) return exp(lfront) * beta_cf(a, b, x) / a;
    return 1 - exp(lfront) * beta_cf(b, a, 1 - x) / b;
}

double t_cdf(double t, double df) {
    if (isnan(t)) return NAN;
    double tail = 0.5 * beta_inc(df / 2, 0.5, df / (df + t * t));   /* P(T > |t|) */
    return t >= 0 ? 1 - tail : tail;
}

double t_quantile(double p, double df) {
    double lo = -1e6, hi = 1e6;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (t_cdf(mid, df) < p) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

double ci95_half_width(double sd, int n) {
    if (n < 2) return NAN;
    return t_quantile(0.975, n - 1) * sd / sqrt((double)n);
}

void paired_t_test(const double *d, int n, double *mean, double *p) {
    double s1 = 0, s2 = 0;
    for (int i = 0; i < n; i++) s1 += d[i];
    *mean = n ? s1 / n : NAN;
    if (n < 2) { *p = NAN; return; }
    for (int i = 0; i < n; i++) s2 += (d[i] - *mean) * (d[i] - *mean);
    double sd = sqrt(s2 / (n - 1));
    if (sd == 0) { *p = *mean == 0 ? 1 : 0; return; }
    double t = *mean / (sd / sqrt((double)n));
    *p = 2 * (1 - t_cdf(fabs(t), n - 1));
}
