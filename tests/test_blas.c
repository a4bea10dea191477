/* Tests of the small kernels: cblas GEMM against its naive twin for every transpose case, and
   the Jacobi pseudo-inverse (inverse of a well-conditioned Gram matrix, zero matrix, rank 1),
   LoFT's cross-term transport and its packed second moment, vec_equal. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "compute/cpu/reference.h"
#include "compute/kernels.h"
#include "check.h"
#include "check_util.h"
#include "init.h"
#include "compute/kernels.h"
#include "rng.h"

static void test_gemm(Rng *rng) {
    const int M = 7, N = 5, K = 9;
    real *A = mallocCheck(sizeof(real) * M * K), *B = mallocCheck(sizeof(real) * K * N);
    real *C1 = mallocCheck(sizeof(real) * M * N), *C2 = mallocCheck(sizeof(real) * M * N);
    init_normal(A, M * K, 0, 1, rng);
    init_normal(B, K * N, 0, 1, rng);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            init_normal(C1, M * N, 0, 1, rng);
            memcpy(C2, C1, sizeof(real) * M * N);
            int lda = ta ? M : K, ldb = tb ? K : N;
            blas_gemm(ta, tb, M, N, K, 0.7, A, lda, B, ldb, 0.3, C1, N);
            blas_gemm_naive(ta, tb, M, N, K, 0.7, A, lda, B, ldb, 0.3, C2, N);
            char what[64];
            snprintf(what, sizeof what, "gemm vs naive, transA=%d transB=%d (rel)", ta, tb);
            CHECK_LE(rel_err(C1, C2, M * N), 1e-14, what);
        }
    free(A); free(B); free(C1); free(C2);
}

static void test_pinv(Rng *rng) {
    const int r = 6, n = 20;
    real X[6 * 20], G[36], S[36], I[36];
    init_normal(X, r * n, 0, 1, rng);
    blas_gemm(0, 1, r, r, n, 1, X, n, X, n, 0, G, r);              /* G = X X^T, full rank */
    CHECK(sym_pinv(S, G, r, 0.0) == r, "full-rank Gram has rank %d", r);
    blas_gemm(0, 0, r, r, r, 1, G, r, S, r, 0, I, r);
    double err = 0;
    for (int i = 0; i < r * r; i++) err = fmax(err, fabs(I[i] - (i % (r + 1) == 0)));
    CHECK_LE(err, 1e-12, "pinv: max |G S - I| for a full-rank Gram");
    memset(G, 0, sizeof G);
    sym_pinv(S, G, r, 0.0);
    CHECK(!has_nonfinite(S, r * r) && blas_sumsq(S, r * r) == 0, "pinv of zero is zero, not Inf");
    sym_pinv(S, G, r, 1e-6);
    CHECK(fabs(S[0] - 1e6) < 1e-3 && fabs(S[1]) < 1e-9, "pinv(0 + 1e-6 I) = 1e6 I");
    real u[6] = { 1, 2, 0, -1, 0.5, 3 }, P[36], PSP[36], T[36];
    blas_gemm(0, 1, r, r, 1, 1, u, 1, u, 1, 0, P, r);               /* rank one u u^T */
    CHECK(sym_pinv(S, P, r, 0.0) == 1, "rank-one matrix has numerical rank 1");
    small_matmul(T, S, 0, P, 0, r);
    small_matmul(PSP, P, 0, T, 0, r);                               /* P S P = P */
    CHECK_LE(rel_err(PSP, P, r * r), 1e-12, "pinv of rank one: |P S P - P| / |P|");
}

/* LoFT's cross terms for one step (transport by two GEMMs per block of rows, then the moment
   update) against C^T P[i] C or C P[i] C^T by the r x r products of each row, then
   b2 P[i] + (1 - b2) g[i] g[i]^T, for symmetric P[i]; more rows than one block; and without C */
static void test_cross_terms_step(Rng *rng) {
    enum { rows = 71, r = 5 };
    static real P[rows * r * r], ref[rows * r * r], work[rows * r * r];
    real C[r * r], g[r], t[r * r], gr[rows * r];
    const double b2 = 0.999;
    init_normal(C, r * r, 0, 1, rng);
    init_normal(gr, rows * r, 0, 1, rng);
    for (int mode = 0; mode < 3; mode++) {   /* exact, parity D1, no transport */
        for (int i = 0; i < rows; i++) {   /* P[i] = sum of three outer products: symmetric */
            real *Pi = P + i * r * r, *Ri = ref + i * r * r;
            memset(Pi, 0, sizeof(real) * r * r);
            for (int k = 0; k < 3; k++) {
                init_normal(g, r, 0, 1, rng);
                for (int a = 0; a < r; a++) for (int b = 0; b < r; b++) Pi[a * r + b] += g[a] * g[b];
            }
            if (mode == 1)      { small_matmul(t, Pi, 0, C, 1, r); small_matmul(Ri, C, 0, t, 0, r); }
            else if (mode == 0) { small_matmul(t, Pi, 0, C, 0, r); small_matmul(Ri, C, 1, t, 0, r); }
            else memcpy(Ri, Pi, sizeof(real) * r * r);
            const real *gi = gr + i * r;
            for (int a = 0; a < r; a++) for (int b = 0; b < r; b++) Ri[a * r + b] = b2 * Ri[a * r + b] + (1 - b2) * gi[a] * gi[b];
        }
        loft_cross_terms_step(P, gr, mode == 2 ? NULL : C, rows, r, mode == 1, b2, work);
        static const char *what[3] = { "cross terms: C^T P C, then the moment update, vs per-row products (rel)",
                                        "cross terms: C P C^T (parity D1), then the moment update, vs per-row products (rel)",
                                        "cross terms without transport: the moment update alone (rel)" };
        CHECK_LE(rel_err(P, ref, rows * r * r), 1e-14, what[mode]);
    }
}

/* LoFT's second moment h^T P[i] h from the packed cross terms times the packed Khatri-Rao rows
   (one GEMM of inner dimension r(r+1)/2) against the r x r double sum, for P[i] not symmetric
   (the fold P_ab + P_ba keeps the full sum exact) and more held rows than one pass of K takes;
   and the diagonal form v[i] . (h * h) */
static void test_packed_second_moment(Rng *rng) {
    enum { rows = 6, r = 5, hrows = 70, w = r * (r + 1) / 2 };
    real P[rows * r * r], Pp[rows * w], H[hrows * r], K[w * hrows], Q[rows * hrows], ref[rows * hrows];
    init_normal(P, rows * r * r, 0, 1, rng);
    init_normal(H, hrows * r, 0, 1, rng);
    CHECK_LE(fabs((double)loft_packed_width(r) - w), 0, "loft_packed_width(5) = 15");
    loft_pack_cross_terms(Pp, P, rows, r);
    loft_khatri_rao(K, H, hrows, r, 1);
    blas_gemm(0, 0, rows, hrows, w, 1, Pp, w, K, hrows, 0, Q, hrows);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < hrows; j++) {
            double q = 0;
            for (int a = 0; a < r; a++)
                for (int b = 0; b < r; b++) q += (double)P[i * r * r + a * r + b] * H[j * r + a] * H[j * r + b];
            ref[i * hrows + j] = q;
        }
    CHECK_LE(rel_err(Q, ref, rows * hrows), 1e-14, "packed cross terms x packed Khatri-Rao = h^T P h (rel)");
    real v[rows * r];
    init_normal(v, rows * r, 0, 1, rng);
    loft_khatri_rao(K, H, hrows, r, 0);
    blas_gemm(0, 0, rows, hrows, r, 1, v, r, K, hrows, 0, Q, hrows);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < hrows; j++) {
            double q = 0;
            for (int a = 0; a < r; a++) q += (double)v[i * r + a] * H[j * r + a] * H[j * r + a];
            ref[i * hrows + j] = q;
        }
    CHECK_LE(rel_err(Q, ref, rows * hrows), 1e-14, "diagonal second moment v x Khatri-Rao squares = sum v_a h_a^2 (rel)");
}

/* vec_equal: a copy is equal, one entry's sign is not, and -0 is not 0 (the bits differ) */
static void test_vec_equal(void) {
    real a[5] = { 1, -2, 0, 3.5, 1e-300 }, b[5];
    memcpy(b, a, sizeof a);
    CHECK_LE(fabs(vec_equal(a, b, 5) - 1.0), 0, "vec_equal: a copy is equal");
    b[4] = -b[4];
    CHECK_LE(fabs(vec_equal(a, b, 5) - 0.0), 0, "vec_equal: the last entry negated is not");
    memcpy(b, a, sizeof a);
    b[2] = -0.0;
    CHECK_LE(fabs(vec_equal(a, b, 5) - 0.0), 0, "vec_equal: -0 against 0 is not (bits)");
    CHECK_LE(fabs(vec_equal(a, b, 2) - 1.0), 0, "vec_equal: only the first n entries count");
}

int main(void) {
    Rng rng;
    rng_seed(&rng, 1);
    test_gemm(&rng);
    test_pinv(&rng);
    test_cross_terms_step(&rng);
    test_packed_second_moment(&rng);
    test_vec_equal();
    return test_exit("test_blas");
}
