/* HDF5 reader of /runs/<id> groups: attributes and trajectory. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "h5results.h"

static void attr_str(hid_t g, const char *name, char *buf, size_t n) {
    buf[0] = 0;
    if (H5Aexists(g, name) <= 0) return;
    hid_t a = H5Aopen(g, name, H5P_DEFAULT), sp = H5Aget_space(a), at = H5Aget_type(a);
    int scalar_str = H5Sget_simple_extent_npoints(sp) == 1 && H5Tget_class(at) == H5T_STRING && H5Tis_variable_str(at) > 0;
    H5Tclose(at);
    H5Sclose(sp);
    if (!scalar_str) { H5Aclose(a); return; }   /* not one variable-length string: read as absent */
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL;
    if (H5Aread(a, t, &s) >= 0 && s) { snprintf(buf, n, "%s", s); H5free_memory(s); }
    H5Tclose(t);
    H5Aclose(a);
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

/* the trajectory's column names (always) and, with data, its rows */
static void read_traj(hid_t g, RunRecord *r, int with_data) {
    if (H5Lexists(g, "trajectory", H5P_DEFAULT) <= 0) return;
    hid_t d = H5Dopen2(g, "trajectory", H5P_DEFAULT), sp = H5Dget_space(d);
    hsize_t dims[2] = { 0, 0 };
    if (d < 0 || H5Sget_simple_extent_ndims(sp) != 2) {   /* not a (rows, columns) table: no trajectory */
        if (sp >= 0) H5Sclose(sp);
        if (d >= 0) H5Dclose(d);
        return;
    }
    H5Sget_simple_extent_dims(sp, dims, NULL);
    r->cols = dims[1] < RUN_MAX_COLS ? dims[1] : RUN_MAX_COLS;
    if (with_data) {
        r->rows = dims[0];
        r->traj = malloc(sizeof(double) * (dims[0] * dims[1] + 1));
        if (dims[0] && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, r->traj) < 0) r->rows = 0;
        if (dims[1] > RUN_MAX_COLS) {   /* keep the first columns only */
            for (size_t i = 0; i < r->rows; i++)
                memmove(r->traj + i * RUN_MAX_COLS, r->traj + i * dims[1], sizeof(double) * RUN_MAX_COLS);
        }
    }
    if (H5Aexists(d, "columns") > 0) {
        hid_t a = H5Aopen(d, "columns", H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        char *names[64] = { 0 };
        hid_t asp = H5Aget_space(a), at = H5Aget_type(a);
        int ok = H5Sget_simple_extent_npoints(asp) == (hssize_t)dims[1] && H5Tget_class(at) == H5T_STRING && H5Tis_variable_str(at) > 0;
        H5Tclose(at);
        H5Sclose(asp);
        if (ok && dims[1] <= 64 && H5Aread(a, t, names) >= 0)
            for (size_t c = 0; c < dims[1]; c++) {
                if (c < RUN_MAX_COLS) snprintf(r->columns[c], sizeof r->columns[c], "%s", names[c] ? names[c] : "");
                H5free_memory(names[c]);
            }
        H5Tclose(t);
        H5Aclose(a);
    }
    H5Sclose(sp);
    H5Dclose(d);
}

typedef struct { RunRecord *runs; int n, cap, with_traj; const char *group_attr; } Collect;

static herr_t visit(hid_t grp, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    Collect *c = data;
    hid_t g = H5Gopen2(grp, name, H5P_DEFAULT);
    if (g < 0) return 0;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->runs = realloc(c->runs, sizeof(RunRecord) * c->cap);
    }
    RunRecord *r = &c->runs[c->n++];
    memset(r, 0, sizeof(*r));
    snprintf(r->id, sizeof r->id, "%s", name);
    attr_str(g, "label", r->label, sizeof r->label);
    attr_str(g, "method", r->method, sizeof r->method);
    attr_str(g, "status", r->status, sizeof r->status);
    attr_str(g, c->group_attr, r->group, sizeof r->group);
    attr_str(g, "role", r->role, sizeof r->role);
    attr_str(g, "tune_group", r->tune_group, sizeof r->tune_group);
    attr_str(g, "tuned_key", r->tuned_key, sizeof r->tuned_key);
    attr_str(g, "tuned_value", r->tuned_value, sizeof r->tuned_value);
    attr_str(g, "tuned_on", r->tuned_on, sizeof r->tuned_on);
    r->rank = (long)attr_num(g, "rank", 0);
    r->seed = (long)attr_num(g, "seed", 0);
    r->steps = (long)attr_num(g, "steps", 0);
    r->steps_done = (long)attr_num(g, "steps_done", 0);
    r->diverged_step = (long)attr_num(g, "diverged_step", 0);
    r->steps_to_threshold = (long)attr_num(g, "steps_to_threshold", -1);
    r->final_loss = attr_num(g, "final_loss", NAN);
    r->wall_seconds = attr_num(g, "wall_seconds", NAN);
    r->loss_threshold = attr_num(g, "loss_threshold", NAN);
    char precision[16] = "";
    attr_str(g, "precision", precision, sizeof precision);
    const double pairs = attr_num(g, "adapter_pairs", 0), bytes = attr_num(g, "pair_state_bytes", NAN);
    r->state_per_layer = pairs > 0 ? bytes / (strcmp(precision, "float64") == 0 ? 8.0 : 4.0) / pairs : NAN;
    read_traj(g, r, c->with_traj);
    for (size_t k = 0; k < r->cols; k++) r->metric[k] = attr_num(g, r->columns[k], NAN);
    H5Gclose(g);
    return 0;
}

int h5_read_runs(const char *path, int with_trajectory, const char *group_attr, RunRecord **runs, int *n,
                 char *err, size_t errlen) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    *runs = NULL;
    *n = 0;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) { snprintf(err, errlen, "%s: cannot open as an HDF5 results file", path); return -1; }
    Collect c = { NULL, 0, 0, with_trajectory, group_attr && group_attr[0] ? group_attr : "group" };
    if (H5Lexists(f, "/runs", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "/runs", H5P_DEFAULT);
        H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, visit, &c);
        H5Gclose(g);
    }
    H5Fclose(f);
    *runs = c.runs;
    *n = c.n;
    return 0;
}

int h5_read_run(const char *path, const char *id, int with_trajectory, RunRecord *run) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return -1;
    char name[300];
    snprintf(name, sizeof name, "/runs/%s", id);
    Collect c = { NULL, 0, 0, with_trajectory, "group" };
    if (H5Lexists(f, "/runs", H5P_DEFAULT) > 0 && H5Lexists(f, name, H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "/runs", H5P_DEFAULT);
        visit(g, id, NULL, &c);
        H5Gclose(g);
    }
    H5Fclose(f);
    if (c.n == 1) { *run = c.runs[0]; c.runs[0].traj = NULL; }   /* the caller frees run->traj */
    h5_free_runs(c.runs, c.n);
    return c.n == 1 ? 0 : -1;
}

void h5_free_runs(RunRecord *runs, int n) {
    for (int i = 0; i < n; i++) free(runs[i].traj);
    free(runs);
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
