/* Host code every backend shares (small_linalg.h): the Jacobi pseudo-inverse and the Sylvester
   solver of small symmetric r x r matrices, in double, on host arrays (each backend's sym_pinv /
   sym_sylvester brings its tensors here: cpu/solvers.c as they are, cuda/solvers.cu by copies),
   and the init-time dense SVD (LAPACK; svd_dense of compute/kernels.h takes host arrays). */
#include <math.h>
#include <string.h>
#include "../../check.h"
#include "../kernels.h"
#include "small_linalg.h"

/* eigendecomposition of the symmetric (r,r) matrix a, in place: on return the diagonal of a
   holds the eigenvalues and the columns of v (r,r) the eigenvectors */
static void jacobi_eig(double *a, double *v, int r) {
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++) v[i * r + j] = (i == j);
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0, diag = 0.0;
        for (int i = 0; i < r; i++) {
            diag += a[i * r + i] * a[i * r + i];
            for (int j = i + 1; j < r; j++) off += a[i * r + j] * a[i * r + j];
        }
        if (off <= 1e-32 * diag || off == 0.0) return;
        for (int p = 0; p < r; p++) {
            for (int q = p + 1; q < r; q++) {
                double apq = a[p * r + q];
                if (apq == 0.0) continue;
                double theta = (a[q * r + q] - a[p * r + p]) / (2.0 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < r; k++) {           /* rotate columns p, q */
                    double akp = a[k * r + p], akq = a[k * r + q];
                    a[k * r + p] = c * akp - s * akq;
                    a[k * r + q] = s * akp + c * akq;
                }
                for (int k = 0; k < r; k++) {           /* rotate rows p, q */
                    double apk = a[p * r + k], aqk = a[q * r + k];
                    a[p * r + k] = c * apk - s * aqk;
                    a[q * r + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < r; k++) {
                    double vkp = v[k * r + p], vkq = v[k * r + q];
                    v[k * r + p] = c * vkp - s * vkq;
                    v[k * r + q] = s * vkp + c * vkq;
                }
            }
        }
    }
}

int host_sym_pinv(real *S, const real *G, int r, double damping) {
    double *a = mallocCheck(sizeof(double) * r * r);
    double *v = mallocCheck(sizeof(double) * r * r);
    double *inv_lambda = mallocCheck(sizeof(double) * r);
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++)   /* symmetrise: G may carry rounding asymmetry */
            a[i * r + j] = 0.5 * ((double)G[i * r + j] + (double)G[j * r + i]) + (i == j ? damping : 0.0);
    jacobi_eig(a, v, r);
    double lmax = 0.0;
    for (int i = 0; i < r; i++) lmax = fmax(lmax, fabs(a[i * r + i]));
    double tol = r * lmax * (sizeof(real) == sizeof(float) ? 1e-7 : 1e-15);
    int rank = 0;
    for (int i = 0; i < r; i++) {
        double l = a[i * r + i];
        inv_lambda[i] = (l > tol && l > 0) ? 1.0 / l : 0.0;
        rank += inv_lambda[i] != 0.0;
    }
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++) {
            double s = 0.0;
            for (int k = 0; k < r; k++) s += v[i * r + k] * inv_lambda[k] * v[j * r + k];
            S[i * r + j] = (real)s;
        }
    free(a); free(v); free(inv_lambda);
    return rank;
}

/* LAPACK (OpenBLAS ships it): the divide-and-conquer SVD of a column-major matrix */
extern void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s, double *u,
                    const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork, int *iwork, int *info);

int svd_dense(double *U, double *S, double *Vt, const double *M, int rows, int cols) {
    const int k = rows < cols ? rows : cols;
    double *a = mallocCheck(sizeof(double) * rows * cols);
    double *u = mallocCheck(sizeof(double) * rows * k), *vt = mallocCheck(sizeof(double) * k * cols);
    int *iwork = mallocCheck(sizeof(int) * 8 * k), info = 0, lwork = -1;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) a[i + (size_t)j * rows] = M[(size_t)i * cols + j];
    double query;
    dgesdd_("S", &rows, &cols, a, &rows, S, u, &rows, vt, &k, &query, &lwork, iwork, &info);
    lwork = (int)query;
    double *work = mallocCheck(sizeof(double) * (lwork > 1 ? lwork : 1));
    if (info == 0) dgesdd_("S", &rows, &cols, a, &rows, S, u, &rows, vt, &k, work, &lwork, iwork, &info);
    if (info == 0)
        for (int l = 0; l < k; l++) {
            int at = 0;
            for (int i = 1; i < rows; i++)
                if (fabs(u[i + (size_t)l * rows]) > fabs(u[at + (size_t)l * rows])) at = i;
            const double sign = u[at + (size_t)l * rows] < 0 ? -1.0 : 1.0;
            for (int i = 0; i < rows; i++) U[(size_t)i * k + l] = sign * u[i + (size_t)l * rows];
            for (int j = 0; j < cols; j++) Vt[(size_t)l * cols + j] = sign * vt[l + (size_t)j * k];
        }
    free(a); free(u); free(vt); free(iwork); free(work);
    return info == 0 ? 0 : -1;
}

/* a (r,r) [OUT] = the symmetric part of G (r,r) in double */
static void symmetric_part(double *a, const real *G, int r) {
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++) a[i * r + j] = 0.5 * ((double)G[i * r + j] + (double)G[j * r + i]);
}

void host_sym_sylvester(real *X, const real *P, const real *Q, const real *C, int r) {
    const size_t rr = (size_t)r * r;
    double *p = mallocCheck(sizeof(double) * rr), *u = mallocCheck(sizeof(double) * rr);
    double *q = mallocCheck(sizeof(double) * rr), *v = mallocCheck(sizeof(double) * rr);
    double *f = mallocCheck(sizeof(double) * rr), *t = mallocCheck(sizeof(double) * rr);
    symmetric_part(p, P, r);
    symmetric_part(q, Q, r);
    jacobi_eig(p, u, r);
    jacobi_eig(q, v, r);
    double scale = 0.0;
    for (int i = 0; i < r; i++) scale = fmax(scale, fabs(p[i * r + i]) + fabs(q[i * r + i]));
    for (int i = 0; i < r; i++)          /* t = C V */
        for (int j = 0; j < r; j++) {
            double s = 0.0;
            for (int k = 0; k < r; k++) s += (double)C[i * r + k] * v[k * r + j];
            t[i * r + j] = s;
        }
    for (int i = 0; i < r; i++)          /* f = (U^T C V) ./ (lambda_i + mu_j) */
        for (int j = 0; j < r; j++) {
            double s = 0.0;
            for (int k = 0; k < r; k++) s += u[k * r + i] * t[k * r + j];
            const double d = p[i * r + i] + q[j * r + j];
            f[i * r + j] = fabs(d) > 1e-300 && fabs(d) > 1e-15 * scale ? s / d : 0.0;
        }
    for (int i = 0; i < r; i++)          /* t = U f */
        for (int j = 0; j < r; j++) {
            double s = 0.0;
            for (int k = 0; k < r; k++) s += u[i * r + k] * f[k * r + j];
            t[i * r + j] = s;
        }
    for (int i = 0; i < r; i++)          /* X = t V^T */
        for (int j = 0; j < r; j++) {
            double s = 0.0;
            for (int k = 0; k < r; k++) s += t[i * r + k] * v[j * r + k];
            X[i * r + j] = (real)s;
        }
    free(p); free(u); free(q); free(v); free(f); free(t);
}
