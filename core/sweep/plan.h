/* The plan of a sweep: an experiment expanded (Lua), every run's config resolved (defaults, base
   YAML, the experiment's overrides, the tuned value, --set), the runs --only selects (with the
   tuning runs their choices need), and the one decision every command makes for a run:
   skip | copy | train, or refuse (a finished run with another config) or wait (its tuning is not
   done). `loft run`, `exec`, `submit` and `status` all decide through sweep_decide.
   Precision-independent. */
#ifndef LOFT_SWEEP_PLAN_H
#define LOFT_SWEEP_PLAN_H
#include <stddef.h>
#include "io/config.h"
#include "lua/lua_experiment.h"
#include "store/store.h"
#include "tune.h"

#define SWEEP_MAX_SETS 64

/* what the command line asks of a plan */
typedef struct {
    const char *only;                    /* glob (or substring) of run ids, NULL: all */
    const char *results_dir;             /* NULL: results */
    const char *sets[SWEEP_MAX_SETS];    /* KEY=VALUE overrides, after the experiment's */
    int nsets, force, recompute;
} SweepOptions;

typedef struct {
    Experiment e;
    RunConfig *cfgs;                     /* (e.nruns,) resolved configs */
    char **yaml;                         /* (e.nruns,) their YAML text */
    char (*chosen)[TUNE_VALUE];          /* (e.nruns,) a tuned run's chosen value, "" until known */
    int *sel, nsel;                      /* the runs selected, in plan order */
    int tuned;                           /* some run is tuned */
    int pulled;                          /* tuning runs added to --only's selection */
    char *pulled_in;                     /* (e.nruns,) 1 for those: --force does not rerun them */
    int untuned;                         /* tuned runs whose key --set fixes (their tuning skipped) */
    Store st;                            /* the results file and its folders */
} Plan;

/* Loads and resolves the plan (the tuned values the results file's tuning runs choose). Every
   run's config is checked before anything runs. 0, or -1 with a message in err. Notices (the
   tuning --set bypasses, the tuning runs --only pulls in) go to stderr. */
int plan_load(Plan *p, const char *path, const SweepOptions *o, char *err, size_t errlen);
void plan_free(Plan *p);
/* resolves run i again (after its group's value was chosen); 0, or -1 with a message */
int plan_resolve(Plan *p, int i, const SweepOptions *o, char *err, size_t errlen);
/* the tuned values from the tuning runs now in the results file, and the runs they set
   resolved again; returns the number of groups without a choice. out: a line per group (NULL:
   silent) */
int plan_choose(Plan *p, const SweepOptions *o, FILE *out);
/* 1 when run id matches the --only pattern (glob with * ? [, else a substring; NULL: all) */
int plan_matches(const char *id, const char *pattern);
/* 1 for a tuning run */
int plan_is_tuning(const Plan *p, int i);

enum { DECIDE_TRAIN, DECIDE_SKIP, DECIDE_COPY, DECIDE_REFUSE, DECIDE_WAIT };
typedef struct {
    int action;        /* DECIDE_* */
    int twin;          /* DECIDE_COPY: the stored tuning run it is copied from */
    char why[1024];    /* DECIDE_REFUSE: the keys that differ from the stored run */
} Decision;
/* What to do with run i now: SKIP (stored, finished, the same config), REFUSE (stored and finished
   with another config: replaced only with --force), WAIT (a tuned run whose group has no choice
   yet), COPY (a final run whose config equals that of the stored tuning run its group chose: a
   copy, unless --recompute or the run writes files of its own), else TRAIN. */
Decision sweep_decide(const Plan *p, int i, const SweepOptions *o);
#endif
