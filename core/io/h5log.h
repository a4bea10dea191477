/* Writing runs to HDF5 (layout in ARCHITECTURE.md): each run is first written to its own partial
   file (results/NAME.h5.partial/run-<index>.h5, flushed every few seconds), then merged into the
   experiment's file under /runs/<id>. The experiment file is open only during a merge, so a
   killed sweep leaves it with every finished run; the partial file keeps the logged steps of the
   run it was in, and is merged (status "interrupted") when the sweep resumes. Strings are
   variable-length UTF-8; numbers are float64 or int64. Precision-independent. */
#ifndef LOFT_H5LOG_H
#define LOFT_H5LOG_H
#include <stddef.h>

typedef struct H5Run H5Run;

/* creates the partial file at path with the group /runs/<id> and its trajectory dataset
   (columns: ncols names); NULL with a message in err */
H5Run *h5run_begin(const char *path, const char *id, const char *const *columns, int ncols,
                   char *err, size_t errlen);
void h5run_attr_str(H5Run *r, const char *name, const char *value);
void h5run_attr_num(H5Run *r, const char *name, double value);
void h5run_attr_int(H5Run *r, const char *name, long long value);
/* one trajectory row (ncols,); flushes the file when 2 s have passed since the last flush */
void h5run_append(H5Run *r, const double *row);
/* dataset <group>/<name> under the run (group "problem" or "final"), float64 of shape dims */
void h5run_dataset(H5Run *r, const char *group, const char *name, const double *data, int ndims,
                   const size_t *dims);
/* the target, stored once per experiment file at /problems/<key> and hard-linked into each run
   as problem/target when merged; key names its content (e.g. a hash) */
void h5run_target(H5Run *r, const char *key, const double *data, size_t rows, size_t cols);
/* sets status (and wall time), flushes and closes; -1 when any write of the run failed (full
   disk, I/O error): the status is then "failed" as far as it could be written */
int h5run_end(H5Run *r, const char *status, double wall_seconds);

/* Moves /runs/<id> (and its target) from the partial file src into the experiment file dst
   (created if missing), replacing an older /runs/<id>; src is deleted after the copy. Atomic:
   the merge goes into a copy that replaces dst by rename(2); on any failure dst is unchanged.
   status_if_running: the status to record when src's run never ended (NULL keeps it); such an
   interrupted run does not replace a finished (complete or diverged) one: src is then dropped
   and 1 returned. 0: merged; -1: failed (err says why; dst unchanged, src kept). */
int h5_merge_run(const char *dst, const char *src, const char *status_if_running, char *err, size_t errlen);
/* Stores /runs/<from> of dst again as /runs/<to> (its target shared), with attributes role and
   copy_of = from: a run whose config equals one already made (a tuning run and the final run
   the tuning chose). Atomic as the merge. 0, or -1 (err says why; dst unchanged). */
int h5_copy_run(const char *dst, const char *from, const char *to, const char *role, char *err, size_t errlen);
/* The same copy into a new run file dst (the layout of a partial run file, as a sweep's or a
   Slurm task's run leaves it, for h5_merge_run): run `from` of results as run `to`, attributes
   role and copy_of set, its shared target stored once under /problems. Results is only read.
   0, or -1 with a message (dst removed). */
int h5_extract_run(const char *results, const char *from, const char *to, const char *role, const char *dst, char *err,
                   size_t errlen);
/* 1 when dst holds /runs/<id> with status complete or diverged and the same config text
   (config_yaml NULL: any config) */
int h5_run_done(const char *dst, const char *id, const char *config_yaml);
/* 1 after an HDF5 file failed to close (full disk): the program must then leave with _exit,
   skipping libhdf5's exit handler, which would crash on that file (everything of ours is
   already closed or reported) */
int h5_close_failed(void);
#endif
