/* Tuning grids that grow until the choice is inside them (experiment{ tune = { widen = N } }):
   when every tuning run of a group is finished and the best value is the smallest or the largest
   the group tried, the plan gains the next value beyond it (the declared grid's mean ratio, two
   significant digits) at every tuning seed, up to N added values on each side. What is added
   follows from the stored tuning runs alone, so `loft run`, `submit`, `exec` and `status` all
   plan the same runs. Precision-independent. */
#ifndef LOFT_SWEEP_WIDEN_H
#define LOFT_SWEEP_WIDEN_H
#include <stdio.h>
#include "sweep/plan.h"

/* Adds (selected and resolved) the tuning runs the stored results ask for, again while what it
   added is stored and finished too. Returns the number of runs added (a line per widened group
   on out, NULL: silent), or -1 with a message in err. */
int plan_widen(Plan *p, const SweepOptions *o, FILE *out, char *err, size_t errlen);

#endif
