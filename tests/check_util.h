/* Assertion helpers for the C tests: every check counts, a failure prints file:line and the
   numbers, and test_exit() returns non-zero when any check failed. Tests run in double. */
#ifndef LOFT_CHECK_UTIL_H
#define LOFT_CHECK_UTIL_H
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "io/h5data.h"
#include "real.h"

static int g_checks = 0, g_failures = 0;

#define CHECK(cond, ...) do { g_checks++; if (!(cond)) { g_failures++; \
    printf("  FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)
/* prints a measured number as a PASS/FAIL line so the log carries what was measured */
#define CHECK_LE(value, bound, what) do { double v_ = (value), b_ = (bound); g_checks++; \
    int ok_ = v_ <= b_; if (!ok_) g_failures++; \
    printf("  %s %-58s %.3e (bound %.1e)\n", ok_ ? "ok  " : "FAIL", what, v_, b_); } while (0)
#define CHECK_GE(value, bound, what) do { double v_ = (value), b_ = (bound); g_checks++; \
    int ok_ = v_ >= b_; if (!ok_) g_failures++; \
    printf("  %s %-58s %.3e (must be >= %.1e)\n", ok_ ? "ok  " : "FAIL", what, v_, b_); } while (0)

/* ||a - b|| / max(||b||, 1e-300) */
static inline double rel_err(const real *a, const real *b, size_t n) {
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) { double e = (double)a[i] - b[i]; d += e * e; s += (double)b[i] * b[i]; }
    return sqrt(d) / fmax(sqrt(s), 1e-300);
}
static inline double rel_err_d(const real *a, const double *b, size_t n) {
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i++) { double e = (double)a[i] - b[i]; d += e * e; s += b[i] * b[i]; }
    return sqrt(d) / fmax(sqrt(s), 1e-300);
}
static inline int has_nonfinite(const real *a, size_t n) {
    for (size_t i = 0; i < n; i++) if (!isfinite((double)a[i])) return 1;
    return 0;
}

/* fd (n,) [OUT]: central differences, step h, of loss(ctx) w.r.t. every entry of p (n,) */
static inline void fd_central(real *fd, real *p, int n, double h, double (*loss)(void *), void *ctx) {
    for (int i = 0; i < n; i++) {
        real keep = p[i];
        p[i] = (real)(keep + h); double lp = loss(ctx);
        p[i] = (real)(keep - h); double lm = loss(ctx);
        p[i] = keep;
        fd[i] = (real)((lp - lm) / (2 * h));
    }
}

/* relative error of g (n,) against central differences of loss on every stride-th entry of p */
static inline double fd_sampled(real *p, const real *g, size_t n, size_t stride, double (*loss)(void *), void *ctx) {
    double d = 0, s = 0;
    for (size_t i = 0; i < n; i += stride) {
        real fd;
        fd_central(&fd, p + i, 1, 1e-6, loss, ctx);
        d += (fd - g[i]) * (fd - g[i]);
        s += g[i] * g[i];
    }
    return sqrt(d) / fmax(sqrt(s), 1e-300);
}

/* writes text to dir/name and returns the path (a static buffer: use it before the next call) */
static inline const char *write_temp(const char *dir, const char *name, const char *text) {
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) { fputs(text, f); fclose(f); }
    return path;
}

/* dataset `name` of a golden file as doubles (caller frees); exits naming the file on error */
static inline double *golden_doubles(const char *file, const char *name, size_t *n) {
    char err[512];
    double *d = h5_read_doubles(file, name, n, NULL, NULL, err, sizeof err);
    if (!d) { printf("  FAIL %s\n", err); exit(2); }
    return d;
}
/* numeric attribute of object obj ("/" for the root) of a golden file; exits on error */
static inline double golden_attr(const char *file, const char *obj, const char *name) {
    double v;
    char err[512];
    if (h5_read_attr_double(file, obj, name, &v, err, sizeof err)) { printf("  FAIL %s\n", err); exit(2); }
    return v;
}

static inline int test_exit(const char *name) {
    printf("%s: %d checks, %d failed\n", name, g_checks, g_failures);
    return g_failures ? 1 : 0;
}
#endif
