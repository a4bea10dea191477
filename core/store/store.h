/* The results store of one experiment: RESULTS/NAME.h5 (a symlink to it resolved once: one real
   path, one lock), its lock, the run files a sweep leaves in NAME.h5.partial/ and Slurm tasks in
   NAME.h5.slurm/, and their batched merge (store/merge.h). A sweep hands each finished run file
   to store_add, which merges the waiting ones in one batch once they weigh half the results file
   (or after a while): a run costs O(its own size), never O(results file). What is stored decides
   what a sweep may do: store_stored says whether a run is there, finished, with the config
   asked for, and names the keys that differ. Precision-independent. */
#ifndef LOFT_STORE_H
#define LOFT_STORE_H
#include <stddef.h>
#include "store/merge.h"

#define STORE_PATH_MAX 1024   /* a results file's path, its NUL included */

typedef struct {
    char path[STORE_PATH_MAX];            /* the results file (a symlink's target) */
    char partial[STORE_PATH_MAX + 16];    /* path.partial: the run files of a sweep */
    char slurm[STORE_PATH_MAX + 16];      /* path.slurm: the run files of Slurm array tasks */
    int lock;                             /* the held lock's descriptor, -1 when not held */
    char **pending, (*pending_id)[STORE_ID_MAX];   /* finished run files waiting for a merge */
    int npending, cap;
    long long pending_bytes;
    double last_merge, merge_seconds;     /* when the last batch was merged, how long it took */
    int merged_total;                     /* runs merged by this handle */
    int failed_batches;                   /* batches that could not be written (full disk, ...) */
    int retry_at;                         /* after a failed batch: waiting runs before the next try */
    char owner[STORE_PATH_MAX];           /* the experiment file (real path) whose runs it holds, "" if unknown */
} Store;

/* s [OUT] for the results file DIR/NAME.h5 (not opened, not locked). A results file that is a
   symlink is resolved to its target once; a dangling one is an error. A path that does not fit
   is an error, never cut. 0, or -1 with a message. */
int store_init(Store *s, const char *dir, const char *name, char *err, size_t errlen);
/* the same for a results file named by its path */
int store_init_file(Store *s, const char *results, char *err, size_t errlen);
/* Takes the store's exclusive lock (PATH.lock, never through a symlink), waiting up to wait_s
   seconds (0: not at all). 0, or -1 with a message naming the holder's pid. */
int store_lock(Store *s, int wait_s, char *err, size_t errlen);
/* merges what waits (store_flush), then releases the lock and frees the handle's lists; the
   merge's error, if any, goes to err (0 or -1) */
int store_close(Store *s, char *err, size_t errlen);

/* path of the sweep's run file for run id: PATH.partial/<id>.h5 (0, or -1 when it does not fit) */
int store_run_file(const Store *s, const char *id, char *buf, size_t n);
/* A finished run file (of run id) for the results: merged now or in a later batch. The caller
   holds the lock. 0, or -1 when a merge due now failed (err; the files wait for the next). */
int store_add(Store *s, const char *file, const char *id, char *err, size_t errlen);
/* merges every waiting run file now; 0, or -1 (err; the files are kept) */
int store_flush(Store *s, char *err, size_t errlen);
/* Merges in one batch every run file *.h5 in dir (a killed sweep's leftovers, the files Slurm
   tasks finished), each expected to hold the run its name says (<id>.h5), status_if_running
   for runs that never ended. Each file's outcome other than a merge is printed to stderr when
   tell. Returns the number merged, -1 when the batch failed (err). The caller holds the lock. */
int store_merge_dir(Store *s, const char *dir, const char *status_if_running, int tell, char *err, size_t errlen);

enum { STORED_NONE, STORED_SAME, STORED_DIFFERENT, STORED_UNFINISHED };
/* What the results file holds of run id against the config asked for (its YAML text):
   STORED_NONE (no such run), STORED_UNFINISHED (interrupted, failed or running: a sweep may run
   it again), STORED_SAME (complete or diverged with that config; config_yaml NULL: any config), STORED_DIFFERENT (complete or
   diverged with another config: the keys that differ and both values, "steps: 200 stored, 50
   asked", go to diff) */
int store_stored(const char *results, const char *id, const char *config_yaml, char *diff, size_t n);
/* the keys whose values differ between two configs' YAML texts (a: stored, b: asked), as
   "key: A stored, B asked" joined by "; "
   into diff (cut with "..." when it does not fit); their number, -1 when either does not parse */
int store_config_diff(const char *a, const char *b, char *diff, size_t n);

/* the experiment file whose runs this store holds (recorded in the results file by each merge);
   0, or -1 when its real path cannot be had */
int store_set_owner(Store *s, const char *experiment_file);
/* 0 when the results file is new, holds no owner, or is owned by s->owner (or by a file that no
   longer exists); -1 with a message when another experiment file's runs are there */
int store_check_owner(const Store *s, char *err, size_t errlen);

/* Rewrites the results file without the space replaced runs left behind (h5repack, which keeps
   the hard links), checks that it lists the same runs, keeps its mode and renames it over the
   file. The caller holds the lock. 0, or -1 with a message (the file unchanged). */
int store_compact(const Store *s, char *err, size_t errlen);
#endif
