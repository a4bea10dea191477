/* The results store of one experiment (store.h): its path, lock, batched merges, the state of a
   stored run against the config asked for, and compaction. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <hdf5.h>
#include "io/config.h"
#include "io/files.h"
#include "io/h5attr.h"
#include "io/h5results.h"
#include "store/store.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int store_init_file(Store *s, const char *results, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    s->lock = -1;
    struct stat st;
    if (strlen(results) >= sizeof s->path) {
        snprintf(err, errlen, "results path is %zu characters long, at most %zu fit: choose a shorter --results folder",
                 strlen(results), sizeof s->path - 1);
        return -1;
    }
    snprintf(s->path, sizeof s->path, "%s", results);
    if (lstat(results, &st) == 0 && S_ISLNK(st.st_mode)) {   /* one real path: one lock, one file renamed over */
        char real[PATH_MAX];
        if (!realpath(results, real)) {
            snprintf(err, errlen, "%s: a symbolic link to a file that does not exist (%s); remove the link or point it at a "
                     "results file", results, strerror(errno));
            return -1;
        }
        if (strlen(real) >= sizeof s->path) { snprintf(err, errlen, "%s: its target's path is too long", results); return -1; }
        snprintf(s->path, sizeof s->path, "%s", real);
    }
    snprintf(s->partial, sizeof s->partial, "%s.partial", s->path);
    snprintf(s->slurm, sizeof s->slurm, "%s.slurm", s->path);
    s->last_merge = now_s();
    return 0;
}

int store_init(Store *s, const char *dir, const char *name, char *err, size_t errlen) {
    char path[STORE_PATH_MAX + 1];
    if ((size_t)snprintf(path, sizeof path, "%s/%s.h5", dir, name) >= sizeof path - 1) {
        snprintf(err, errlen, "results path %s/%s.h5 is longer than %d characters: choose a shorter --results folder",
                 dir, name, STORE_PATH_MAX - 1);
        memset(s, 0, sizeof *s);
        s->lock = -1;
        return -1;
    }
    return store_init_file(s, path, err, errlen);
}

int store_lock(Store *s, int wait_s, char *err, size_t errlen) {
    char path[STORE_PATH_MAX + 8], holder[32] = "?";
    snprintf(path, sizeof path, "%s.lock", s->path);
    int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open the lock file (%s)%s", path, strerror(errno),
                 errno == ELOOP ? "; it is a symbolic link, which the store never follows: remove it" : "");
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: the lock file is not a regular file; remove it", path);
        close(fd);
        return -1;
    }
    int got = flock(fd, LOCK_EX | LOCK_NB) == 0;
    for (int t = 0; !got && t < 10 * wait_s; t++) {   /* poll every 0.1 s */
        usleep(100000);
        got = flock(fd, LOCK_EX | LOCK_NB) == 0;
    }
    if (!got) {
        ssize_t n = read(fd, holder, sizeof holder - 1);
        holder[n > 0 ? n : 0] = 0;
        holder[strspn(holder, "0123456789")] = 0;
        snprintf(err, errlen, "%s is being written by another `loft` (pid %s); wait for it to finish, or write elsewhere "
                 "with --results DIR", s->path, holder[0] ? holder : "?");
        close(fd);
        return -1;
    }
    if (ftruncate(fd, 0) == 0) dprintf(fd, "%ld\n", (long)getpid());
    s->lock = fd;
    return 0;
}

int store_close(Store *s, char *err, size_t errlen) {
    int rc = s->npending && s->lock >= 0 ? store_flush(s, err, errlen) : 0;
    if (s->lock >= 0) close(s->lock);
    s->lock = -1;
    for (int i = 0; i < s->npending; i++) free(s->pending[i]);
    free(s->pending);
    free(s->pending_id);
    s->pending = NULL;
    s->pending_id = NULL;
    s->npending = s->cap = 0;
    return rc;
}

int store_run_file(const Store *s, const char *id, char *buf, size_t n) {
    return (size_t)snprintf(buf, n, "%s/%s.h5", s->partial, id) >= n ? -1 : 0;
}

static long long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int store_flush(Store *s, char *err, size_t errlen) {
    if (s->npending == 0) return 0;
    MergeItem *items = calloc((size_t)s->npending, sizeof(MergeItem));
    for (int i = 0; i < s->npending; i++) { items[i].path = s->pending[i]; items[i].expect_id = s->pending_id[i]; }
    const double t0 = now_s();
    int rc = store_merge_files(s->path, items, s->npending, NULL, s->owner, err, errlen);
    s->merge_seconds = now_s() - t0;
    s->last_merge = now_s();
    if (rc != 0) {   /* the files wait; the next try when twice as many wait, or at close */
        s->failed_batches++;
        s->retry_at = 2 * s->npending;
    }
    if (rc == 0) {
        s->retry_at = 0;
        for (int i = 0; i < s->npending; i++) {
            if (items[i].outcome == MERGE_DONE) s->merged_total++;
            else if (items[i].message[0]) fprintf(stderr, "warning: %s\n", items[i].message);
            free(s->pending[i]);
        }
        s->npending = 0;
        s->pending_bytes = 0;
    }
    free(items);
    return rc;
}

int store_add(Store *s, const char *file, const char *id, char *err, size_t errlen) {
    if (s->npending == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->pending = realloc(s->pending, sizeof(char *) * (size_t)s->cap);
        s->pending_id = realloc(s->pending_id, sizeof *s->pending_id * (size_t)s->cap);
    }
    s->pending[s->npending] = strdup(file);
    snprintf(s->pending_id[s->npending], STORE_ID_MAX, "%s", id);
    s->npending++;
    const long long sz = file_size(file);
    s->pending_bytes += sz > 0 ? sz : 0;
    /* one batch copies the results file once: merging when the waiting runs weigh half of it
       bounds the copying at about 3 bytes per byte stored, whatever the file's size; a batch also
       goes once a minute when the merges took at most 1/20 of the time since the last one */
    const long long stored = file_size(s->path);
    const double since = now_s() - s->last_merge;
    if (s->retry_at && s->npending < s->retry_at) return 0;
    if (stored < 0 || 2 * s->pending_bytes >= stored || (since >= 60 && since >= 20 * s->merge_seconds))
        return store_flush(s, err, errlen);
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int store_merge_dir(Store *s, const char *dir, const char *status_if_running, int tell, char *err, size_t errlen) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *ent;
    char **paths = NULL;
    int n = 0, cap = 0;
    while ((ent = readdir(d))) {
        size_t len = strlen(ent->d_name);
        if (len < 4 || strcmp(ent->d_name + len - 3, ".h5") != 0) continue;
        if (n == cap) { cap = cap ? 2 * cap : 64; paths = realloc(paths, sizeof(char *) * (size_t)cap); }
        size_t need = strlen(dir) + len + 2;
        paths[n] = malloc(need);
        snprintf(paths[n], need, "%s/%s", dir, ent->d_name);
        n++;
    }
    closedir(d);
    if (n == 0) { free(paths); return 0; }
    qsort(paths, (size_t)n, sizeof(char *), by_name);
    MergeItem *items = calloc((size_t)n, sizeof(MergeItem));
    char (*want)[STORE_ID_MAX] = calloc((size_t)n, STORE_ID_MAX);
    for (int i = 0; i < n; i++) {   /* <id>.h5 holds run id */
        const char *base = strrchr(paths[i], '/') + 1;
        snprintf(want[i], STORE_ID_MAX, "%.*s", (int)(strlen(base) - 3 < STORE_ID_MAX - 1 ? strlen(base) - 3 : STORE_ID_MAX - 1), base);
        items[i].path = paths[i];
        items[i].expect_id = want[i];
    }
    int rc = store_merge_files(s->path, items, n, status_if_running, s->owner, err, errlen), merged = 0;
    for (int i = 0; i < n; i++) {
        if (items[i].outcome == MERGE_DONE) {
            merged++;
            if (tell && items[i].interrupted)
                fprintf(stderr, "recovered the logged steps of run %s, which an earlier sweep left unfinished in %s (status "
                        "\"interrupted\")\n", items[i].id, dir);
        } else if (items[i].outcome == MERGE_QUARANTINED) fprintf(stderr, "warning: %s\n", items[i].message);
        else if (tell && items[i].message[0] && rc == 0) fprintf(stderr, "%s\n", items[i].message);
        free(paths[i]);
    }
    s->merged_total += merged;
    free(paths); free(items); free(want);
    return rc < 0 ? -1 : merged;
}

/* the config text normalised (defaults filled in, keys in their canonical order); NULL when it
   does not parse */
static char *normal_yaml(const char *text) {
    RunConfig *c = malloc(sizeof(RunConfig));
    char *y = malloc(1 << 16), err[256];
    config_defaults(c);
    if (config_load_yaml_text(c, text, "a stored config", err, sizeof err) != 0) { free(c); free(y); return NULL; }
    config_identity_yaml(c, y, 1 << 16);
    free(c);
    return y;
}

int store_config_diff(const char *a, const char *b, char *diff, size_t n) {
    char *ya = normal_yaml(a), *yb = normal_yaml(b);
    int count = -1;
    diff[0] = 0;
    if (ya && yb) {
        count = 0;
        size_t used = 0;
        char *sa = NULL, *sb = NULL;
        char *la = strtok_r(ya, "\n", &sa), *lb = strtok_r(yb, "\n", &sb);
        for (; la && lb; la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb)) {
            if (strcmp(la, lb) == 0) continue;
            const char *ca = strchr(la, ':'), *cb = strchr(lb, ':');
            int klen = ca ? (int)(ca - la) : (int)strlen(la);
            char item[400];
            snprintf(item, sizeof item, "%s%.*s: %s stored, %s asked", count ? "; " : "", klen, la, ca ? ca + 2 - (ca[1] != ' ') : "?",
                     cb ? cb + 2 - (cb[1] != ' ') : "?");
            count++;
            if (used + strlen(item) + 4 < n) { memcpy(diff + used, item, strlen(item) + 1); used += strlen(item); }
            else if (used + 4 < n) { memcpy(diff + used, "...", 4); used = n; }
        }
    }
    free(ya); free(yb);
    return count;
}

int store_stored(const char *results, const char *id, const char *config_yaml, char *diff, size_t n) {
    if (diff && n) diff[0] = 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(results, F_OK) != 0) return STORED_NONE;
    hid_t f = H5Fopen(results, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return STORED_NONE;
    char run[STORE_ID_MAX + 8], status[32] = "";
    snprintf(run, sizeof run, "/runs/%s", id);
    int state = STORED_NONE;
    if (store_legal_id(id) && H5Lexists(f, "/runs", H5P_DEFAULT) > 0 && H5Lexists(f, run, H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, run, H5P_DEFAULT);
        char *cfg = malloc(1 << 16);
        state = STORED_UNFINISHED;
        if (g >= 0 && h5attr_get_str(g, "status", status, sizeof status) == 0 &&
            (strcmp(status, "complete") == 0 || strcmp(status, "diverged") == 0)) {
            if (!config_yaml || h5attr_get_str(g, "config", cfg, 1 << 16) != 0) cfg[0] = 0;
            if (!config_yaml || config_same(cfg, config_yaml)) state = STORED_SAME;
            else {
                state = STORED_DIFFERENT;
                if (diff && n && store_config_diff(cfg, config_yaml, diff, n) <= 0)
                    snprintf(diff, n, "the stored config %s", cfg[0] ? "reads differently" : "is missing");
            }
        }
        if (g >= 0) H5Gclose(g);
        free(cfg);
    }
    H5Fclose(f);
    return state;
}

int store_compact(const Store *s, char *err, size_t errlen) {
    char dir[STORE_PATH_MAX + 32], tmp[STORE_PATH_MAX + 64];
    const char *results = s->path;
    struct stat st;
    if (stat(results, &st) != 0) { snprintf(err, errlen, "%s: no such results file", results); return -1; }
    /* h5repack writes into a fresh private folder beside the file (no name it could be tricked into
       following), then the copy is renamed over the file */
    snprintf(dir, sizeof dir, "%s.compact-XXXXXX", results);
    if (!mkdtemp(dir)) { snprintf(err, errlen, "%s: cannot make a folder for the compacted copy (%s)", results, strerror(errno)); return -1; }
    snprintf(tmp, sizeof tmp, "%s/copy.h5", dir);
    char *const argv[] = { "h5repack", (char *)results, tmp, NULL };
    if (program_run(argv, "hdf5-tools") != 0) {
        snprintf(err, errlen, "%s: h5repack failed (is Debian's hdf5-tools installed?); the file is unchanged", results);
        unlink(tmp);
        rmdir(dir);
        return -1;
    }
    RunRecord *a = NULL, *b = NULL;
    int na = -1, nb = -2;
    h5_read_runs(results, 0, NULL, &a, &na, err, errlen);
    h5_read_runs(tmp, 0, NULL, &b, &nb, err, errlen);
    int same = na == nb;
    for (int i = 0; same && i < na; i++) same = strcmp(a[i].id, b[i].id) == 0 && strcmp(a[i].status, b[i].status) == 0;
    h5_free_runs(a, na > 0 ? na : 0);
    h5_free_runs(b, nb > 0 ? nb : 0);
    int fd = open(tmp, O_RDONLY | O_NOFOLLOW);
    int synced = fd >= 0 && fchmod(fd, st.st_mode & 07777) == 0 && fsync(fd) == 0;
    if (fd >= 0) close(fd);
    if (!same || !synced || rename(tmp, results) != 0) {
        snprintf(err, errlen, "%s: the compacted copy %s; the file is unchanged", results,
                 !same ? "does not list the same runs" : "could not be written");
        unlink(tmp);
        rmdir(dir);
        return -1;
    }
    rmdir(dir);
    return 0;
}
int store_set_owner(Store *s, const char *experiment_file) {
    char real[PATH_MAX];
    if (!realpath(experiment_file, real) || strlen(real) >= sizeof s->owner) return -1;
    snprintf(s->owner, sizeof s->owner, "%s", real);
    return 0;
}

int store_check_owner(const Store *s, char *err, size_t errlen) {
    if (!s->owner[0] || access(s->path, F_OK) != 0) return 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(s->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return 0;   /* not HDF5: the merge refuses it with its own message */
    char stored[STORE_PATH_MAX] = "";
    int rc = 0;
    if (h5attr_get_str(f, "experiment_file", stored, sizeof stored) == 0 && stored[0] && strcmp(stored, s->owner) != 0) {
        char real[PATH_MAX];
        if (realpath(stored, real) && strcmp(real, s->owner) != 0) {   /* a file that moved away is adopted */
            snprintf(err, errlen, "%s holds the runs of the experiment file %s, not of %s (two experiments with one name in "
                     "one folder): give one of them another name, or write elsewhere with --results DIR", s->path, stored, s->owner);
            rc = -1;
        }
    }
    H5Fclose(f);
    return rc;
}
