/* The per-matrix sums of update_match.h and the intruder count, through LAPACK's SVD (svd_dense). */
#include <math.h>
#include <stdlib.h>
#include "../check.h"
#include "../compute/kernels.h"
#include "update_match.h"

int update_match(UpdateMatch *u, const double *dM, const double *dF, int m, int n, int r) {
    const size_t mn = (size_t)m * n;
    *u = (UpdateMatch){ 0, 0, 0, 0, 0, 0 };
    for (size_t i = 0; i < mn; i++) {
        const double d = dM[i] - dF[i];
        u->diff2 += d * d;
        u->full2 += dF[i] * dF[i];
        u->method2 += dM[i] * dM[i];
        u->dot += dM[i] * dF[i];
    }
    const int k = m < n ? m : n, rr = r < k ? r : k;
    double *U = mallocCheck(sizeof(double) * (size_t)m * k), *S = mallocCheck(sizeof(double) * k),
           *Vt = mallocCheck(sizeof(double) * (size_t)k * n);
    int bad = 0;
    if (u->full2 > 0) {   /* the best rank-r share of dF */
        bad |= svd_dense(U, S, Vt, dF, m, n);
        for (int i = 0; i < rr; i++) u->best2 += S[i] * S[i];
    }
    if (u->method2 > 0 && u->full2 > 0 && !bad) {   /* dF inside the top-r subspaces of dM */
        bad |= svd_dense(U, S, Vt, dM, m, n);
        int q = 0;
        while (q < rr && S[q] > 1e-12 * S[0]) q++;
        double *FV = mallocCheck(sizeof(double) * (size_t)m * (q ? q : 1));   /* (m,q) = dF V_q */
        for (int i = 0; i < m; i++)
            for (int b = 0; b < q; b++) {
                double s = 0;
                for (int j = 0; j < n; j++) s += dF[(size_t)i * n + j] * Vt[(size_t)b * n + j];
                FV[(size_t)i * q + b] = s;
            }
        for (int a = 0; a < q; a++)   /* (U_q^T dF V_q)[a][b] */
            for (int b = 0; b < q; b++) {
                double s = 0;
                for (int i = 0; i < m; i++) s += U[(size_t)i * k + a] * FV[(size_t)i * q + b];
                u->share2 += s * s;
            }
        free(FV);
    }
    free(U); free(S); free(Vt);
    if (bad) u->share2 = u->best2 = NAN;
    return bad ? -1 : 0;
}

int intruder_count(int *counts, const double *W0, const double *Wt, int m, int n, int k, const double *eps, int neps) {
    const int q = m < n ? m : n, top = k < q ? k : q;
    double *U0 = mallocCheck(sizeof(double) * (size_t)m * q), *Ut = mallocCheck(sizeof(double) * (size_t)m * q),
           *S = mallocCheck(sizeof(double) * q), *Vt = mallocCheck(sizeof(double) * (size_t)q * n);
    for (int e = 0; e < neps; e++) counts[e] = 0;
    int bad = svd_dense(U0, S, Vt, W0, m, n) || svd_dense(Ut, S, Vt, Wt, m, n);
    for (int j = 0; j < top && !bad; j++) {
        double best = 0;   /* max_i |u_t,j . u_0,i| */
        for (int i = 0; i < q; i++) {
            double s = 0;
            for (int a = 0; a < m; a++) s += Ut[(size_t)a * q + j] * U0[(size_t)a * q + i];
            if (fabs(s) > best) best = fabs(s);
        }
        for (int e = 0; e < neps; e++) counts[e] += best < eps[e];
    }
    free(U0); free(Ut); free(S); free(Vt);
    return bad ? -1 : 0;
}
