/* The step-0 evaluations a sweep has made, by the start they evaluate (start_evals.h). */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "methods/methods.h"
#include "start_evals.h"

/* keys that act only after step 0: the method and AdamW's keys, every method setting
   (settings.def), how long, what is logged and when */
static const char *const AFTER_START[] = {
    "method", "steps", "lr", "beta1", "beta2", "eps", "weight_decay",
#define OPTIM_SETTING(name, type, size, lo, hi, choices, def, methods, ablation, help) #name,
#include "methods/settings.def"
#undef OPTIM_SETTING
    "eval_every", "log_every", "loss_threshold", "memory_limit_gb", "batch_threads",
};

void start_key(const RunConfig *c, const char *yaml, char *key, size_t n) {
    size_t used = 0;
    key[0] = 0;
    for (const char *line = yaml; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        int keep = 1;
        for (size_t i = 0; colon && keep && i < sizeof AFTER_START / sizeof AFTER_START[0]; i++)
            keep = !((size_t)(colon - line) == strlen(AFTER_START[i]) && memcmp(line, AFTER_START[i], (size_t)(colon - line)) == 0);
        if (keep && used + len + 1 < n) { memcpy(key + used, line, len); used += len; key[used++] = '\n'; key[used] = 0; }
        line += len + (end ? 1 : 0);
    }
    snprintf(key + used, n - used, "adapter: %d\nscale: %.17g\n", (int)method_adapter(c->method), config_scale(c));
}

void start_evals_add(StartEvals *s, const char *key, const RunRecord *run) {
    if (start_evals_find(s, key) || !run->traj || run->rows == 0 || run->traj[0] != 0) return;
    if (strcmp(run->status, "complete") != 0 && strcmp(run->status, "diverged") != 0) return;
    size_t first = 0;   /* the evaluation columns follow time_s */
    while (first < run->cols && strcmp(run->columns[first], "time_s") != 0) first++;
    if (++first > run->cols) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->e = reallocCheck(s->e, sizeof(StartEval) * (size_t)s->cap);
    }
    StartEval *e = &s->e[s->n++];
    e->key = mallocCheck(strlen(key) + 1);
    memcpy(e->key, key, strlen(key) + 1);
    snprintf(e->from, sizeof e->from, "%s", run->id);
    e->n = (int)(run->cols - first);
    for (int i = 0; i < e->n; i++) e->values[i] = run->traj[first + (size_t)i];
}

const StartEval *start_evals_find(const StartEvals *s, const char *key) {
    for (int i = 0; i < s->n; i++) if (strcmp(s->e[i].key, key) == 0) return &s->e[i];
    return NULL;
}

void start_evals_free(StartEvals *s) {
    for (int i = 0; i < s->n; i++) free(s->e[i].key);
    free(s->e);
    memset(s, 0, sizeof *s);
}
