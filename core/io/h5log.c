/* HDF5 run files: the partial per-run file a run writes as it goes (attributes, extendible
   trajectory, problem and final datasets), and the string-attribute helpers the store shares
   (io/h5attr.h). Merging run files into an experiment's results file is the store's
   (store/merge.c). */
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "h5attr.h"
#include "h5log.h"

struct H5Run {
    hid_t file, group, traj;
    int ncols;
    hsize_t rows;
    double last_flush;
    int failed;        /* a write or flush failed (full disk, I/O error): the run is not complete */
};

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

hid_t h5attr_utf8_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/* 0, or -1 when HDF5 could not write it */
int h5attr_write(hid_t obj, const char *name, hid_t type, const void *value) {
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, type, value) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

int h5attr_set_str(hid_t obj, const char *name, const char *value) {
    hid_t t = h5attr_utf8_type();
    int rc = h5attr_write(obj, name, t, &value);
    H5Tclose(t);
    return rc;
}

/* reads a string attribute into buf; 0 or -1 */
int h5attr_get_str(hid_t obj, const char *name, char *buf, size_t n) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = h5attr_utf8_type();
    char *s = NULL;
    int rc = H5Aread(a, t, &s) < 0 ? -1 : 0;
    if (rc == 0) { snprintf(buf, n, "%s", s ? s : ""); H5free_memory(s); }
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

hid_t h5attr_lcpl_intermediate(void) {
    hid_t p = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(p, 1);
    return p;
}

H5Run *h5run_begin(const char *path, const char *id, const char *const *columns, int ncols,
                   char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* a fresh file, never one reached through a link planted at its name: the old name is
       unlinked (a symlink itself, not its target) and the file made with O_EXCL */
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: cannot replace the run file (%s)", path, strerror(errno));
        return NULL;
    }
    hid_t f = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) { snprintf(err, errlen, "%s: cannot create the run file (another process made it at once?)", path); return NULL; }
    H5Run *r = calloc(1, sizeof(H5Run));
    r->file = f;
    r->ncols = ncols;
    h5attr_set_str(f, "run_id", id);
    char gname[512];
    snprintf(gname, sizeof gname, "/runs/%s", id);
    hid_t lcpl = h5attr_lcpl_intermediate();
    r->group = H5Gcreate2(f, gname, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    if (r->group < 0) {
        snprintf(err, errlen, "%s: cannot create group %s (run ids may not contain '/')", path, gname);
        H5Fclose(f); free(r);
        return NULL;
    }
    hsize_t dims[2] = { 0, (hsize_t)ncols }, maxd[2] = { H5S_UNLIMITED, (hsize_t)ncols }, chunk[2] = { 256, (hsize_t)ncols };
    hid_t sp = H5Screate_simple(2, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    r->traj = H5Dcreate2(r->group, "trajectory", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    hsize_t nc = (hsize_t)ncols;
    hid_t t = h5attr_utf8_type(), csp = H5Screate_simple(1, &nc, NULL);
    hid_t a = H5Acreate2(r->traj, "columns", t, csp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, columns);
    H5Aclose(a); H5Sclose(csp); H5Tclose(t);
    h5attr_set_str(r->group, "status", "running");
    H5Fflush(f, H5F_SCOPE_GLOBAL);
    r->last_flush = now_s();
    return r;
}

void h5run_attr_str(H5Run *r, const char *name, const char *value) { r->failed |= h5attr_set_str(r->group, name, value) != 0; }
void h5run_attr_num(H5Run *r, const char *name, double value) {
    r->failed |= h5attr_write(r->group, name, H5T_NATIVE_DOUBLE, &value) != 0;
}
void h5run_attr_int(H5Run *r, const char *name, long long value) {
    r->failed |= h5attr_write(r->group, name, H5T_NATIVE_LLONG, &value) != 0;
}

void h5run_flush(H5Run *r) {
    r->failed |= H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0;
    r->last_flush = now_s();
}

void h5run_append(H5Run *r, const double *row) {
    hsize_t dims[2] = { r->rows + 1, (hsize_t)r->ncols }, start[2] = { r->rows, 0 }, count[2] = { 1, (hsize_t)r->ncols };
    if (H5Dset_extent(r->traj, dims) < 0) { r->failed = 1; return; }
    hid_t fs = H5Dget_space(r->traj), ms = H5Screate_simple(2, count, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    r->failed |= H5Dwrite(r->traj, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, row) < 0;
    H5Sclose(ms); H5Sclose(fs);
    r->rows++;
    double t = now_s();
    if (t - r->last_flush > 2.0) { r->failed |= H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0; r->last_flush = t; }
}

void h5run_dataset(H5Run *r, const char *group, const char *name, const double *data, int ndims,
                   const size_t *dims) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", group, name);
    hsize_t hd[8];
    for (int i = 0; i < ndims; i++) hd[i] = dims[i];
    hid_t sp = H5Screate_simple(ndims, hd, NULL), lcpl = h5attr_lcpl_intermediate();
    if (H5Lexists(r->group, path, H5P_DEFAULT) > 0) H5Ldelete(r->group, path, H5P_DEFAULT);
    hid_t d = H5Dcreate2(r->group, path, H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    r->failed |= d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0;
    if (d >= 0) H5Dclose(d);
    H5Pclose(lcpl); H5Sclose(sp);
}

void h5run_target(H5Run *r, const char *key, const double *data, size_t rows, size_t cols) {
    char path[256];
    snprintf(path, sizeof path, "/problems/%s", key);
    hsize_t hd[2] = { rows, cols };
    hid_t sp = H5Screate_simple(2, hd, NULL), lcpl = h5attr_lcpl_intermediate();
    hid_t d = H5Dcreate2(r->file, path, H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    r->failed |= d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0;
    if (d >= 0) H5Dclose(d);
    H5Pclose(lcpl); H5Sclose(sp);
    r->failed |= h5attr_set_str(r->file, "target_key", key) != 0;
}

/* set when a close failed (a full disk during a flush): libhdf5 1.10 then keeps a broken file in
   its id table and crashes closing it again at exit (H5F__close_cb) */
static int close_failed;

int h5_close_failed(void) { return close_failed; }
void h5_note_close_failed(void) { close_failed = 1; }

int h5run_end(H5Run *r, const char *status, double wall_seconds) {
    r->failed |= h5attr_set_str(r->group, "status", r->failed ? "failed" : status) != 0;
    h5run_attr_num(r, "wall_seconds", wall_seconds);
    H5Dclose(r->traj);
    H5Gclose(r->group);
    r->failed |= H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0;
    if (H5Fclose(r->file) < 0) r->failed = close_failed = 1;
    int rc = r->failed ? -1 : 0;
    free(r);
    return rc;
}
