/* HDF5 readers for double datasets and numeric attributes, with errors that name the file. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "h5data.h"

static hid_t open_quiet(const char *path, char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);   /* we report errors ourselves */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0 && err) snprintf(err, errlen, "%s: cannot open as an HDF5 file", path);
    return f;
}

double *h5_read_doubles(const char *path, const char *name, size_t *n, size_t *dims, int *ndims,
                        char *err, size_t errlen) {
    hid_t f = open_quiet(path, err, errlen);
    if (f < 0) return NULL;
    double *out = NULL;
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0) {
        if (err) snprintf(err, errlen, "%s: no dataset '%s' (expected a numeric array)", path, name);
        H5Fclose(f);
        return NULL;
    }
    hid_t sp = H5Dget_space(d);
    hssize_t count = H5Sget_simple_extent_npoints(sp);
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t hd[H5_MAX_DIMS] = { 0 };
    if (rank < 0 || rank > H5_MAX_DIMS || count < 0 || (size_t)count > H5_MAX_NUMBERS) {
        if (err) snprintf(err, errlen, "%s: dataset '%s' has %d dimensions and %lld numbers (expected at most %d and %zu)",
                          path, name, rank, (long long)count, H5_MAX_DIMS, (size_t)H5_MAX_NUMBERS);
        H5Sclose(sp); H5Dclose(d); H5Fclose(f);
        return NULL;
    }
    H5Sget_simple_extent_dims(sp, hd, NULL);
    if (ndims) *ndims = rank;
    for (int i = 0; dims && i < rank; i++) dims[i] = (size_t)hd[i];
    out = malloc(sizeof(double) * (size_t)(count > 0 ? count : 1));
    if (!out || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
        if (err) snprintf(err, errlen, "%s: dataset '%s' is not readable as numbers", path, name);
        free(out);
        out = NULL;
    } else {
        *n = (size_t)count;
        for (hssize_t i = 0; i < count; i++)
            if (!isfinite(out[i])) {
                if (err) snprintf(err, errlen, "%s: dataset '%s' holds a non-finite number (%g at index %lld)", path, name,
                                  out[i], (long long)i);
                free(out);
                out = NULL;
                break;
            }
    }
    H5Sclose(sp); H5Dclose(d); H5Fclose(f);
    return out;
}

int h5_read_attr_double(const char *path, const char *obj, const char *attr, double *value,
                        char *err, size_t errlen) {
    hid_t f = open_quiet(path, err, errlen);
    if (f < 0) return -1;
    int rc = -1;
    if (H5Aexists_by_name(f, obj, attr, H5P_DEFAULT) > 0) {
        hid_t a = H5Aopen_by_name(f, obj, attr, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0 && H5Aread(a, H5T_NATIVE_DOUBLE, value) >= 0) rc = 0;
        if (a >= 0) H5Aclose(a);
    }
    if (rc && err) snprintf(err, errlen, "%s: object '%s' has no numeric attribute '%s'", path, obj, attr);
    H5Fclose(f);
    return rc;
}

int h5_write_doubles(const char *path, const char *name, const double *data, int ndims, const size_t *dims,
                     int create, char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT) : H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) { snprintf(err, errlen, "%s: cannot %s", path, create ? "create" : "open for writing"); return -1; }
    hsize_t hd[H5_MAX_DIMS];
    if (ndims < 0 || ndims > H5_MAX_DIMS) { snprintf(err, errlen, "%s: %d dimensions (at most %d)", path, ndims, H5_MAX_DIMS); H5Fclose(f); return -1; }
    for (int i = 0; i < ndims; i++) hd[i] = dims[i];
    hid_t sp = H5Screate_simple(ndims, hd, NULL), lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t d = H5Dcreate2(f, name, H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0 ? 0 : -1;
    if (rc) snprintf(err, errlen, "%s: cannot write dataset '%s'", path, name);
    if (d >= 0) H5Dclose(d);
    H5Pclose(lcpl); H5Sclose(sp); H5Fclose(f);
    return rc;
}

int h5_write_root_attr(const char *path, const char *attr, double value, char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) { snprintf(err, errlen, "%s: cannot open for writing", path); return -1; }
    if (H5Aexists(f, attr) > 0) H5Adelete(f, attr);
    hid_t sp = H5Screate(H5S_SCALAR), a = H5Acreate2(f, attr, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a >= 0 && H5Awrite(a, H5T_NATIVE_DOUBLE, &value) >= 0 ? 0 : -1;
    if (rc) snprintf(err, errlen, "%s: cannot write attribute '%s'", path, attr);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp); H5Fclose(f);
    return rc;
}
