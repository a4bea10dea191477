/* The store's write path (store/merge.c): run files merged into an experiment's results file in
   batches, atomically (a copy renamed over the file), each run file checked to be what it
   claims; and the reads the merge decisions need. Precision-independent. */
#ifndef LOFT_STORE_MERGE_H
#define LOFT_STORE_MERGE_H
#include <stddef.h>

#define STORE_ID_MAX 256   /* a run id's bytes, its NUL included */

/* 1 for a run id the store accepts: 1..255 bytes, no '/', '\', control character or leading '.' */
int store_legal_id(const char *id);

enum { MERGE_FAILED, MERGE_PENDING, MERGE_DONE, MERGE_DROPPED, MERGE_QUARANTINED };

/* one run file to merge: path, and the id it must hold (NULL: any legal id); the rest is
   filled in by store_merge_files */
typedef struct {
    const char *path, *expect_id;
    char id[STORE_ID_MAX];     /* [OUT] its run_id attribute */
    int outcome;               /* [OUT] MERGE_DONE (merged, file removed), MERGE_DROPPED (an interrupted
                                  rerun of a finished run: file removed), MERGE_QUARANTINED (not a
                                  legal run file, or not the run expected: moved to quarantine/ beside
                                  it), MERGE_FAILED (kept in place for the next merge) */
    int interrupted;           /* [OUT] its run never ended (status "running") */
    char message[1400];        /* [OUT] for every outcome but MERGE_DONE */
} MergeItem;

/* Merges the run files items[0..n) into the results file dst (created if missing) with one copy
   of dst: each run /runs/<id> (and its target, stored once under /problems and hard-linked)
   replaces dst's /runs/<id> and nothing else. status_if_running: the status recorded for a run
   that never ended (NULL keeps "running"); such a run never replaces a finished one. owner: the
   experiment file whose runs dst holds, recorded as dst's root attribute experiment_file (NULL:
   left as it is). 0, or -1 when the batch could not be written (err says why; dst unchanged, the
   files kept). */
int store_merge_files(const char *dst, MergeItem *items, int n, const char *status_if_running, const char *owner, char *err,
                      size_t errlen);
/* one run file, as store_merge_files: 0 merged, 1 dropped, -1 not merged (err says why) */
int h5_merge_run(const char *dst, const char *src, const char *status_if_running, char *err, size_t errlen);
/* The run `from` of results copied into a new run file dst as run `to` (the layout of a run file,
   for the merge), attributes role and copy_of = from set, its shared target stored once under
   /problems. Results is only read. 0, or -1 with a message (dst removed). */
int h5_extract_run(const char *results, const char *from, const char *to, const char *role, const char *dst, char *err,
                   size_t errlen);
#endif
