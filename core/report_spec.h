/* What an experiment declares about its tables and figures (its Lua file's `report` field):
   filled by the Lua binding, read by report.c and `loft figures`. Precision-free. */
#ifndef LOFT_REPORT_SPEC_H
#define LOFT_REPORT_SPEC_H

/* one table: rows = labels, columns = ranks, cells = mean ± std over seeds of `metric`
   (final_loss, steps_to_threshold, or an evaluation column's last value) times scale, printed
   with `digits` decimals (-1: scientific); the best mean of a column is bold (better_higher: 1
   for accuracies, 0 for losses) */
typedef struct { char metric[32], caption[256]; double scale; int digits, better_higher; } TableSpec;
/* .<name>.dat files: mean/min/max over seeds of two evaluation columns (times scale) */
typedef struct { char name[16], col[2][32]; double scale; } CurveSpec;
/* one gnuplot run: the script and its -e text */
typedef struct { char script[256], args[1024]; } FigureSpec;

typedef struct {
    char title[256];
    char group_by[32];          /* string attribute whose values are tabulated apart ("group") */
    char compare_to[64];        /* the label every row is compared with, paired by seed ("lora") */
    TableSpec *tables;
    CurveSpec *curves;
    FigureSpec *figures;
    int ntables, ncurves, nfigures;
} ReportSpec;
#endif
