/* Merging run files into an experiment's results file, the store's one write path: a batch of
   run files goes into a copy of the results file that replaces it by rename(2), so a kill or a
   full disk leaves the results file as it was and the run files in place. One batch costs one
   copy of the results file, so a sweep that merges when its finished runs weigh a fixed share
   of that file (store.c) spends O(run) per run. A run file must prove what it is (a legal,
   non-empty run id equal to the one expected of it) or it is quarantined, never merged; the
   results file keeps its permission bits; nothing is followed through a planted symlink. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "io/h5attr.h"
#include "store/merge.h"
#include "store/store.h"

int store_legal_id(const char *id) {
    size_t n = strlen(id);
    if (n == 0 || n >= STORE_ID_MAX || id[0] == '.') return 0;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\') return 0;
    return 1;
}

/* dst [OUT] = a byte copy of src, flushed to disk, with the permission bits mode: a new file
   (O_EXCL, so never through a link planted at its name); 0, or -1 with errno */
static int copy_file(const char *src, const char *dst, mode_t mode) {
    int in = open(src, O_RDONLY | O_CLOEXEC), out = in < 0 ? -1 : open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    int rc = in < 0 || out < 0 ? -1 : 0, saved;
    if (rc == 0 && fchmod(out, mode) != 0) rc = -1;   /* the mode asked for, whatever the umask */
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
    if (strncmp(run, "/runs/", 6) != 0 || !store_legal_id(run + 6)) return -1;   /* never /runs itself */
    hid_t lcpl = h5attr_lcpl_intermediate();
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
   stops here, before any HDF5 write, with ENOSPC's message. The copy keeps dst's permission
   bits. H5I_INVALID_HID - 1 when dst is not HDF5 or cannot be copied (err says so and what is
   kept), a negative id when HDF5 cannot open the copy. */
static hid_t open_merging(const char *dst, char *tmp, size_t n, long long need, mode_t *mode, const char *kept, char *err,
                          size_t errlen) {
    snprintf(tmp, n, "%s.merging", dst);
    *mode = 0;
    if (unlink(tmp) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: cannot remove a stale merge copy (%s); results file unchanged, %s", tmp, strerror(errno), kept);
        return H5I_INVALID_HID - 1;
    }
    struct stat st;
    if (lstat(dst, &st) != 0) return H5Fcreate(tmp, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    if (!S_ISREG(st.st_mode) || H5Fis_hdf5(dst) <= 0) {   /* exists but is not an HDF5 file: never overwrite */
        snprintf(err, errlen, "%s: exists and is not an HDF5 results file (left untouched; %s)", dst, kept);
        return H5I_INVALID_HID - 1;
    }
    *mode = st.st_mode & 07777;
    if (copy_file(dst, tmp, *mode | S_IRUSR | S_IWUSR) != 0) {   /* writable while merged into (a 0440 file too) */
        snprintf(err, errlen, "%s: cannot copy the results file for the merge (%s); results file unchanged, %s", tmp,
                 strerror(errno), kept);
        unlink(tmp);
        return H5I_INVALID_HID - 1;
    }
    const long long avail = free_bytes(tmp);
    if (avail >= 0 && avail < need) {
        snprintf(err, errlen, "%s: %s: about %lld KiB needed for the merge, %lld KiB free; results file unchanged, %s", tmp,
                 strerror(ENOSPC), need / 1024, avail / 1024, kept);
        unlink(tmp);
        return H5I_INVALID_HID - 1;
    }
    return H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
}

/* closes the copy d (rc: 0 when every write into it succeeded), gives it dst's mode (0: a new
   file, left as created) and renames it over dst after flushing it to disk; 0, or -1 with the
   copy removed and dst unchanged */
static int commit_merging(hid_t d, int rc, const char *tmp, const char *dst, mode_t mode) {
    if (d >= 0) {
        if (H5Fflush(d, H5F_SCOPE_GLOBAL) < 0) rc = -1;
        if (H5Fclose(d) < 0) rc = -1, h5_note_close_failed();
    }
    if (rc == 0 && mode && chmod(tmp, mode) != 0) rc = -1;
    if (rc == 0 && sync_path(tmp) != 0) rc = -1;
    if (rc == 0 && rename(tmp, dst) != 0) rc = -1;
    if (rc != 0) { unlink(tmp); return -1; }
    sync_path(dst);
    return 0;
}

/* a run that never ended (killed) holds no steps_done / final_loss: they are set from the last
   row of its trajectory (its step and loss), so `loft show` reports what was logged */
static void note_logged_steps(hid_t g) {
    hid_t ds = H5Lexists(g, "trajectory", H5P_DEFAULT) > 0 ? H5Dopen2(g, "trajectory", H5P_DEFAULT) : -1;
    if (ds < 0) return;
    hid_t sp = H5Dget_space(ds);
    hsize_t dims[2] = { 0, 0 };
    if (H5Sget_simple_extent_ndims(sp) == 2 && H5Sget_simple_extent_dims(sp, dims, NULL) == 2 && dims[0] > 0 && dims[1] >= 2 &&
        dims[1] <= 64) {
        double row[64];
        hsize_t start[2] = { dims[0] - 1, 0 }, count[2] = { 1, dims[1] };
        hid_t mem = H5Screate_simple(2, count, NULL);
        if (H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
            H5Dread(ds, H5T_NATIVE_DOUBLE, mem, sp, H5P_DEFAULT, row) >= 0) {
            long long steps = (long long)row[0];
            if (H5Aexists(g, "steps_done") <= 0) h5attr_write(g, "steps_done", H5T_NATIVE_LLONG, &steps);
            if (H5Aexists(g, "final_loss") <= 0) h5attr_write(g, "final_loss", H5T_NATIVE_DOUBLE, &row[1]);
        }
        H5Sclose(mem);
    }
    H5Sclose(sp);
    H5Dclose(ds);
}

/* src moved into <its folder>/quarantine/ (created 0700), never merged; the reason in msg */
static void quarantine(MergeItem *it, const char *why) {
    char dir[1100], q[1400];
    snprintf(dir, sizeof dir, "%s", it->path);
    snprintf(q, sizeof q, "%s/quarantine", dirname(dir));
    mkdir(q, 0700);
    snprintf(dir, sizeof dir, "%s", it->path);
    const char *base = basename(dir);
    char to[1700];
    snprintf(to, sizeof to, "%s/%s", q, base);
    struct stat st;
    int moved = lstat(q, &st) == 0 && S_ISDIR(st.st_mode) && rename(it->path, to) == 0;
    it->outcome = MERGE_QUARANTINED;
    snprintf(it->message, sizeof it->message, "%s: %s; not merged, %s", it->path, why, moved ? "moved to quarantine/" : "left in place");
}

/* item i of a batch checked: the run it holds (a legal id, the one expected), whether that run
   ever ended (status_if_running recorded for one that did not), whether a finished run makes it
   moot. Returns its size when it is to be merged (outcome MERGE_PENDING), else -1 with its
   outcome and message set. The file is closed again: a batch never holds two open. */
static long long check_item(const char *dst, MergeItem *items, int i, const char *status_if_running) {
    MergeItem *it = &items[i];
    it->interrupted = 0;
    it->outcome = MERGE_FAILED;
    it->message[0] = 0;
    it->id[0] = 0;
    struct stat st;
    if (lstat(it->path, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (S_ISLNK(st.st_mode)) quarantine(it, "a symbolic link, not a run file");
        else snprintf(it->message, sizeof it->message, "%s: not a regular file (left in place)", it->path);
        return -1;
    }
    hid_t f = H5Fopen(it->path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) { quarantine(it, "not a readable HDF5 run file"); return -1; }
    char why[600] = "", run[STORE_ID_MAX + 8], status[32] = "";
    const char *want = it->expect_id;
    hid_t g = -1;
    if (h5attr_get_str(f, "run_id", it->id, sizeof it->id) != 0) it->id[0] = 0;
    if (!it->id[0]) snprintf(why, sizeof why, "no run id (attribute run_id missing or empty)");
    else if (!store_legal_id(it->id)) snprintf(why, sizeof why, "its run id is not a legal id (empty, '/', '..', control characters)");
    else if (want && strcmp(want, it->id) != 0)
        snprintf(why, sizeof why, "its run id '%.200s' is not the '%.200s' its name or the plan expects", it->id, want);
    else {
        snprintf(run, sizeof run, "/runs/%s", it->id);
        if (H5Lexists(f, "/runs", H5P_DEFAULT) > 0 && H5Lexists(f, run, H5P_DEFAULT) > 0) g = H5Gopen2(f, run, H5P_DEFAULT);
        if (g < 0) snprintf(why, sizeof why, "no /runs/<id> group for its run id");
    }
    if (g >= 0) {
        h5attr_get_str(g, "status", status, sizeof status);
        /* a run that never ended (killed: "running"; stopped by a signal: "interrupted") */
        it->interrupted = strcmp(status, "running") == 0 || strcmp(status, "interrupted") == 0;
        if (status_if_running && strcmp(status, "running") == 0) {
            h5attr_set_str(g, "status", status_if_running);
            note_logged_steps(g);
        }
        H5Gclose(g);
    }
    H5Fclose(f);
    if (why[0]) { quarantine(it, why); return -1; }
    /* a killed rerun never replaces a finished run, stored or merged earlier in this batch */
    int finished_before = it->interrupted && store_stored(dst, it->id, NULL, NULL, 0) == STORED_SAME;
    for (int j = 0; it->interrupted && j < i && !finished_before; j++)
        finished_before = items[j].outcome == MERGE_PENDING && !items[j].interrupted && strcmp(items[j].id, it->id) == 0;
    if (finished_before) {
        unlink(it->path);
        it->outcome = MERGE_DROPPED;
        snprintf(it->message, sizeof it->message, "%s: an interrupted rerun of a finished run; the finished run is kept", it->path);
        return -1;
    }
    it->outcome = MERGE_PENDING;
    return (long long)st.st_size;
}

int store_merge_files(const char *dst, MergeItem *items, int n, const char *status_if_running, const char *owner, char *err,
                      size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    long long need = MERGE_SLACK;
    int nvalid = 0;
    for (int i = 0; i < n; i++) {
        const long long size = check_item(dst, items, i, status_if_running);
        if (size < 0) continue;
        need += 2 * size;
        nvalid++;
    }
    int rc = 0;
    if (nvalid > 0) {
        char tmp[1100], kept[200];
        snprintf(kept, sizeof kept, "the %d run file(s) kept for the next merge", nvalid);
        mode_t mode = 0;
        hid_t d = open_merging(dst, tmp, sizeof tmp, need, &mode, kept, err, errlen);
        if (d == H5I_INVALID_HID - 1) rc = -1;
        else {
            int wrc = d < 0 ? -1 : 0;
            for (int i = 0; wrc == 0 && i < n; i++) {
                if (items[i].outcome != MERGE_PENDING) continue;
                char key[128] = "", run[STORE_ID_MAX + 8];
                hid_t src = H5Fopen(items[i].path, H5F_ACC_RDONLY, H5P_DEFAULT);
                if (src < 0) { wrc = -1; break; }
                h5attr_get_str(src, "target_key", key, sizeof key);
                snprintf(run, sizeof run, "/runs/%s", items[i].id);
                wrc = copy_run(src, d, run, key);
                H5Fclose(src);
            }
            if (wrc == 0 && owner && owner[0]) wrc = h5attr_set_str(d, "experiment_file", owner);
            if (commit_merging(d, wrc, tmp, dst, mode) != 0) {
                snprintf(err, errlen, "merging %d run file(s) into %s failed (full disk or I/O error?); the results file is "
                         "unchanged and the run files are kept for the next merge", nvalid, dst);
                rc = -1;
            }
        }
    }
    for (int i = 0; i < n; i++) {
        if (items[i].outcome != MERGE_PENDING) continue;
        if (rc == 0) { items[i].outcome = MERGE_DONE; unlink(items[i].path); }
        else { items[i].outcome = MERGE_FAILED; snprintf(items[i].message, sizeof items[i].message, "%s: kept (%s)", items[i].path, err); }
    }
    return rc;
}

int h5_merge_run(const char *dst, const char *src, const char *status_if_running, char *err, size_t errlen) {
    MergeItem it;
    memset(&it, 0, sizeof it);
    it.path = src;
    int rc = store_merge_files(dst, &it, 1, status_if_running, NULL, err, errlen);
    if (it.outcome == MERGE_DONE) return 0;
    if (it.outcome == MERGE_DROPPED) return 1;
    if (rc == 0) snprintf(err, errlen, "%s", it.message);
    return -1;
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
    hid_t d = unlink(dst) == 0 || errno == ENOENT ? H5Fcreate(dst, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int rc = d < 0 ? -1 : 0;
    if (rc == 0) {
        hid_t lcpl = h5attr_lcpl_intermediate();
        rc = H5Ocopy(s, src, d, run, H5P_DEFAULT, lcpl) < 0 ? -1 : 0;   /* the target's data comes along once */
        if (rc == 0 && shared) {   /* a run file holds its target under /problems only (h5_merge_run links it) */
            char copied[400], home[300];
            snprintf(copied, sizeof copied, "%s/problem/target", run);
            snprintf(home, sizeof home, "/problems/%s", key);
            rc = H5Lcreate_hard(d, copied, d, home, lcpl, H5P_DEFAULT) < 0 || H5Ldelete(d, copied, H5P_DEFAULT) < 0 ||
                 h5attr_set_str(d, "target_key", key) != 0 ? -1 : 0;
        }
        H5Pclose(lcpl);
        if (rc == 0 && h5attr_set_str(d, "run_id", to) != 0) rc = -1;
        hid_t g = rc == 0 ? H5Gopen2(d, run, H5P_DEFAULT) : -1;
        if (g < 0 || h5attr_set_str(g, "role", role) != 0 || h5attr_set_str(g, "copy_of", from) != 0) rc = -1;
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
