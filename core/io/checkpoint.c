/* HDF5 checkpoints of named tensors (float64 on disk, `real` in memory). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../check.h"
#include "checkpoint.h"
#include "h5data.h"

int checkpoint_save(const char *path, const NamedTensor *t, int nt, const NamedValue *attrs, int na,
                    char *err, size_t errlen) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    for (int i = 0; i < nt; i++) {
        double *d = mallocCheck(sizeof(double) * (t[i].count ? t[i].count : 1));
        for (size_t j = 0; j < t[i].count; j++) d[j] = t[i].data[j];
        char name[128];
        snprintf(name, sizeof name, "params/%s", t[i].name);
        int rc = h5_write_doubles(tmp, name, d, 1, &t[i].count, i == 0, err, errlen);
        free(d);
        if (rc) return -1;
    }
    for (int i = 0; i < na; i++)
        if (h5_write_root_attr(tmp, attrs[i].name, attrs[i].value, err, errlen)) return -1;
    if (rename(tmp, path) != 0) { snprintf(err, errlen, "%s: cannot move the checkpoint into place", path); return -1; }
    return 0;
}

static int skipped(const char *skip, const char *name) {
    if (!skip) return 0;
    size_t n = strlen(name);
    for (const char *p = skip; (p = strstr(p, name)); p += n)
        if ((p == skip || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return 1;
    return 0;
}

int checkpoint_load(const char *path, const NamedTensor *t, int nt, const char *skip, char *err, size_t errlen) {
    for (int i = 0; i < nt; i++) {
        if (skipped(skip, t[i].name)) continue;
        char name[128];
        size_t n;
        snprintf(name, sizeof name, "params/%s", t[i].name);
        double *d = h5_read_doubles(path, name, &n, NULL, NULL, err, errlen);
        if (!d) return -1;
        if (n != t[i].count) {
            snprintf(err, errlen, "%s: %s has %zu numbers but the model needs %zu (its shape keys differ from the checkpoint's)",
                     path, name, n, t[i].count);
            free(d);
            return -1;
        }
        for (size_t j = 0; j < n; j++) t[i].data[j] = (real)d[j];
        free(d);
    }
    return 0;
}
