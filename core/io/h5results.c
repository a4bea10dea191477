/* HDF5 reader of /runs/<id> groups: attributes, trajectory and config. A results file may come
   from someone else and is read as data only: the file access property refuses external links
   and every link on the way to a run is checked to be a hard one; a trajectory stored in other
   files (external or virtual storage) is refused before a byte of it is read; sizes are checked
   before allocation; text too long for its field is an error, since a cut label could merge two
   variants into one table cell. */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "h5results.h"

/* the length of the UTF-8 character at p when it may be printed as it is (not a C1 control
   nor a bidi override), else 0 */
static size_t printable_utf8(const unsigned char *p) {
    if (p[0] >= 0xc2 && p[0] <= 0xdf) return (p[1] & 0xc0) == 0x80 && !(p[0] == 0xc2 && p[1] < 0xa0) ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        const unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
        if (p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80) return 0;
        if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xa8 && p[2] <= 0xae) return 0;   /* U+2028..U+202E */
        if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9) return 0;   /* U+2066..U+2069 */
        return 3;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        const unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

const char *text_printable(char *buf, size_t n, const char *text) {
    if (n == 0) return buf;
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t len = *p >= 0x20 && *p < 0x7f ? 1 : printable_utf8(p);
        if (len) {
            if (k + len >= n) break;
            memcpy(buf + k, p, len);
            k += len;
            p += len;
        } else {
            if (k + 4 >= n) break;
            snprintf(buf + k, 5, "\\x%02x", *p++);
            k += 4;
        }
    }
    buf[k] = 0;
    return buf;
}

typedef struct {
    RunRecord *runs;
    int n, cap, what, failed;
    const char *group_attr, *path;
    char *err;
    size_t errlen;
} Collect;

/* records "PATH: run ID: message" (or "PATH: message") as the error of the read; returns -1 */
static int failf(Collect *c, const char *run, const char *fmt, ...) {
    char msg[1400], id[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!c->failed) {
        if (run) snprintf(c->err, c->errlen, "%s: run %s: %s", c->path, text_printable(id, sizeof id, run), msg);
        else snprintf(c->err, c->errlen, "%s: %s", c->path, msg);
    }
    c->failed = 1;
    return -1;
}

/* 0 when the link `name` of loc is a hard link; else -1 and what it is in why */
static int hard_link(hid_t loc, const char *name, char *why, size_t n) {
    H5L_info_t li;
    if (H5Lget_info(loc, name, &li, H5P_DEFAULT) < 0) { snprintf(why, n, "a link that cannot be read"); return -1; }
    if (li.type == H5L_TYPE_HARD) return 0;
    char val[1024] = "", shown[1100], shown2[1100];
    const size_t vn = li.u.val_size;
    const int got = vn > 0 && vn < sizeof val && H5Lget_val(loc, name, val, sizeof val, H5P_DEFAULT) >= 0;
    if (!got) val[0] = 0;
    if (li.type == H5L_TYPE_SOFT) snprintf(why, n, "a soft link to %s", text_printable(shown, sizeof shown, val));
    else if (li.type == H5L_TYPE_EXTERNAL) {
        const char *file = "?", *obj = "?";
        unsigned flags;
        if (!got || H5Lunpack_elink_val(val, vn, &flags, &file, &obj) < 0 || !file || !obj) file = obj = "?";
        snprintf(why, n, "an external link to %s:%s", text_printable(shown, sizeof shown, file),
                 text_printable(shown2, sizeof shown2, obj));
    } else snprintf(why, n, "a user-defined link (type %d)", (int)li.type);
    return -1;
}

/* NULL when dataset d keeps its numbers in the file itself, else what it is */
static const char *foreign_storage(hid_t d) {
    hid_t p = H5Dget_create_plist(d);
    if (p < 0) return "a dataset whose storage cannot be read";
    const H5D_layout_t layout = H5Pget_layout(p);
    const int external = H5Pget_external_count(p);
    H5Pclose(p);
    if (layout == H5D_VIRTUAL) return "a virtual dataset (its numbers are in other files)";
    if (external != 0) return "a dataset stored in external files";
    if (layout < 0) return "a dataset of unknown layout";
    return NULL;
}

/* external links are never traversed, whatever links are checked elsewhere */
static herr_t refuse_external_link(const char *parent_file, const char *parent_group, const char *child_file,
                                   const char *child_object, unsigned *acc_flags, hid_t fapl, void *data) {
    (void)parent_file; (void)parent_group; (void)child_file; (void)child_object; (void)acc_flags; (void)fapl; (void)data;
    return -1;
}

/* the results file, read-only, external links refused; a FIFO or device is refused before it
   is opened (opening one would wait for a writer) */
static hid_t open_results(const char *path, char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open as an HDF5 results file (%s)", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: cannot open as an HDF5 results file (not a regular file)", path);
        return -1;
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_elink_cb(fapl, refuse_external_link, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0) snprintf(err, errlen, "%s: cannot open as an HDF5 results file", path);
    return f;
}

/* the group /runs, checked to be in the file; 0 and *g < 0 when there is none; -1 on a link */
static int open_runs(Collect *c, hid_t f, hid_t *g) {
    char why[2400];
    *g = -1;
    if (H5Lexists(f, "runs", H5P_DEFAULT) <= 0) return 0;
    if (hard_link(f, "runs", why, sizeof why) != 0)
        return failf(c, NULL, "/runs is %s: a results file holds its runs itself; links are not followed", why);
    *g = H5Gopen2(f, "runs", H5P_DEFAULT);
    return 0;
}

/* a scalar variable-length string attribute into buf ("" when absent or not one string);
   0, or -1 with its length in *len when it does not fit */
static int attr_str(hid_t g, const char *name, char *buf, size_t n, size_t *len) {
    buf[0] = 0;
    if (H5Aexists(g, name) <= 0) return 0;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT), sp = H5Aget_space(a), at = H5Aget_type(a);
    int scalar_str = H5Sget_simple_extent_npoints(sp) == 1 && H5Tget_class(at) == H5T_STRING && H5Tis_variable_str(at) > 0;
    H5Tclose(at);
    H5Sclose(sp);
    if (!scalar_str) { H5Aclose(a); return 0; }   /* not one variable-length string: read as absent */
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL;
    int rc = 0;
    if (H5Aread(a, t, &s) >= 0 && s) {
        *len = strlen(s);
        if (*len < n) memcpy(buf, s, *len + 1);
        else rc = -1;
        H5free_memory(s);
    }
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

/* a scalar numeric attribute (one element; anything else reads as dflt) */
static double attr_num(hid_t g, const char *name, double dflt) {
    double v = dflt;
    if (H5Aexists(g, name) <= 0) return v;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT), sp = H5Aget_space(a), t = H5Aget_type(a);
    H5T_class_t cls = H5Tget_class(t);
    if (H5Sget_simple_extent_npoints(sp) == 1 && (cls == H5T_INTEGER || cls == H5T_FLOAT)) {
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) v = dflt;
    }
    H5Tclose(t);
    H5Sclose(sp);
    H5Aclose(a);
    return v;
}

/* a scalar integer attribute (absent or NaN: dflt); -1 when it is no integer a long holds */
static int attr_long(hid_t g, const char *name, long dflt, long *v) {
    const double d = attr_num(g, name, NAN);
    if (isnan(d)) { *v = dflt; return 0; }
    if (!(fabs(d) <= 9007199254740992.0)) return -1;   /* |d| <= 2^53, and not infinite */
    *v = (long)d;
    return 0;
}

/* the trajectory's column names (always) and, with H5R_TRAJECTORY, its rows: the first
   RUN_MAX_COLS columns; 0, or -1 (the error recorded) */
static int read_traj(Collect *c, hid_t g, RunRecord *r) {
    char why[2400];
    if (H5Lexists(g, "trajectory", H5P_DEFAULT) <= 0) return 0;
    if (hard_link(g, "trajectory", why, sizeof why) != 0)
        return failf(c, r->id, "its trajectory is %s: a run holds its own numbers; links are not followed", why);
    hid_t d = H5Dopen2(g, "trajectory", H5P_DEFAULT);
    if (d < 0) return 0;   /* not a dataset: no trajectory */
    const char *foreign = foreign_storage(d);
    if (foreign) {
        H5Dclose(d);
        return failf(c, r->id, "its trajectory is %s: only numbers stored in the results file itself are read", foreign);
    }
    hid_t sp = H5Dget_space(d);
    hsize_t dims[2] = { 0, 0 };
    if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 2 || H5Sget_simple_extent_dims(sp, dims, NULL) != 2) {
        if (sp >= 0) H5Sclose(sp);   /* not a (rows, columns) table: no trajectory */
        H5Dclose(d);
        return 0;
    }
    const size_t cols = dims[1] < RUN_MAX_COLS ? (size_t)dims[1] : RUN_MAX_COLS;
    if (dims[1] > 0 && dims[0] > RUN_MAX_NUMBERS / cols) {
        H5Sclose(sp);
        H5Dclose(d);
        return failf(c, r->id, "its trajectory has %llu rows of %llu columns (at most %zu numbers are read)",
                     (unsigned long long)dims[0], (unsigned long long)dims[1], (size_t)RUN_MAX_NUMBERS);
    }
    r->cols = cols;
    int rc = 0;
    if (c->what & H5R_TRAJECTORY) {
        const size_t rows = cols ? (size_t)dims[0] : 0;
        r->traj = malloc(sizeof(double) * (rows * cols + 1));
        if (!r->traj) rc = failf(c, r->id, "its trajectory (%zu x %zu numbers) does not fit in memory", rows, cols);
        else if (rows) {
            hsize_t start[2] = { 0, 0 }, count[2] = { rows, cols };
            hid_t mem = H5Screate_simple(2, count, NULL);
            if (H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
                H5Dread(d, H5T_NATIVE_DOUBLE, mem, sp, H5P_DEFAULT, r->traj) >= 0)
                r->rows = rows;   /* else unreadable as numbers: no rows */
            H5Sclose(mem);
        }
    }
    if (rc == 0 && H5Aexists(d, "columns") > 0) {
        hid_t a = H5Aopen(d, "columns", H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        char *names[64] = { 0 };
        hid_t asp = H5Aget_space(a), at = H5Aget_type(a);
        int ok = H5Sget_simple_extent_npoints(asp) == (hssize_t)dims[1] && H5Tget_class(at) == H5T_STRING && H5Tis_variable_str(at) > 0;
        H5Tclose(at);
        H5Sclose(asp);
        if (ok && dims[1] <= 64 && H5Aread(a, t, names) >= 0)
            for (size_t k = 0; k < dims[1]; k++) {
                const size_t len = names[k] ? strlen(names[k]) : 0;
                if (k < RUN_MAX_COLS && len >= sizeof r->columns[k] && rc == 0)
                    rc = failf(c, r->id, "the name of trajectory column %zu is %zu bytes long (at most %zu)", k, len,
                               sizeof r->columns[k] - 1);
                else if (k < RUN_MAX_COLS) snprintf(r->columns[k], sizeof r->columns[k], "%s", names[k] ? names[k] : "");
                H5free_memory(names[k]);
            }
        H5Tclose(t);
        H5Aclose(a);
    }
    H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

/* the number of hard links to the object g (1 for a run stored once), 0 if unknown */
static unsigned link_count(hid_t g) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t oi;
    return H5Oget_info3(g, &oi, H5O_INFO_BASIC) >= 0 ? oi.rc : 0;
#else
    H5O_info_t oi;
    return H5Oget_info2(g, &oi, H5O_INFO_BASIC) >= 0 ? oi.rc : 0;
#endif
}

static herr_t visit(hid_t grp, const char *name, const H5L_info_t *info, void *data) {
    Collect *c = data;
    char why[2400];
    if (strlen(name) >= sizeof c->runs[0].id)
        return failf(c, name, "its name is %zu bytes long (at most %zu)", strlen(name), sizeof c->runs[0].id - 1);
    if ((!info || info->type != H5L_TYPE_HARD) && hard_link(grp, name, why, sizeof why) != 0)
        return failf(c, name, "it is %s: a results file holds its runs itself; links are not followed", why);
    hid_t g = H5Gopen2(grp, name, H5P_DEFAULT);
    if (g < 0) return 0;
    const unsigned links = link_count(g);
    if (links > 1) {
        H5Gclose(g);
        return failf(c, name, "its group has %u hard links in the file (a run is stored once; another link would count it twice)", links);
    }
    if (c->n == c->cap) {
        const int cap = c->cap ? 2 * c->cap : 64;
        RunRecord *more = cap > c->cap ? realloc(c->runs, sizeof(RunRecord) * (size_t)cap) : NULL;
        if (!more) { H5Gclose(g); return failf(c, name, "too many runs to hold in memory"); }
        c->runs = more;
        c->cap = cap;
    }
    RunRecord *r = &c->runs[c->n++];
    memset(r, 0, sizeof(*r));
    snprintf(r->id, sizeof r->id, "%s", name);
    char precision[16] = "";
    const struct { const char *attr; char *buf; size_t n; } texts[] = {
        { "label", r->label, sizeof r->label }, { "method", r->method, sizeof r->method },
        { "status", r->status, sizeof r->status }, { c->group_attr, r->group, sizeof r->group },
        { "role", r->role, sizeof r->role }, { "tune_group", r->tune_group, sizeof r->tune_group },
        { "tuned_key", r->tuned_key, sizeof r->tuned_key }, { "tuned_value", r->tuned_value, sizeof r->tuned_value },
        { "tuned_on", r->tuned_on, sizeof r->tuned_on }, { "precision", precision, sizeof precision },
    };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        size_t len = 0;
        if (attr_str(g, texts[k].attr, texts[k].buf, texts[k].n, &len) != 0) {
            H5Gclose(g);
            return failf(c, name, "attribute '%s' is %zu bytes long (at most %zu)", texts[k].attr, len, texts[k].n - 1);
        }
    }
    const struct { const char *attr; long *v, dflt; } ints[] = {
        { "rank", &r->rank, 0 }, { "seed", &r->seed, 0 }, { "steps", &r->steps, 0 }, { "steps_done", &r->steps_done, 0 },
        { "diverged_step", &r->diverged_step, 0 }, { "steps_to_threshold", &r->steps_to_threshold, -1 },
    };
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
        if (attr_long(g, ints[k].attr, ints[k].dflt, ints[k].v) != 0) {
            H5Gclose(g);
            return failf(c, name, "attribute '%s' is %g (expected an integer)", ints[k].attr, attr_num(g, ints[k].attr, NAN));
        }
    r->final_loss = attr_num(g, "final_loss", NAN);
    r->wall_seconds = attr_num(g, "wall_seconds", NAN);
    r->loss_threshold = attr_num(g, "loss_threshold", NAN);
    r->test_items = attr_num(g, "test_images", NAN);
    if (!isfinite(r->test_items)) r->test_items = attr_num(g, "cloze_questions", NAN);
    const double pairs = attr_num(g, "adapter_pairs", 0), bytes = attr_num(g, "pair_state_bytes", NAN);
    r->state_per_layer = pairs > 0 ? bytes / (strcmp(precision, "float64") == 0 ? 8.0 : 4.0) / pairs : NAN;
    if (read_traj(c, g, r) != 0) { H5Gclose(g); return -1; }
    for (size_t k = 0; k < r->cols; k++) r->metric[k] = attr_num(g, r->columns[k], NAN);
    H5Gclose(g);
    return 0;
}

/* ---- the configs, read in a child process ----
   libhdf5 1.10 follows a variable-length string's global-heap reference without checking it
   (H5HG_read), so a damaged reference crashes the reader (tests/fuzz/regressions/results/
   vlen-heap-index-*.h5). The config attribute is read for every run of a table; a child reads
   them and sends each through a pipe, and its crash becomes an error naming the run. */

#define CONFIG_ABSENT UINT32_MAX

static int write_all(int fd, const void *p, size_t n) {
    for (const char *s = p; n > 0;) {
        ssize_t k = write(fd, s, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n) {
    for (char *s = p; n > 0;) {
        ssize_t k = read(fd, s, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

/* in the child: for every run, its config's length (CONFIG_ABSENT: none) and, when at most
   RUN_CONFIG_MAX, its bytes */
static int send_configs(const Collect *c, int out) {
    char err[512];
    hid_t f = open_results(c->path, err, sizeof err);
    if (f < 0) return 3;
    hid_t runs = H5Gopen2(f, "runs", H5P_DEFAULT);
    for (int i = 0; i < c->n; i++) {
        hid_t g = runs < 0 ? -1 : H5Gopen2(runs, c->runs[i].id, H5P_DEFAULT);
        char *s = NULL;
        if (g >= 0 && H5Aexists(g, "config") > 0) {
            hid_t a = H5Aopen(g, "config", H5P_DEFAULT), sp = H5Aget_space(a), at = H5Aget_type(a);
            if (H5Sget_simple_extent_npoints(sp) == 1 && H5Tget_class(at) == H5T_STRING && H5Tis_variable_str(at) > 0) {
                hid_t t = H5Tcopy(H5T_C_S1);
                H5Tset_size(t, H5T_VARIABLE);
                H5Tset_cset(t, H5T_CSET_UTF8);
                if (H5Aread(a, t, &s) < 0) s = NULL;
                H5Tclose(t);
            }
            H5Tclose(at);
            H5Sclose(sp);
            H5Aclose(a);
        }
        if (g >= 0) H5Gclose(g);
        const size_t len = s ? strlen(s) : 0;
        const uint32_t head = !s ? CONFIG_ABSENT : len > RUN_CONFIG_MAX ? (uint32_t)RUN_CONFIG_MAX + 1 : (uint32_t)len;
        if (write_all(out, &head, sizeof head) != 0 || (s && len <= RUN_CONFIG_MAX && write_all(out, s, len) != 0)) return 4;
        H5free_memory(s);
    }
    return 0;
}

static int read_configs(Collect *c) {
    int fd[2];
    if (pipe(fd) != 0) return failf(c, NULL, "cannot read the runs' configs (pipe: %s)", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return failf(c, NULL, "cannot read the runs' configs (fork: %s)", strerror(errno));
    }
    if (pid == 0) {   /* a crash here is the answer: no handler, no sanitizer report */
        close(fd[0]);
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, 2);
        _exit(send_configs(c, fd[1]));
    }
    close(fd[1]);
    int i = 0;
    for (; i < c->n && !c->failed; i++) {
        uint32_t len;
        if (read_all(fd[0], &len, sizeof len) != 0) break;
        if (len == CONFIG_ABSENT) continue;
        if (len > RUN_CONFIG_MAX) { failf(c, c->runs[i].id, "attribute 'config' is more than %d bytes long", RUN_CONFIG_MAX); break; }
        char *s = malloc((size_t)len + 1);
        if (!s || read_all(fd[0], s, len) != 0) { free(s); break; }
        s[len] = 0;
        c->runs[i].config = s;
    }
    close(fd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (!c->failed && i < c->n) {
        if (WIFSIGNALED(st))
            failf(c, c->runs[i].id, "its config attribute cannot be read: libhdf5 stopped with signal %d on it (the file is damaged)",
                  WTERMSIG(st));
        else failf(c, c->runs[i].id, "its config attribute cannot be read (the reader ended with status %d)", WEXITSTATUS(st));
    }
    return c->failed ? -1 : 0;
}

/* the runs of f (all, or the one named only), then their configs; 0 or -1 */
static int collect(Collect *c, hid_t f, const char *only) {
    hid_t g;
    if (open_runs(c, f, &g) == 0 && g >= 0) {
        if (!only) H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, visit, c);
        else if (H5Lexists(g, only, H5P_DEFAULT) > 0) visit(g, only, NULL, c);
        H5Gclose(g);
    }
    H5Fclose(f);
    if (!c->failed && (c->what & H5R_CONFIG) && c->n > 0) read_configs(c);
    return c->failed ? -1 : 0;
}

int h5_read_runs(const char *path, int what, const char *group_attr, RunRecord **runs, int *n,
                 char *err, size_t errlen) {
    *runs = NULL;
    *n = 0;
    hid_t f = open_results(path, err, errlen);
    if (f < 0) return -1;
    Collect c = { .what = what, .group_attr = group_attr && group_attr[0] ? group_attr : "group", .path = path,
                  .err = err, .errlen = errlen };
    if (collect(&c, f, NULL) != 0) { h5_free_runs(c.runs, c.n); return -1; }
    *runs = c.runs;
    *n = c.n;
    return 0;
}

int h5_read_run(const char *path, const char *id, int what, RunRecord *run) {
    char err[2048];
    hid_t f = open_results(path, err, sizeof err);
    if (f < 0) return -1;
    Collect c = { .what = what, .group_attr = "group", .path = path, .err = err, .errlen = sizeof err };
    int rc = collect(&c, f, id) == 0 && c.n == 1 ? 0 : -1;
    if (rc == 0) { *run = c.runs[0]; c.runs[0].traj = NULL; c.runs[0].config = NULL; }   /* the caller frees them */
    h5_free_runs(c.runs, c.n);
    return rc;
}

void h5_free_runs(RunRecord *runs, int n) {
    for (int i = 0; i < n; i++) { free(runs[i].traj); free(runs[i].config); }
    free(runs);
}

int h5_dataset_local(const char *path, const char *name, char *err, size_t errlen) {
    hid_t f = open_results(path, err, errlen);
    if (f < 0) return 0;
    char part[1024], why[2400], shown[1100];
    int rc = 1;
    hid_t loc = f;
    for (const char *p = name; rc == 1 && *p;) {   /* every link on the way, one at a time */
        while (*p == '/') p++;
        const size_t len = strcspn(p, "/");
        if (!len) break;
        snprintf(part, sizeof part, "%.*s", (int)len, p);
        p += len;
        if (H5Lexists(loc, part, H5P_DEFAULT) <= 0) { rc = 0; break; }
        if (hard_link(loc, part, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s is %s: links out of a results file are not followed", path,
                     text_printable(shown, sizeof shown, name), why);
            rc = -1;
            break;
        }
        hid_t next = H5Oopen(loc, part, H5P_DEFAULT);
        if (loc != f) H5Oclose(loc);
        loc = next;
        if (loc < 0) { rc = 0; break; }
    }
    if (rc == 1 && loc != f) {
        if (H5Iget_type(loc) != H5I_DATASET) rc = 0;
        else {
            const char *foreign = foreign_storage(loc);
            if (foreign) {
                snprintf(err, errlen, "%s: %s is %s: only numbers stored in the results file itself are read", path,
                         text_printable(shown, sizeof shown, name), foreign);
                rc = -1;
            }
        }
    }
    if (loc >= 0 && loc != f) H5Oclose(loc);
    H5Fclose(f);
    return rc;
}

int run_column(const RunRecord *r, const char *name) {
    for (size_t c = 0; c < r->cols; c++)
        if (strcmp(r->columns[c], name) == 0) return (int)c;
    return -1;
}

double run_metric(const RunRecord *r, const char *name) {
    if (strcmp(name, "final_loss") == 0) return r->final_loss;
    if (strcmp(name, "state_per_layer") == 0) return r->state_per_layer;
    if (strcmp(name, "steps_to_threshold") == 0) return r->steps_to_threshold >= 0 ? (double)r->steps_to_threshold : NAN;
    int c = run_column(r, name);
    if (c < 0) return NAN;
    if (isfinite(r->metric[c])) return r->metric[c];
    for (size_t i = r->rows; i-- > 0;)   /* files written before the attribute existed */
        if (isfinite(r->traj[i * r->cols + (size_t)c])) return r->traj[i * r->cols + (size_t)c];
    return NAN;
}
