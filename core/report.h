/* Turning an experiment file's runs into what a paper needs: the `loft show` summary, Markdown
   and LaTeX (booktabs) tables over seeds with their comparisons, and .dat files for gnuplot with the
   mean and min-max band of the loss over seeds at every logged step. */
#ifndef LOFT_REPORT_H
#define LOFT_REPORT_H
#include <stdio.h>
#include "io/h5results.h"
#include "report_spec.h"

/* one line per run: id, method, rank, seed, status, steps, final loss, steps to threshold (the
   file's text with control characters escaped) */
void report_show(FILE *out, const RunRecord *runs, int n);
/* the tables (rows = labels in first-seen order, columns = ranks, one section per group of
   runs) into <stem>.md and <stem>.tex, and the findings into <stem>_findings.md (findings.h);
   ntables = 0: final loss, steps to the loss threshold and every evaluation column found.
   Cells: mean ± 95 % interval over seeds (a log10 table: geometric mean [95 % interval]) and n,
   the best of a column in bold, and for each family covering the cell (comparisons.h) the paired
   difference to its reference row ± its 95 % interval, marked * when significant after Holm's
   adjustment within the family and ≈ when equivalent within the table's margin; a legend under
   each table names the families and how many tests each adjusts together. expected: the runs
   the experiment plans, tuning runs aside (0: unknown); fewer finished ones put "k of N runs" in
   the header and every caption. Runs of one cell (label, rank, group) whose configs
   (RunRecord.config, read with H5R_CONFIG) differ in a key other than the seed are an error
   naming the cell, two runs and the keys, unless allow_mixed: then a warning on stderr and the
   cell marked ‡. All text of the file is escaped. 0 or -1 (err says why) */
int report_tables(const RunRecord *runs, int n, const char *title, const TableSpec *tables, int ntables,
                  const FamilySpec *families, int nfamilies, int expected, int allow_mixed, const char *stem, char *err,
                  size_t errlen);
/* <dir>/r<rank>__<label>.dat with columns step mean min max std of the loss over seeds, and the
   mean of a dist_to_adamw column (NaN without one); rank 0 is the rank-independent full-AdamW
   reference; each declared curve adds r<rank>__<label>.<name>.dat (step, then mean min max of
   its two columns); each declared table adds summary_r<rank>__<metric>.dat (label, mean, 95 %
   half-width, seeds, diverged) for the at-a-glance figure. Groups go to <dir>/<group>/. Every
   name taken from the file is made one plain file name (no '/', no leading '.'), so nothing is
   written outside dir; two names made alike are an error. 0 or -1. */
int report_export(const RunRecord *runs, int n, const CurveSpec *curves, int ncurves, const TableSpec *tables, int ntables,
                  const char *dir, char *err, size_t errlen);
#endif
