/* The `loft` Lua module: the only place that knows Lua. It runs an experiment file (which calls
   experiment{...}, see core/lua/experiment.lua) and returns its expanded list of runs and its report declaration. */
#ifndef LOFT_LUA_EXPERIMENT_H
#define LOFT_LUA_EXPERIMENT_H
#include <stddef.h>
#include "../report_spec.h"

typedef struct { char key[64]; char value[256]; } Override;
/* one run of the expansion. Tuning (experiment{ tune = ... }): a run with role "tune" tries
   tune_key = tune_value for its group; a final run with tune_key set gets the value its group's
   tuning runs chose (by the mean of the evaluation column tune_on; tune_higher: larger is better) */
typedef struct {
    char id[256], label[64];
    Override *ov;
    int nov;
    char role[8];                 /* "" (a final run) or "tune" */
    char tune_group[256], tune_key[64], tune_value[64], tune_on[64];
    int tune_higher;
    int tune_widen;               /* a tuning run: steps its group's grid may grow on each side (tune.widen) */
    int widened;                  /* a tuning run the sweep added beyond the declared grid (sweep/widen.h) */
    /* follow = { KEY = "LABEL" }: a final run whose KEY (e.g. reference_lr) takes the value of the
       tuned key chosen for group follow_group (the row LABEL's matching group); "" when none */
    char follow_key[64], follow_group[256];
} PlannedRun;
typedef struct {
    char name[64], base[256], path[256];
    PlannedRun *runs;
    int nruns;
    ReportSpec report;          /* its declared tables and figures */
    char notice[512];           /* "" or a note experiment_load also printed on stderr ("path: ...") */
} Experiment;

/* 0, or -1 with "path: message" in err (Lua errors keep their line numbers). Reading a global the
   file never defined is an error ("path:line: undefined name 'x'"). */
int experiment_load(Experiment *e, const char *path, char *err, size_t errlen);
void experiment_free(Experiment *e);
#endif
