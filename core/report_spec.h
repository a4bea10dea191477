/* What an experiment declares about its tables and figures (its Lua file's `report` field):
   filled by the Lua binding, read by report.c, comparisons.c and `loft figures`. Precision-free. */
#ifndef LOFT_REPORT_SPEC_H
#define LOFT_REPORT_SPEC_H

/* one table: rows = labels, columns = ranks, cells = mean ± 95 % interval over seeds of `metric`
   (final_loss, steps_to_threshold, or an evaluation column's last value) times scale, printed
   with `digits` decimals (-1: scientific); the best mean of a column is bold (better_higher: 1
   for accuracies, 0 for losses). log_scale: a quantity spanning orders of magnitude, summarised by
   its geometric mean and the 95 % interval of its log10, compared by paired log10 differences.
   margin (0: none): the equivalence margin of a paired difference (TOST), in the table's units
   (log10 units in a log10 table), or with margin_relative a fraction of the compared row's value
   (0.02: 2 %), tested on the paired log ratios within +-log(1 + margin). test_items: the metric is a
   proportion of the run's test items (an accuracy), and a cell's interval also carries the test
   set's sampling error (binomial, over those items: the seeds share one test set, so it does not
   shrink with more seeds); paired differences (the same items) keep the seeds' interval */
typedef struct {
    char metric[32], caption[256];
    double scale;
    int digits, better_higher, log_scale, test_items;
    double margin;
    int margin_relative;
} TableSpec;
/* .<name>.dat files: mean/min/max over seeds of two evaluation columns (times scale) */
typedef struct { char name[16], col[2][32]; double scale; } CurveSpec;
/* one gnuplot run: the script and its -e text */
typedef struct { char script[256], args[1024]; } FigureSpec;

#define FAMILY_ROWS 64
#define FAMILY_METRICS 16
/* a family of comparisons: every cell of the rows matching `rows` (labels, or patterns with * and
   ?; none: every row but compare_to), in the tables of `metrics` (none: every table), at every
   rank and in every group, paired by seed with the compare_to row's cell; the p-values of a
   family are Holm-adjusted together */
typedef struct {
    char name[128], compare_to[64];
    char rows[FAMILY_ROWS][64];
    char metrics[FAMILY_METRICS][32];
    int nrows, nmetrics;
} FamilySpec;

typedef struct {
    char title[256];
    char group_by[32];          /* string attribute whose values are tabulated apart ("group") */
    char compare_to[64];        /* no families declared: one family, every row against this label ("lora") */
    TableSpec *tables;
    CurveSpec *curves;
    FigureSpec *figures;
    FamilySpec *families;
    int ntables, ncurves, nfigures, nfamilies;
} ReportSpec;
#endif
