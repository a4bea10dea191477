/* The comparisons of an experiment's tables, family by family: every cell a family covers
   (row x rank x table x group) against its compare_to row on the same seeds, a paired t-test
   with its 95 % interval, a TOST against the table's margin, and the p-values of each family
   Holm-adjusted together. Read by the tables (their marks) and the findings file. */
#ifndef LOFT_COMPARISONS_H
#define LOFT_COMPARISONS_H
#include <stddef.h>
#include "io/h5results.h"
#include "report_spec.h"
#include "stats.h"

#define ALPHA 0.05   /* the level of every test, after adjustment */

/* one comparison: the cell (group, label, rank) of table `table`, minus the compare_to row's cell
   of its family on the seeds both hold (log10: of their log10 values). t: the paired t-test
   (t.n seeds); p_adj: Holm within the family. p_tost (NaN: the table declares no margin): TOST
   of the paired differences (with a relative margin: of the log ratios) within +-margin, and
   p_tost_adj its Holm adjustment within the family's TOST tests, [lo90, hi90] the 90 % interval
   it places inside +-margin (in the units it tests: differences, or log ratios) */
typedef struct {
    int family, table;
    const char *group, *label;   /* the runs' text */
    long rank;
    PairedT t;
    double p_adj, p_tost, p_tost_adj, margin, lo90, hi90;
} Comparison;

typedef struct {
    Comparison *c;
    int n;
    int *tests, *tost_tests;     /* per family: p-values adjusted together, and TOST p-values */
    int nfamilies;
} Comparisons;

/* 1 significant after adjustment, 2 equivalent within the margin after adjustment, 0 neither */
int comparison_verdict(const Comparison *c);
/* 1 when label matches pattern (a label, or a pattern with * and ?) */
int family_matches(const char *pattern, const char *label);
/* 1 when family f covers the table of metric `metric` and the row `label` (never its compare_to) */
int family_covers(const FamilySpec *f, const char *metric, const char *label);
/* every comparison of the families over the final runs (every group); 0 or -1 (err) */
int comparisons_build(Comparisons *out, const RunRecord *runs, int n, const TableSpec *tables, int ntables,
                      const FamilySpec *families, int nfamilies, char *err, size_t errlen);
void comparisons_free(Comparisons *c);
#endif
