/* Turning an experiment file's runs into what a paper needs: the `loft show` summary, Markdown
   and LaTeX (booktabs) tables of mean +- std over seeds, and .dat files for gnuplot with the
   mean and min-max band of the loss over seeds at every logged step. */
#ifndef LOFT_REPORT_H
#define LOFT_REPORT_H
#include <stdio.h>
#include "io/h5results.h"

/* one line per run: id, method, rank, seed, status, steps, final loss, steps to threshold */
void report_show(FILE *out, const RunRecord *runs, int n);
/* tables of final loss and steps-to-threshold, rows = labels (first-seen order), columns =
   ranks; writes <stem>.md and <stem>.tex; 0 or -1 (err names the file) */
int report_tables(const RunRecord *runs, int n, const char *title, const char *stem, char *err, size_t errlen);
/* <dir>/r<rank>__<label>.dat with columns step mean min max std [dist_mean]; rank 0 is the
   rank-independent full-AdamW reference; runs with test accuracy also get .acc.dat files.
   Groups (ViT targets) go to <dir>/<group>/. Tables get one section per group. 0 or -1. */
int report_export(const RunRecord *runs, int n, const char *dir, char *err, size_t errlen);
#endif
