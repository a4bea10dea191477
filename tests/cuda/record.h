/* The record-or-compare of the two-build checks (kernel_check.c, step_check.c): linked against
   the CPU backend a check records each output (name, count, values in double) into a file;
   linked against the CUDA backend it reads the record back in the same order and compares, by
   the normwise relative error max |gpu - cpu| / max |cpu| (NaN and Inf must match exactly).
   Included once per program (static state). */
#ifndef LOFT_TESTS_CUDA_RECORD_H
#define LOFT_TESTS_CUDA_RECORD_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compute/memory.h"

static FILE *io;                          /* the record */
static int checking, checks, failures;    /* checking: compare (else record) */

/* records, or compares with the record, the n values v of output `name` (bound tol) */
static void values(const char *name, const double *v, size_t n, double tol) {
    char rec_name[64] = { 0 };
    uint64_t rn = n;
    if (!checking) {
        snprintf(rec_name, sizeof rec_name, "%s", name);
        fwrite(rec_name, 1, sizeof rec_name, io);
        fwrite(&rn, sizeof rn, 1, io);
        fwrite(v, sizeof(double), n, io);
        return;
    }
    checks++;
    if (fread(rec_name, 1, sizeof rec_name, io) != sizeof rec_name || fread(&rn, sizeof rn, 1, io) != 1 ||
        strcmp(rec_name, name) != 0 || rn != n) {
        printf("  FAIL %-34s the record has '%s' (%llu values) here: record and check builds differ\n", name, rec_name,
               (unsigned long long)rn);
        exit(1);
    }
    double *ref = malloc(sizeof(double) * (n ? n : 1)), dmax = 0, rmax = 0;
    if (!ref || fread(ref, sizeof(double), n, io) != n) { printf("  FAIL %s: the record is short\n", name); exit(1); }
    int mismatch = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(ref[i]) || isnan(v[i])) { mismatch |= isnan(ref[i]) != isnan(v[i]); continue; }
        if (isinf(ref[i]) || isinf(v[i])) { mismatch |= ref[i] != v[i]; continue; }
        dmax = fmax(dmax, fabs(v[i] - ref[i]));
        rmax = fmax(rmax, fabs(ref[i]));
    }
    const double err = rmax > 0 ? dmax / rmax : dmax;
    const int ok = !mismatch && err <= tol;
    printf("  %s %-34s %8zu values  error %.2e  (bound %.0e)\n", ok ? "ok  " : "FAIL", name, n, err, tol);
    failures += !ok;
    free(ref);
}

/* the tensor t (n,) of the backend, read to the host, through values() */
static void tensor(const char *name, const real *t, size_t n, double tol) {
    double *h = malloc(sizeof(double) * (n ? n : 1));
    tensor_to_host(h, t, n);
    values(name, h, n, tol);
    free(h);
}
#endif
