/* Tests of the small kernels: cblas GEMM against its naive twin for every transpose case, and
   the Jacobi pseudo-inverse (inverse of a well-conditioned Gram matrix, zero matrix, rank 1). */
#include <stdlib.h>
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

/* LoFT's cross-term transport (two GEMMs over all rows) against C^T P[i] C and C P[i] C^T
   by the r x r products of each row, for symmetric P[i] */
static void test_transport(Rng *rng) {
    enum { rows = 7, r = 5 };
    real P[rows * r * r], ref[rows * r * r], work[rows * r * r], C[r * r], g[r], t[r * r];
    init_normal(C, r * r, 0, 1, rng);
    for (int parity_d1 = 0; parity_d1 < 2; parity_d1++) {
        for (int i = 0; i < rows; i++) {   /* P[i] = sum of three outer products: symmetric */
            real *Pi = P + i * r * r;
            memset(Pi, 0, sizeof(real) * r * r);
            for (int k = 0; k < 3; k++) {
                init_normal(g, r, 0, 1, rng);
                for (int a = 0; a < r; a++) for (int b = 0; b < r; b++) Pi[a * r + b] += g[a] * g[b];
            }
            if (parity_d1) { small_matmul(t, Pi, 0, C, 1, r); small_matmul(ref + i * r * r, C, 0, t, 0, r); }
            else           { small_matmul(t, Pi, 0, C, 0, r); small_matmul(ref + i * r * r, C, 1, t, 0, r); }
        }
        loft_transport_cross_terms(P, rows, C, r, parity_d1, work);
        CHECK_LE(rel_err(P, ref, rows * r * r), 1e-14, parity_d1 ? "cross-term transport C P C^T vs per-row products (rel)"
                                                                 : "cross-term transport C^T P C vs per-row products (rel)");
    }
}

int main(void) {
    Rng rng;
    rng_seed(&rng, 1);
    test_gemm(&rng);
    test_pinv(&rng);
    test_transport(&rng);
    return test_exit("test_blas");
}
