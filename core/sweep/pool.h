/* Running a sweep's runs: N at a time in N processes (or in this one), each into its run file in
   the store's partial folder, handed to the store as it finishes (batched merges). Prints a line
   per finished run ("[k/N] id: status, ..."), a live progress line with the run's and the
   sweep's ETA on a terminal, a progress line every 30 s in a log. SIGINT/SIGTERM stop it: the
   running runs end with status "interrupted" (their logged steps kept), nothing new starts,
   everything finished is merged. Precision-independent. */
#ifndef LOFT_SWEEP_POOL_H
#define LOFT_SWEEP_POOL_H
#include "run.h"
#include "start_evals.h"
#include "sweep/plan.h"

typedef struct {
    int jobs;              /* runs at a time (processes when > 1) */
    int recompute;         /* no step-0 evaluation taken from another run */
    const char *rev;       /* the code's revision, recorded by every run */
    StartEvals *starts;    /* the step-0 evaluations made in this invocation */
    /* [OUT] counts, accumulated over calls */
    int done, failed, interrupted;
} Pool;

/* Trains runs todo[0..ntodo) of p (indices into p->e.runs) into p's store (p->st, locked). */
void sweep_pool(Plan *p, const int *todo, int ntodo, Pool *pool);
/* the info run_config takes for run i of p: its ids, the code's revision rev, its tuning, and
   the step-0 evaluation it takes from an earlier run (se, or NULL) */
RunInfo sweep_run_info(const Plan *p, int i, const char *rev, const StartEval *se);
/* "[done/total] id: status, loss, steps, seconds (steps/s)" on stdout */
void sweep_print_summary(int done, int total, const char *id, const RunSummary *s);
/* installs the SIGINT/SIGTERM handlers that set run_stop_signal (run.h) */
void sweep_catch_signals(void);
#endif
