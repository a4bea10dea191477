/* The "behaves like full fine-tuning" sums and the intruder count (nn/update_match.h) against
   numpy's SVD on saved matrices (tests/gen_update_match.py): a rank-r, a full-rank, a rank-1 and
   a zero method update against a random full update, and a fine-tuned weight with strong new
   directions. Then the identities: a method update equal to the full update has distance 0,
   cosine 1 and share = best; the share never exceeds the best (Eckart-Young). */
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "nn/update_match.h"

#define FILE_ "tests/golden/update_match.h5"
#define TOL 1e-10   /* relative, against numpy in double (LAPACK vs LAPACK: about 1e-14) */

static void check_sum(const char *what, double got, double want) {
    char line[128];
    snprintf(line, sizeof line, "%s", what);
    CHECK_LE(fabs(got - want) / fmax(fabs(want), 1e-300), TOL, line);
}

int main(void) {
    const int cases = (int)golden_attr(FILE_, "/", "cases");
    for (int c = 0; c < cases; c++) {
        char g[16], name[64], what[96];
        snprintf(g, sizeof g, "case%d", c);
        const int m = (int)golden_attr(FILE_, g, "m"), n = (int)golden_attr(FILE_, g, "n"), r = (int)golden_attr(FILE_, g, "r");
        size_t cnt;
        snprintf(name, sizeof name, "%s/dM", g);
        double *dM = golden_doubles(FILE_, name, &cnt);
        snprintf(name, sizeof name, "%s/dF", g);
        double *dF = golden_doubles(FILE_, name, &cnt);
        UpdateMatch u;
        CHECK(update_match(&u, dM, dF, m, n, r) == 0, "%s: the SVDs converge", g);
        const char *keys[] = { "diff2", "full2", "method2", "dot", "share2", "best2" };
        const double got[] = { u.diff2, u.full2, u.method2, u.dot, u.share2, u.best2 };
        for (int k = 0; k < 6; k++) {
            const double want = golden_attr(FILE_, g, keys[k]);
            snprintf(what, sizeof what, "%s (%dx%d, r=%d): %s vs numpy", g, m, n, r, keys[k]);
            if (want == 0) CHECK(got[k] == 0, "%s: %g, want 0", what, got[k]);
            else check_sum(what, got[k], want);
        }
        CHECK(u.share2 <= u.best2 * (1 + 1e-12), "%s: share %g <= best %g (Eckart-Young)", g, u.share2, u.best2);
        UpdateMatch same;   /* the full update against itself */
        update_match(&same, dF, dF, m, n, r);
        CHECK(same.diff2 == 0, "%s: dM = dF: distance 0", g);
        snprintf(what, sizeof what, "%s: dM = dF: share = best", g);
        check_sum(what, same.share2, same.best2);
        free(dM); free(dF);
    }
    size_t cnt;
    const int k = (int)golden_attr(FILE_, "intruders", "k");
    double *W0 = golden_doubles(FILE_, "intruders/W0", &cnt), *Wt = golden_doubles(FILE_, "intruders/Wt", &cnt);
    double *eps = golden_doubles(FILE_, "intruders/eps", &cnt), *want = golden_doubles(FILE_, "intruders/counts", &cnt);
    int counts[8], self[8];
    CHECK(intruder_count(counts, W0, Wt, 16, 12, k, eps, (int)cnt) == 0, "intruders: the SVDs converge");
    for (size_t e = 0; e < cnt; e++)
        CHECK(counts[e] == (int)want[e], "intruders at eps %.1f: %d, numpy %d", eps[e], counts[e], (int)want[e]);
    intruder_count(self, W0, W0, 16, 12, k, eps, (int)cnt);
    for (size_t e = 0; e < cnt; e++) CHECK(self[e] == 0, "W0 against itself: no intruder at eps %.1f (%d)", eps[e], self[e]);
    free(W0); free(Wt); free(eps); free(want);
    return test_exit("test_update_match");
}
