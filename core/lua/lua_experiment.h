/* The `loft` Lua module: the only place that knows Lua. It runs an experiment file (which calls
   experiment{...}, see core/lua/experiment.lua) and returns its expanded list of runs and its report declaration. */
#ifndef LOFT_LUA_EXPERIMENT_H
#define LOFT_LUA_EXPERIMENT_H
#include <stddef.h>
#include "../report_spec.h"

typedef struct { char key[64]; char value[256]; } Override;
typedef struct { char id[256]; char label[64]; Override *ov; int nov; } PlannedRun;
typedef struct {
    char name[64], base[256], path[256];
    PlannedRun *runs;
    int nruns;
    ReportSpec report;          /* its declared tables and figures */
} Experiment;

/* 0, or -1 with "path: message" in err (Lua errors keep their line numbers) */
int experiment_load(Experiment *e, const char *path, char *err, size_t errlen);
void experiment_free(Experiment *e);
#endif
