/* Writing a run to HDF5 as it goes: each run writes its own run file (results/NAME.h5.partial/
   <id>.h5 in a sweep, flushed every few seconds), which the store (store/merge.h) later merges
   into the experiment's file under /runs/<id>. A killed run's file keeps its logged steps.
   Strings are variable-length UTF-8; numbers are float64 or int64. Precision-independent. */
#ifndef LOFT_H5LOG_H
#define LOFT_H5LOG_H
#include <stddef.h>

typedef struct H5Run H5Run;

/* creates the run file at path (a fresh file: whatever was at that name, a symlink included,
   is unlinked first, never followed) with the group /runs/<id> and its trajectory dataset
   (columns: ncols names); NULL with a message in err */
H5Run *h5run_begin(const char *path, const char *id, const char *const *columns, int ncols,
                   char *err, size_t errlen);
void h5run_attr_str(H5Run *r, const char *name, const char *value);
void h5run_attr_num(H5Run *r, const char *name, double value);
void h5run_attr_int(H5Run *r, const char *name, long long value);
/* writes what the run file holds so far to disk (its attributes, the rows logged) */
void h5run_flush(H5Run *r);
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

/* 1 after an HDF5 file failed to close (full disk): the program must then leave with _exit,
   skipping libhdf5's exit handler, which would crash on that file (everything of ours is
   already closed or reported) */
int h5_close_failed(void);
#endif
