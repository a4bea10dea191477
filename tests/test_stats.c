/* The procedures of core/stats.c against published values and an independent computation:
   t quantiles from a t table, the paired t-test, TOST and the log10 geometric mean against
   scipy 1.10 (stats.ttest_1samp, stats.t.interval; the numbers are committed here, Python is
   not needed to run this), Holm's adjustment on the Holm-Bonferroni example of Wikipedia
   (p = 0.01, 0.04, 0.03, 0.005) and its monotonicity. Exits non-zero on any mismatch. */
#include <math.h>
#include <stdlib.h>
#include "check_util.h"
#include "rng.h"
#include "stats.h"

#define REL(a, b) (fabs((a) - (b)) / fmax(fabs(b), 1e-300))

int main(void) {
    /* 95 % half-width: t_0.975 with df 4 = 2.77645 (t table); five seeds with sd 2 */
    CHECK_LE(fabs(ci95_half_width(2.0, 5) - 2.7764451051977987 * 2 / sqrt(5.0)), 1e-12, "95% half-width, 5 seeds, sd 2");
    CHECK_LE(fabs(ci95_half_width(1.0, 2) - 12.706204736174698 / sqrt(2.0)), 1e-11, "95% half-width, 2 seeds (t 12.7062)");
    CHECK_LE(fabs(ci95_half_width(1.0, 31) - 2.0422724563012373 / sqrt(31.0)), 1e-12, "95% half-width, 31 seeds (t 2.04227)");
    CHECK(isnan(ci95_half_width(1.0, 1)), "one seed has no interval");

    /* paired t: d = 1.2, -0.4, 2.5, 0.9, 1.7; scipy: t = 2.463685687445004, p = 0.06941590885478874,
       95 % interval (-0.14979837518601324, 2.509798375186014) */
    const double d[5] = { 1.2, -0.4, 2.5, 0.9, 1.7 };
    PairedT pt;
    paired_t(d, 5, &pt);
    CHECK_LE(fabs(pt.mean - 1.18), 1e-14, "paired mean difference = 1.18");
    CHECK_LE(REL(pt.t, 2.463685687445004), 1e-12, "paired t = 2.46369 (scipy)");
    CHECK_LE(REL(pt.p, 0.06941590885478874), 1e-10, "paired two-sided p = 0.0694159 (scipy)");
    CHECK_LE(REL(pt.lo, -0.14979837518601324), 1e-10, "95% interval low = -0.149798 (scipy)");
    CHECK_LE(REL(pt.hi, 2.509798375186014), 1e-10, "95% interval high = 2.509798 (scipy)");
    /* d = 1..5: t = 4.24264, df 4, p = 0.013236 (t table, as before) */
    const double d2[5] = { 1, 2, 3, 4, 5 };
    paired_t(d2, 5, &pt);
    CHECK_LE(fabs(pt.p - 0.013236), 2e-6, "paired t-test p = 0.013236 (t = 4.24264, df 4)");
    /* a p far out in the tail, where 1 - CDF would lose digits: eight differences near 0.01,
       scipy: t = 47.87983516127937, p = 4.535103286846802e-10 */
    const double d3[8] = { 9.1e-3, 10.3e-3, 9.7e-3, 10.9e-3, 9.5e-3, 10.2e-3, 9.9e-3, 10.6e-3 };
    paired_t(d3, 8, &pt);
    CHECK_LE(REL(pt.t, 47.87983516127937), 1e-10, "paired t = 47.8798 (scipy)");
    CHECK_LE(REL(pt.p, 4.535103286846802e-10), 1e-8, "paired p = 4.5351e-10 in the tail (scipy)");
    const double same[3] = { 0.5, 0.5, 0.5 }, zero[3] = { 0, 0, 0 };
    paired_t(same, 3, &pt);
    CHECK(pt.p == 0 && pt.lo == 0.5 && pt.hi == 0.5, "a constant non-zero difference: p = 0, interval [0.5, 0.5]");
    paired_t(zero, 3, &pt);
    CHECK(pt.p == 1, "no difference: p = 1");
    paired_t(d, 1, &pt);
    CHECK(isnan(pt.p) && isnan(pt.lo), "one difference: no test");

    /* Holm (Wikipedia, Holm-Bonferroni method, example): p = 0.01, 0.04, 0.03, 0.005, alpha 0.05:
       sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max
       0.02, 0.03, 0.06, 0.06; H1 and H4 rejected, H2 and H3 not */
    const double hp[4] = { 0.01, 0.04, 0.03, 0.005 }, hexp[4] = { 0.03, 0.06, 0.06, 0.02 };
    double hadj[4];
    holm_adjust(hp, 4, hadj);
    double worst = 0;
    for (int i = 0; i < 4; i++) worst = fmax(worst, fabs(hadj[i] - hexp[i]));
    CHECK_LE(worst, 1e-15, "Holm on Wikipedia's example: 0.03, 0.06, 0.06, 0.02");
    CHECK(hadj[0] < 0.05 && hadj[1] >= 0.05 && hadj[2] >= 0.05 && hadj[3] < 0.05, "Holm rejects H1 and H4 at 0.05");
    const double one[1] = { 0.2 };
    holm_adjust(one, 1, hadj);
    CHECK(hadj[0] == 0.2, "a family of one is not adjusted");
    /* monotone: adjusted >= raw, <= 1, and in the order of the raw p (random families) */
    Rng g;
    rng_seed(&g, 7);
    int mono = 1;
    for (int rep = 0; rep < 200; rep++) {
        double p[40], a[40];
        const int m = 1 + rep % 40;
        for (int i = 0; i < m; i++) p[i] = rng_uniform(&g) * (rep % 3 ? 0.1 : 1);
        if (m > 3) p[1] = p[2];   /* a tie */
        holm_adjust(p, m, a);
        for (int i = 0; i < m; i++) {
            mono &= a[i] >= p[i] && a[i] <= 1;
            for (int j = 0; j < m; j++) mono &= !(p[i] <= p[j]) || a[i] <= a[j];
        }
    }
    CHECK(mono, "Holm: adjusted >= raw, <= 1, monotone in the raw p, equal p equal (200 random families)");

    /* TOST of e = 0.3, -0.2, 0.1, 0.4, -0.1, 0.2 (scipy: ttest_1samp against -+margin, one-sided):
       margin 1.0: p = max(3.834672340486544e-05, 0.00011847341643897565); margin 0.3: p = 0.055141617264027824;
       90 % interval (-0.07390668039944566, 0.30724001373277887) */
    const double e[6] = { 0.3, -0.2, 0.1, 0.4, -0.1, 0.2 };
    double lo, hi;
    CHECK_LE(REL(tost_paired(e, 6, 1.0, &lo, &hi), 0.00011847341643897565), 1e-9, "TOST p, margin 1.0 = 1.18473e-4 (scipy)");
    CHECK_LE(REL(tost_paired(e, 6, 0.3, NULL, NULL), 0.055141617264027824), 1e-10, "TOST p, margin 0.3 = 0.0551416 (scipy)");
    /* GSL's t quantile (a Newton refinement) agrees with scipy's to ~1e-9 relative: t_0.95 with df 5 is
       2.0150483733 here, 2.0150483727 in scipy */
    CHECK_LE(fmax(REL(lo, -0.07390668039944566), REL(hi, 0.30724001373277887)), 1e-8, "TOST 90% interval (scipy)");
    /* p < 0.05 exactly when the 90 % interval lies inside the margin */
    CHECK(tost_paired(e, 6, 0.31, NULL, NULL) < 0.05 && tost_paired(e, 6, 0.306, NULL, NULL) > 0.05,
          "TOST: equivalent at margin 0.31 (interval inside), not at 0.306");
    CHECK(tost_paired(same, 3, 1.0, NULL, NULL) == 0 && tost_paired(same, 3, 0.4, NULL, NULL) == 1, "TOST of a constant difference");
    CHECK(isnan(tost_paired(e, 1, 1.0, NULL, NULL)) && isnan(tost_paired(e, 6, 0, NULL, NULL)), "TOST: one difference or no margin: NaN");

    /* geometric mean of 1e-8, 3e-6, 2e-7, 5e-9, 1e-7 (scipy on log10): 7.860030855966228e-08,
       95 % interval (3.308885284794711e-09, 1.8670966122832557e-06) */
    const double v[5] = { 1e-8, 3e-6, 2e-7, 5e-9, 1e-7 };
    double gm, glo, ghi;
    geomean_ci95(v, 5, &gm, &glo, &ghi);
    CHECK_LE(REL(gm, 7.860030855966228e-08), 1e-12, "geometric mean 7.86e-8 (scipy)");
    CHECK_LE(fmax(REL(glo, 3.308885284794711e-09), REL(ghi, 1.8670966122832557e-06)), 1e-10, "its 95% interval on log10 (scipy)");
    geomean_ci95(v, 1, &gm, &glo, &ghi);
    CHECK(gm == 1e-8 && isnan(glo) && isnan(ghi), "one value: the value, no interval");
    return test_exit("test_stats");
}
