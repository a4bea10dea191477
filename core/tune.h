/* Hyper-parameters chosen on validation data (experiment{ tune = ... }): from the tuning runs
   already in a results file, the value of the tuned key each group of runs gets. Precision-free. */
#ifndef LOFT_TUNE_H
#define LOFT_TUNE_H
#include <stdio.h>
#include "lua/lua_experiment.h"

#define TUNE_VALUE 64

/* chosen[i] (e->nruns entries of TUNE_VALUE bytes) [OUT]: for each final run i with a tune_key,
   the value whose tuning runs in results (complete, same group) have the best mean of tune_on;
   "" when its group has no complete tuning run with that metric, or a value its grid grew to
   (sweep/widen.h) is not finished yet. Prints one line per group to
   out (NULL: silent). Returns the number of groups left without a choice. */
int tune_choose(const Experiment *e, const char *results, char (*chosen)[TUNE_VALUE], FILE *out);
#endif
