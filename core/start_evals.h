/* The evaluations at step 0 that a sweep has already made, for the runs that start from the same
   function: the step-0 row depends only on the model at its start and on the evaluation data,
   never on the optimizer, so runs that differ only in optimizer keys (method within one adapter
   kind, lr, the LoFT toggles, ...) share it. `loft run` keeps them for one invocation (the same
   binary, the same files) and hands a hit to the next run instead of evaluating again. */
#ifndef LOFT_START_EVALS_H
#define LOFT_START_EVALS_H
#include <stddef.h>
#include "io/config.h"
#include "io/h5results.h"

/* key [OUT]: the resolved config yaml without the keys that act only after step 0 (optimizer,
   steps, logging), with the method replaced by its adapter kind and scale */
void start_key(const RunConfig *c, const char *yaml, char *key, size_t n);

typedef struct {
    char *key;
    char from[256];          /* the run whose step-0 row it is */
    double values[RUN_MAX_COLS];
    int n;
} StartEval;

typedef struct { StartEval *e; int n, cap; } StartEvals;

/* keeps the step-0 evaluation of run (read with its trajectory) under key, when it has one */
void start_evals_add(StartEvals *s, const char *key, const RunRecord *run);
const StartEval *start_evals_find(const StartEvals *s, const char *key);
void start_evals_free(StartEvals *s);
#endif
