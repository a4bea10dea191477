/* The statistics of the tables against values from published t tables and a hand-computed
   paired t-test: t CDF and quantiles (df 1, 4, 5, 30), the 95 % half-width, the paired test. */
#include <math.h>
#include <stdlib.h>
#include "check_util.h"
#include "stats.h"

int main(void) {
    /* P(T <= t) and quantiles: standard t-table values (6 significant digits) */
    CHECK_LE(fabs(t_cdf(2.0, 5) - 0.949030), 1e-6, "t_cdf(2, df 5) = 0.949030");
    CHECK_LE(fabs(t_cdf(-1.0, 1) - 0.25), 1e-12, "t_cdf(-1, df 1) = 1/4 (Cauchy)");
    CHECK_LE(fabs(t_cdf(0.0, 7) - 0.5), 1e-15, "t_cdf(0, df 7) = 1/2");
    CHECK_LE(fabs(t_quantile(0.975, 1) - 12.7062), 1e-4, "t_0.975 with df 1 = 12.7062");
    CHECK_LE(fabs(t_quantile(0.975, 4) - 2.77645), 1e-5, "t_0.975 with df 4 = 2.77645");
    CHECK_LE(fabs(t_quantile(0.975, 30) - 2.04227), 1e-5, "t_0.975 with df 30 = 2.04227");
    /* five seeds with sd 2: half-width = 2.77645 * 2 / sqrt(5) */
    CHECK_LE(fabs(ci95_half_width(2.0, 5) - 2.77645 * 2 / sqrt(5.0)), 1e-5, "95% half-width, 5 seeds, sd 2");
    CHECK(isnan(ci95_half_width(1.0, 1)), "one seed has no interval");
    /* d = 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), t = 3 / (sqrt(2.5)/sqrt(5)) = 4.24264, df 4:
       two-sided p = 2 (1 - F(4.24264)) = 0.013236 (t table) */
    const double d[5] = { 1, 2, 3, 4, 5 };
    double mean, p;
    paired_t_test(d, 5, &mean, &p);
    CHECK_LE(fabs(mean - 3), 1e-15, "paired mean difference = 3");
    CHECK_LE(fabs(p - 0.013236), 2e-6, "paired t-test p = 0.013236 (t = 4.24264, df 4)");
    const double same[3] = { 0.5, 0.5, 0.5 }, zero[3] = { 0, 0, 0 };
    paired_t_test(same, 3, &mean, &p);
    CHECK(p == 0, "a constant non-zero difference: p = 0");
    paired_t_test(zero, 3, &mean, &p);
    CHECK(p == 1, "no difference: p = 1");
    return test_exit("test_stats");
}
