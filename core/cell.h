/* The cells of a table: the groups, labels and ranks a set of runs holds, and the values of one
   cell (label, rank) over its seeds with their mean and 95 % interval. Precision-free. */
#ifndef LOFT_CELL_H
#define LOFT_CELL_H
#include "io/h5results.h"
#include "report_spec.h"

#define CELL_MAX 256            /* seeds in one cell */

/* the runs of (label, rank) that the tables count (finished or diverged): n of them, diverged
   that diverged; the others' values of the metric (times scale) by seed, their mean and sample
   std and the 95 % half-width (NaN below 2 seeds). A log10 table: only positive values count,
   mean is their geometric mean and [lo, hi] its 95 % interval (10^(mean log10 -+ half-width));
   a linear one: [lo, hi] = mean -+ half. reached: runs that reached the loss threshold (-1: the
   runs carry none). rank0: every run of the cell is rank-independent (full AdamW, rank 0). A
   test_items table: half = sqrt(half_seeds^2 + (1.96 se)^2), se = sqrt(p (1 - p) / items) of
   the mean proportion p (the test set's sampling error, which the seeds share) */
typedef struct {
    int n, ok, diverged, reached, rank0;
    double mean, sd, half, lo, hi;
    double items;          /* test_items tables: the test items behind each value (NaN: unknown) */
    long seed[CELL_MAX];
    double v[CELL_MAX];
} Cell;

/* a run the tables count: finished, or diverged */
int cell_tabulated(const RunRecord *r);
/* the cell (label, rank) of table t over runs; rank-0 runs (full AdamW) count for every rank */
void cell_of(Cell *c, const RunRecord *runs, int n, const char *label, long rank, const TableSpec *t);
/* distinct labels (first-seen order) into labels (n + 1); their count */
int cell_labels(const RunRecord *runs, int n, const char **labels);
/* sorted distinct non-zero ranks into ranks (n + 1); their count */
int cell_ranks(const RunRecord *runs, int n, long *ranks);
/* distinct groups (first-seen order) into groups (n + 1); their count */
int cell_groups(const RunRecord *runs, int n, const char **groups);
/* the runs of group g copied into out (n + 1); their count */
int cell_group_runs(const RunRecord *runs, int n, const char *g, RunRecord *out);
#endif
