/* HDF5 run files: the partial per-run file (attributes, extendible trajectory, problem and final
   datasets) and its merge into the experiment file, with the target stored once and linked. */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include "config.h"
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

static hid_t utf8_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/* 0, or -1 when HDF5 could not write it */
static int attr_write(hid_t obj, const char *name, hid_t type, const void *value) {
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, type, value) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

static int set_str(hid_t obj, const char *name, const char *value) {
    hid_t t = utf8_type();
    int rc = attr_write(obj, name, t, &value);
    H5Tclose(t);
    return rc;
}

/* reads a string attribute into buf; 0 or -1 */
static int get_str(hid_t obj, const char *name, char *buf, size_t n) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = utf8_type();
    char *s = NULL;
    int rc = H5Aread(a, t, &s) < 0 ? -1 : 0;
    if (rc == 0) { snprintf(buf, n, "%s", s ? s : ""); H5free_memory(s); }
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

static hid_t lcpl_intermediate(void) {
    hid_t p = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(p, 1);
    return p;
}

H5Run *h5run_begin(const char *path, const char *id, const char *const *columns, int ncols,
                   char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) { snprintf(err, errlen, "%s: cannot create the run file", path); return NULL; }
    H5Run *r = calloc(1, sizeof(H5Run));
    r->file = f;
    r->ncols = ncols;
    set_str(f, "run_id", id);
    char gname[512];
    snprintf(gname, sizeof gname, "/runs/%s", id);
    hid_t lcpl = lcpl_intermediate();
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
    hid_t t = utf8_type(), csp = H5Screate_simple(1, &nc, NULL);
    hid_t a = H5Acreate2(r->traj, "columns", t, csp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, columns);
    H5Aclose(a); H5Sclose(csp); H5Tclose(t);
    set_str(r->group, "status", "running");
    H5Fflush(f, H5F_SCOPE_GLOBAL);
    r->last_flush = now_s();
    return r;
}

void h5run_attr_str(H5Run *r, const char *name, const char *value) { r->failed |= set_str(r->group, name, value) != 0; }
void h5run_attr_num(H5Run *r, const char *name, double value) {
    r->failed |= attr_write(r->group, name, H5T_NATIVE_DOUBLE, &value) != 0;
}
void h5run_attr_int(H5Run *r, const char *name, long long value) {
    r->failed |= attr_write(r->group, name, H5T_NATIVE_LLONG, &value) != 0;
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
    hid_t sp = H5Screate_simple(ndims, hd, NULL), lcpl = lcpl_intermediate();
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
    hid_t sp = H5Screate_simple(2, hd, NULL), lcpl = lcpl_intermediate();
    hid_t d = H5Dcreate2(r->file, path, H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    r->failed |= d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0;
    if (d >= 0) H5Dclose(d);
    H5Pclose(lcpl); H5Sclose(sp);
    r->failed |= set_str(r->file, "target_key", key) != 0;
}

/* set when a close failed (a full disk during a flush): libhdf5 1.10 then keeps a broken file in
   its id table and crashes closing it again at exit (H5F__close_cb) */
static int close_failed;

int h5_close_failed(void) { return close_failed; }

int h5run_end(H5Run *r, const char *status, double wall_seconds) {
    r->failed |= set_str(r->group, "status", r->failed ? "failed" : status) != 0;
    h5run_attr_num(r, "wall_seconds", wall_seconds);
    H5Dclose(r->traj);
    H5Gclose(r->group);
    r->failed |= H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0;
    if (H5Fclose(r->file) < 0) r->failed = close_failed = 1;
    int rc = r->failed ? -1 : 0;
    free(r);
    return rc;
}

/* dst [OUT] = a byte copy of src, flushed to disk; 0, or -1 with errno */
static int copy_file(const char *src, const char *dst) {
    int in = open(src, O_RDONLY), out = in < 0 ? -1 : open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = in < 0 || out < 0 ? -1 : 0, saved;
    char buf[1 << 16];
    while (rc == 0) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) { rc = -1; break; }
        for (ssize_t w = 0; w < n && rc == 0;) {
            ssize_t k = write(out, buf + w, (size_t)(n - w));
            if (k < 0) rc = -1; else w += k;
        }
    }
    if (rc == 0 && fsync(out) != 0) rc = -1;
    saved = errno;
    if (in >= 0) close(in);
    if (out >= 0 && close(out) != 0 && rc == 0) { rc = -1; saved = errno; }
    errno = saved;
    return rc;
}

/* the file and its folder flushed to disk, so a rename survives a crash; 0 or -1 */
static int sync_path(const char *path) {
    int fd = open(path, O_RDONLY), rc = fd < 0 || fsync(fd) != 0 ? -1 : 0;
    if (fd >= 0) close(fd);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
    return rc;
}

/* copies run (and its target, stored once under /problems and hard-linked) from s into d */
static int copy_run(hid_t s, hid_t d, const char *run, const char *key) {
    hid_t lcpl = lcpl_intermediate();
    if (H5Lexists(d, "/runs", H5P_DEFAULT) > 0 && H5Lexists(d, run, H5P_DEFAULT) > 0) H5Ldelete(d, run, H5P_DEFAULT);
    herr_t rc = H5Ocopy(s, run, d, run, H5P_DEFAULT, lcpl);
    if (rc >= 0 && key[0]) {
        char tpath[200], link[400];
        snprintf(tpath, sizeof tpath, "/problems/%s", key);
        snprintf(link, sizeof link, "%s/problem/target", run);
        if (H5Lexists(d, "/problems", H5P_DEFAULT) <= 0 || H5Lexists(d, tpath, H5P_DEFAULT) <= 0)
            rc = H5Ocopy(s, tpath, d, tpath, H5P_DEFAULT, lcpl);
        if (rc >= 0) rc = H5Lcreate_hard(d, tpath, d, link, lcpl, H5P_DEFAULT);
    }
    H5Pclose(lcpl);
    return rc < 0 ? -1 : 0;
}

/* dst.merging [OUT, name in tmp]: a copy of dst (an empty file when dst does not exist) opened
   for writing; H5I_INVALID_HID - 1 when dst is not HDF5 or cannot be copied (err says so and what
   is kept), a negative id when HDF5 cannot open the copy */
#define MERGE_SLACK (64 * 1024)   /* HDF5's metadata and allocation granularity, beyond the data copied */

/* bytes free for an unprivileged writer on the file system of path's folder (-1: unknown) */
static long long free_bytes(const char *path) {
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", path);
    struct statvfs v;
    return statvfs(dirname(dir), &v) == 0 ? (long long)v.f_bavail * (long long)v.f_frsize : -1;
}

/* The copy dst.merging, open for writing, with room for `need` more bytes: libhdf5 (1.10) can
   crash instead of failing when the disk fills inside H5Ocopy, so a merge that would not fit
   stops here, before any HDF5 write, with ENOSPC's message. */
static hid_t open_merging(const char *dst, char *tmp, size_t n, long long need, const char *kept, char *err, size_t errlen) {
    snprintf(tmp, n, "%s.merging", dst);
    remove(tmp);
    if (access(dst, F_OK) != 0) return H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (H5Fis_hdf5(dst) <= 0) {   /* exists but is not HDF5: never overwrite */
        snprintf(err, errlen, "%s: exists and is not an HDF5 results file (left untouched; %s)", dst, kept);
        return H5I_INVALID_HID - 1;
    }
    if (copy_file(dst, tmp) != 0) {
        snprintf(err, errlen, "%s: cannot copy the results file for the merge (%s); results file unchanged, %s", tmp,
                 strerror(errno), kept);
        remove(tmp);
        return H5I_INVALID_HID - 1;
    }
    const long long avail = free_bytes(tmp);
    if (avail >= 0 && avail < need) {
        snprintf(err, errlen, "%s: %s: about %lld KiB needed for the merge, %lld KiB free; results file unchanged, %s", tmp,
                 strerror(ENOSPC), need / 1024, avail / 1024, kept);
        remove(tmp);
        return H5I_INVALID_HID - 1;
    }
    return H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
}

/* closes the copy d (rc: 0 when every write into it succeeded) and renames it over dst after
   flushing it to disk; 0, or -1 with the copy removed and dst unchanged */
static int commit_merging(hid_t d, int rc, const char *tmp, const char *dst) {
    if (d >= 0) {
        if (H5Fflush(d, H5F_SCOPE_GLOBAL) < 0) rc = -1;
        if (H5Fclose(d) < 0) rc = -1, close_failed = 1;
    }
    if (rc == 0 && sync_path(tmp) != 0) rc = -1;
    if (rc == 0 && rename(tmp, dst) != 0) rc = -1;
    if (rc != 0) { remove(tmp); return -1; }
    sync_path(dst);
    return 0;
}

/* The merge never edits dst in place: dst is copied to dst.merging, the run goes into the copy,
   the copy is flushed and renamed over dst (rename(2) is atomic). A kill or a full disk at any
   point leaves dst as it was, and the partial file, which the next sweep merges again. */
int h5_merge_run(const char *dst, const char *src, const char *status_if_running, char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t s = H5Fopen(src, H5F_ACC_RDWR, H5P_DEFAULT);
    if (s < 0) { snprintf(err, errlen, "%s: partial run file is not readable (left in place)", src); return -1; }
    char id[256], key[128] = "", run[300], status[32] = "", tmp[1100];
    if (get_str(s, "run_id", id, sizeof id) != 0) {
        snprintf(err, errlen, "%s: no run_id attribute (not a run file; left in place)", src);
        H5Fclose(s);
        return -1;
    }
    get_str(s, "target_key", key, sizeof key);
    snprintf(run, sizeof run, "/runs/%s", id);
    hid_t g = H5Gopen2(s, run, H5P_DEFAULT);
    int interrupted = 0;
    if (g >= 0) {
        get_str(g, "status", status, sizeof status);
        interrupted = status_if_running && strcmp(status, "running") == 0;
        if (interrupted) set_str(g, "status", status_if_running);
        H5Gclose(g);
    }
    if (interrupted && h5_run_done(dst, id, NULL)) {   /* a killed rerun never replaces a finished run */
        H5Fclose(s);
        remove(src);
        return 1;
    }
    char kept[700];
    snprintf(kept, sizeof kept, "partial file %s kept", src);
    struct stat st;
    hid_t d = open_merging(dst, tmp, sizeof tmp, 2 * (stat(src, &st) == 0 ? (long long)st.st_size : 0) + MERGE_SLACK, kept, err, errlen);
    if (d == H5I_INVALID_HID - 1) { H5Fclose(s); return -1; }
    int rc = d < 0 ? -1 : copy_run(s, d, run, key);
    H5Fclose(s);
    if (commit_merging(d, rc, tmp, dst) != 0) {
        snprintf(err, errlen, "%s: merging %s into %s failed (full disk or I/O error?); the results file is unchanged and "
                 "the partial file is kept for the next sweep", src, run, dst);
        return -1;
    }
    remove(src);
    return 0;
}

/* the identity of the object at path (HDF5 1.10: its address; 1.12 on: its token); 0 or -1 */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_token_t ObjectId;
static int object_id(hid_t loc, const char *path, ObjectId *id) {
    H5O_info2_t oi;
    if (H5Oget_info_by_name3(loc, path, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
    *id = oi.token;
    return 0;
}
static int same_object(hid_t f, const ObjectId *a, const ObjectId *b) {
    int cmp = 1;
    return H5Otoken_cmp(f, a, b, &cmp) >= 0 && cmp == 0;
}
#else
typedef haddr_t ObjectId;
static int object_id(hid_t loc, const char *path, ObjectId *id) {
    H5O_info_t oi;
    if (H5Oget_info_by_name2(loc, path, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
    *id = oi.addr;
    return 0;
}
static int same_object(hid_t f, const ObjectId *a, const ObjectId *b) { (void)f; return *a == *b; }
#endif

typedef struct { hid_t file; ObjectId id; char *key; size_t n; int found; } ProblemMatch;
static herr_t match_problem(hid_t g, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    ProblemMatch *m = data;
    ObjectId id;
    if (object_id(g, name, &id) == 0 && same_object(m->file, &id, &m->id)) {
        snprintf(m->key, m->n, "%s", name);
        m->found = 1;
        return 1;
    }
    return 0;
}
/* key [OUT] of the /problems dataset that the object at path is (the same object: a hard link);
   0, or -1 when it is none of them */
static int problem_key(hid_t f, const char *path, char *key, size_t n) {
    ProblemMatch m;
    memset(&m, 0, sizeof m);
    m.file = f; m.key = key; m.n = n;
    if (H5Lexists(f, "/problems", H5P_DEFAULT) <= 0 || object_id(f, path, &m.id) != 0) return -1;
    hid_t g = H5Gopen2(f, "/problems", H5P_DEFAULT);
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, match_problem, &m);
    H5Gclose(g);
    return m.found ? 0 : -1;
}

/* bytes the datasets of run (its trajectory and final tensors) take in file: what copying the
   run writes, besides metadata (-1 when the file cannot be read) */
static long long run_storage_bytes(const char *file, const char *run) {
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return -1;
    const char *sets[] = { "trajectory", "final/A", "final/B", "final/W", "final/bias", "final/mag", "final/adapters" };
    long long total = 0;
    for (size_t i = 0; H5Lexists(f, run, H5P_DEFAULT) > 0 && i < sizeof sets / sizeof sets[0]; i++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%s", run, sets[i]);
        if (H5Lexists(f, path, H5P_DEFAULT) <= 0) continue;   /* negative too: a missing group on the way (errors are off) */
        hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
        if (ds >= 0) { total += (long long)H5Dget_storage_size(ds); H5Dclose(ds); }
    }
    H5Fclose(f);
    return total;
}

int h5_copy_run(const char *dst, const char *from, const char *to, const char *role, char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char tmp[1100], src[300], run[300], target[400], key[200];
    snprintf(src, sizeof src, "/runs/%s", from);
    snprintf(run, sizeof run, "/runs/%s", to);
    hid_t d = open_merging(dst, tmp, sizeof tmp, 2 * run_storage_bytes(dst, src) + MERGE_SLACK, "nothing copied", err, errlen);
    if (d == H5I_INVALID_HID - 1) return -1;
    int rc = d < 0 || H5Lexists(d, "/runs", H5P_DEFAULT) <= 0 || H5Lexists(d, src, H5P_DEFAULT) <= 0 ? -1 : 0;
    if (rc == 0) {
        hid_t lcpl = lcpl_intermediate();
        if (H5Lexists(d, run, H5P_DEFAULT) > 0) H5Ldelete(d, run, H5P_DEFAULT);
        /* the shared target is unlinked from the source run while it is copied (H5Ocopy would
           duplicate its data) and then linked into both, as a merged run holds it */
        char shared[300] = "";
        snprintf(target, sizeof target, "%s/problem/target", src);
        if (H5Lexists(d, target, H5P_DEFAULT) > 0 && problem_key(d, target, key, sizeof key) == 0) {
            snprintf(shared, sizeof shared, "/problems/%s", key);
            if (H5Ldelete(d, target, H5P_DEFAULT) < 0) rc = -1;
        }
        if (rc == 0) rc = H5Ocopy(d, src, d, run, H5P_DEFAULT, lcpl) < 0 ? -1 : 0;
        if (rc == 0 && shared[0]) {
            char copied[400];
            snprintf(copied, sizeof copied, "%s/problem/target", run);
            rc = H5Lcreate_hard(d, shared, d, target, lcpl, H5P_DEFAULT) < 0 || H5Lcreate_hard(d, shared, d, copied, lcpl, H5P_DEFAULT) < 0
                     ? -1 : 0;
        }
        H5Pclose(lcpl);
        hid_t g = rc == 0 ? H5Gopen2(d, run, H5P_DEFAULT) : -1;
        if (g < 0 || set_str(g, "role", role) != 0 || set_str(g, "copy_of", from) != 0) rc = -1;
        if (g >= 0) H5Gclose(g);
    }
    if (commit_merging(d, rc, tmp, dst) != 0) {
        snprintf(err, errlen, "%s: copying run %s as %s failed (no such run, full disk or I/O error?); the results file is "
                 "unchanged", dst, from, to);
        return -1;
    }
    return 0;
}

int h5_extract_run(const char *results, const char *from, const char *to, const char *role, const char *dst, char *err,
                   size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char src[300], run[300], target[400], key[200] = "";
    snprintf(src, sizeof src, "/runs/%s", from);
    snprintf(run, sizeof run, "/runs/%s", to);
    hid_t s = H5Fopen(results, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (s < 0 || H5Lexists(s, "/runs", H5P_DEFAULT) <= 0 || H5Lexists(s, src, H5P_DEFAULT) <= 0) {
        snprintf(err, errlen, "%s: no run %s to copy", results, from);
        if (s >= 0) H5Fclose(s);
        return -1;
    }
    snprintf(target, sizeof target, "%s/problem/target", src);
    const int shared = H5Lexists(s, target, H5P_DEFAULT) > 0 && problem_key(s, target, key, sizeof key) == 0;
    hid_t d = H5Fcreate(dst, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    int rc = d < 0 ? -1 : 0;
    if (rc == 0) {
        hid_t lcpl = lcpl_intermediate();
        rc = H5Ocopy(s, src, d, run, H5P_DEFAULT, lcpl) < 0 ? -1 : 0;   /* the target's data comes along once */
        if (rc == 0 && shared) {   /* a run file holds its target under /problems only (h5_merge_run links it) */
            char copied[400], home[300];
            snprintf(copied, sizeof copied, "%s/problem/target", run);
            snprintf(home, sizeof home, "/problems/%s", key);
            rc = H5Lcreate_hard(d, copied, d, home, lcpl, H5P_DEFAULT) < 0 || H5Ldelete(d, copied, H5P_DEFAULT) < 0 ||
                 set_str(d, "target_key", key) != 0 ? -1 : 0;
        }
        H5Pclose(lcpl);
        if (rc == 0 && set_str(d, "run_id", to) != 0) rc = -1;
        hid_t g = rc == 0 ? H5Gopen2(d, run, H5P_DEFAULT) : -1;
        if (g < 0 || set_str(g, "role", role) != 0 || set_str(g, "copy_of", from) != 0) rc = -1;
        if (g >= 0) H5Gclose(g);
        if (H5Fclose(d) < 0) rc = -1;
    }
    H5Fclose(s);
    if (rc != 0) {
        snprintf(err, errlen, "%s: copying run %s of %s as %s failed (full disk or I/O error?)", dst, from, results, to);
        remove(dst);
        return -1;
    }
    return 0;
}

int h5_run_done(const char *dst, const char *id, const char *config_yaml) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(dst, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return 0;
    char run[300], status[32] = "", *cfg = malloc(1 << 16);
    snprintf(run, sizeof run, "/runs/%s", id);
    int done = 0;
    if (H5Lexists(f, "/runs", H5P_DEFAULT) > 0 && H5Lexists(f, run, H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, run, H5P_DEFAULT);
        if (get_str(g, "status", status, sizeof status) == 0 && (!config_yaml || get_str(g, "config", cfg, 1 << 16) == 0))
            done = (strcmp(status, "complete") == 0 || strcmp(status, "diverged") == 0) && (!config_yaml || config_same(cfg, config_yaml));
        H5Gclose(g);
    }
    free(cfg);
    H5Fclose(f);
    return done;
}
