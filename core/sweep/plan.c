/* The plan of a sweep and the skip | copy | train decision (plan.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "io/suggest.h"
#include "sweep/plan.h"
#include "sweep/widen.h"
#include "task.h"

int plan_matches(const char *id, const char *pattern) {
    if (!pattern) return 1;
    if (strpbrk(pattern, "*?[")) return fnmatch(pattern, id, 0) == 0;
    return strstr(id, pattern) != NULL;
}

int plan_is_tuning(const Plan *p, int i) { return strcmp(p->e.runs[i].role, "tune") == 0; }

/* the key of a --set KEY=VALUE into key */
static void set_key(const char *set, char *key, size_t n) {
    const char *eq = strchr(set, '=');
    snprintf(key, n, "%.*s", (int)(eq ? eq - set : (long)strlen(set)), set);
}

static int set_fixes(const SweepOptions *o, const char *key) {
    for (int i = 0; i < o->nsets; i++) {
        char k[128];
        set_key(o->sets[i], k, sizeof k);
        if (strcmp(k, key) == 0) return 1;
    }
    return 0;
}

/* the run's config: defaults, base YAML, the experiment's overrides, the tuned key (key = value
   when key is not NULL), the followed key (fvalue: when not NULL), then --set */
static int resolve(const Experiment *e, const PlannedRun *p, const SweepOptions *o, const char *key, const char *value,
                   const char *fvalue, RunConfig *c, char *err, size_t errlen) {
    config_defaults(c);
    if (config_load_yaml(c, e->base, err, errlen) != 0) return -1;
    char origin[400];
    snprintf(origin, sizeof origin, "%s, run %s", e->path, p->id);
    for (int i = 0; i < p->nov; i++)
        if (config_set(c, p->ov[i].key, p->ov[i].value, origin, err, errlen) != 0) return -1;
    if (key && config_set(c, key, value, origin, err, errlen) != 0) return -1;
    if (fvalue && config_set(c, p->follow_key, fvalue, origin, err, errlen) != 0) return -1;
    for (int i = 0; i < o->nsets; i++) {
        char skey[128];
        set_key(o->sets[i], skey, sizeof skey);
        if (config_set(c, skey, strchr(o->sets[i], '=') + 1, "--set", err, errlen) != 0) return -1;
    }
    if (task_check_config(c, err, errlen) != 0) {
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s, run %s: %s", e->path, p->id, err);
        snprintf(err, errlen, "%s", tmp);
        return -1;
    }
    return 0;
}

/* the value chosen for tuning group `group` (a final run of that group has it), or NULL */
static const char *group_choice(const Plan *p, const char *group) {
    for (int q = 0; q < p->e.nruns; q++)
        if (!plan_is_tuning(p, q) && p->chosen[q][0] && strcmp(p->e.runs[q].tune_group, group) == 0) return p->chosen[q];
    return NULL;
}

/* the first value group `group` tries (a placeholder until its choice is known) */
static const char *group_first(const Plan *p, const char *group) {
    for (int q = 0; q < p->e.nruns; q++)
        if (plan_is_tuning(p, q) && strcmp(p->e.runs[q].tune_group, group) == 0) return p->e.runs[q].tune_value;
    return NULL;
}

/* 1 when run i is a final run still waiting for a choice: its own group's, or the group it follows */
static int waits_for_choice(const Plan *p, int i) {
    const PlannedRun *r = &p->e.runs[i];
    if (plan_is_tuning(p, i)) return 0;
    return (r->tune_key[0] && !p->chosen[i][0]) || (r->follow_key[0] && !group_choice(p, r->follow_group));
}

/* resolves run i (the tuned value of a final run when known, else a placeholder: the first value
   its group tries, so that every key is checked before anything runs; the same for a followed key) */
int plan_resolve(Plan *p, int i, const SweepOptions *o, char *err, size_t errlen) {
    const PlannedRun *r = &p->e.runs[i];
    const char *value = NULL, *fvalue = NULL;
    if (r->tune_key[0] && !plan_is_tuning(p, i)) {
        value = p->chosen[i];
        if (!value[0]) value = group_first(p, r->tune_group);
    }
    if (r->follow_key[0] && !plan_is_tuning(p, i) && !(fvalue = group_choice(p, r->follow_group))) fvalue = group_first(p, r->follow_group);
    if (resolve(&p->e, r, o, value ? r->tune_key : NULL, value, fvalue, &p->cfgs[i], err, errlen) != 0) return -1;
    char text[8192];   /* kept at its own length: a sweep holds one per run */
    config_to_yaml(&p->cfgs[i], text, sizeof text);
    free(p->yaml[i]);
    p->yaml[i] = mallocCheck(strlen(text) + 1);
    memcpy(p->yaml[i], text, strlen(text) + 1);
    return 0;
}

int plan_choose(Plan *p, const SweepOptions *o, FILE *out) {
    int unresolved = tune_choose(&p->e, p->st.path, p->chosen, out);
    char err[2048];
    for (int k = 0; k < p->nsel; k++) {
        const int i = p->sel[k];
        if ((p->e.runs[i].tune_key[0] || p->e.runs[i].follow_key[0]) && !plan_is_tuning(p, i) && !waits_for_choice(p, i) &&
            plan_resolve(p, i, o, err, sizeof err) != 0)
            fprintf(stderr, "error: %s\n", err);
    }
    return unresolved;
}

/* what the experiment names as a metric (`what`, e.g. "report.tables[1]: metric") is a column
   of the task, and its direction (*higher: -1 takes the task's) is the task's; 0, or -1 with a
   message naming the task's columns */
static int check_column(const char *path, const char *what, const char *task, const char *name, int *higher, char *err,
                        size_t errlen) {
    char known[512];
    int dir = 0;
    if (!task_column(task, name, &dir, known, sizeof known)) {
        Suggest sg;
        char hint[SUGGEST_MAX + 32];
        suggest_begin(&sg, name);
        suggest_offer_list(&sg, known, ',');
        const char *best = suggest_best(&sg);
        if (best) while (*best == ' ') best++;
        if (best) snprintf(hint, sizeof hint, "; did you mean '%s'?", best);
        else hint[0] = 0;
        snprintf(err, errlen, "%s: %s '%s' is not a column of task %s%s (its columns: %s)", path, what, name, task, hint, known);
        return -1;
    }
    if (*higher >= 0 && *higher != dir) {
        snprintf(err, errlen, "%s: %s '%s': better = \"%s\" contradicts task %s, for which %s is better (leave better out)",
                 path, what, name, *higher ? "higher" : "lower", task, dir ? "higher" : "lower");
        return -1;
    }
    *higher = dir;
    return 0;
}

/* the report's metrics and the tuning's columns against the task of every selected run */
static int check_columns(Plan *p, const char *path, char *err, size_t errlen) {
    for (int k = 0; k < p->nsel; k++) {
        const char *task = p->cfgs[p->sel[k]].task;
        int seen = 0;
        for (int q = 0; q < k && !seen; q++) seen = strcmp(p->cfgs[p->sel[q]].task, task) == 0;
        if (seen) continue;
        for (int t = 0; t < p->e.report.ntables; t++) {
            char what[64];
            snprintf(what, sizeof what, "report.tables[%d]: metric", t + 1);
            if (check_column(path, what, task, p->e.report.tables[t].metric, &p->e.report.tables[t].better_higher, err, errlen) != 0)
                return -1;
        }
        for (int i = 0; i < p->e.nruns; i++) {
            PlannedRun *r = &p->e.runs[i];
            if (!r->tune_key[0] && !plan_is_tuning(p, i)) continue;
            if (!r->tune_on[0]) continue;
            int higher = r->tune_higher;
            if (check_column(path, "tune.on", task, r->tune_on, &higher, err, errlen) != 0) return -1;
            r->tune_higher = higher;
        }
    }
    return 0;
}

void plan_free(Plan *p) {
    for (int i = 0; p->yaml && i < p->e.nruns; i++) free(p->yaml[i]);
    free(p->yaml); free(p->cfgs); free(p->chosen); free(p->sel); free(p->pulled_in);
    experiment_free(&p->e);
    char err[256];
    store_close(&p->st, err, sizeof err);
    p->yaml = NULL; p->cfgs = NULL; p->chosen = NULL; p->sel = NULL; p->pulled_in = NULL;
}

/* no two selected runs write the same file or folder besides their results (TaskOps.outputs): the
   later run would overwrite the earlier one's adapter or weights without a word. Tuning runs are
   left out: the run they tune waits for them, so what it writes is what stays. 0, or -1 */
static int check_outputs(const Plan *p, const char *path, char *err, size_t errlen) {
    TaskOutput *out = mallocCheck(sizeof(TaskOutput) * TASK_MAX_OUTPUTS * (size_t)(p->nsel ? p->nsel : 1));
    int *count = mallocCheck(sizeof(int) * (size_t)(p->nsel ? p->nsel : 1)), rc = 0;
    char e2[512];
    for (int a = 0; a < p->nsel && rc == 0; a++) {
        const RunConfig *c = &p->cfgs[p->sel[a]];
        const TaskOps *ops = task_find(c->task);
        count[a] = ops && ops->outputs ? ops->outputs(c, out + (size_t)a * TASK_MAX_OUTPUTS, TASK_MAX_OUTPUTS, e2, sizeof e2) : 0;
        if (count[a] < 0) { snprintf(err, errlen, "%s: run %s: %s", path, p->e.runs[p->sel[a]].id, e2); rc = -1; break; }
        if (plan_is_tuning(p, p->sel[a])) count[a] = 0;
        for (int b = 0; b < a && rc == 0; b++)
            for (int i = 0; i < count[a] && rc == 0; i++)
                for (int j = 0; j < count[b]; j++) {
                    const TaskOutput *x = &out[(size_t)a * TASK_MAX_OUTPUTS + i], *y = &out[(size_t)b * TASK_MAX_OUTPUTS + j];
                    if (strcmp(x->path, y->path) != 0) continue;
                    const RunConfig *d = &p->cfgs[p->sel[b]];
                    const char *tell = c->seed != d->seed ? "{seed}" : strcmp(c->method, d->method) != 0 ? "{method}" : "{KEY}";
                    snprintf(err, errlen, "%s: runs %s and %s would both write %s (%s%s%s): put %s in the path, a key whose "
                             "value tells them apart, or run one with --only", path, p->e.runs[p->sel[b]].id, p->e.runs[p->sel[a]].id,
                             x->path, y->key, strcmp(x->key, y->key) ? " and " : "", strcmp(x->key, y->key) ? x->key : "", tell);
                    rc = -1;
                    break;
                }
    }
    free(out);
    free(count);
    return rc;
}

int plan_load(Plan *p, const char *path, const SweepOptions *o, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    p->st.lock = -1;
    if (experiment_load(&p->e, path, err, errlen) != 0) return -1;
    const int n = p->e.nruns ? p->e.nruns : 1;
    p->cfgs = mallocCheck((size_t)n * sizeof(RunConfig));
    p->yaml = mallocCheck((size_t)n * sizeof(char *));
    p->chosen = mallocCheck((size_t)n * TUNE_VALUE);
    p->sel = mallocCheck((size_t)n * sizeof(int));
    if (store_init(&p->st, o->results_dir ? o->results_dir : "results", p->e.name, err, errlen) != 0) { plan_free(p); return -1; }
    store_set_owner(&p->st, path);
    /* --set on a tuned key fixes it: those runs are not tuned, their group's tuning runs not run */
    int dropped = 0;
    char *drop = mallocCheck((size_t)n);
    for (int i = 0; i < p->e.nruns; i++) {
        PlannedRun *r = &p->e.runs[i];
        if (!r->tune_key[0] || !set_fixes(o, r->tune_key)) continue;
        if (plan_is_tuning(p, i)) { drop[i] = 1; dropped++; }
        else { r->tune_key[0] = 0; p->untuned++; }
    }
    if (p->untuned || dropped)
        fprintf(stderr, "note: --set fixes the tuned key of %d run(s), so they are not tuned: their %d tuning run(s) are "
                "skipped\n", p->untuned, dropped);
    for (int i = 0; i < p->e.nruns; i++) p->tuned |= p->e.runs[i].tune_key[0] != 0 && !drop[i];
    /* --only's runs, and the tuning runs their groups' choices need */
    char *want = mallocCheck((size_t)n);
    p->pulled_in = mallocCheck((size_t)n);
    int matched = 0;
    for (int i = 0; i < p->e.nruns; i++) {
        if (drop[i] || !plan_matches(p->e.runs[i].id, o->only)) continue;
        want[i] = 1;
        matched++;
    }
    for (int i = 0; o->only && i < p->e.nruns; i++) {
        if (!want[i] || !(p->e.runs[i].tune_key[0] || p->e.runs[i].follow_key[0]) || plan_is_tuning(p, i)) continue;
        for (int q = 0; q < p->e.nruns; q++)   /* its own group's tuning runs, and those of the group it follows */
            if (!want[q] && !drop[q] && plan_is_tuning(p, q) &&
                ((p->e.runs[i].tune_key[0] && strcmp(p->e.runs[q].tune_group, p->e.runs[i].tune_group) == 0) ||
                 (p->e.runs[i].follow_key[0] && strcmp(p->e.runs[q].tune_group, p->e.runs[i].follow_group) == 0))) {
                want[q] = 1;
                p->pulled_in[q] = 1;
                p->pulled++;
            }
    }
    if (p->pulled)
        fprintf(stderr, "note: --only selects tuned runs: the %d tuning run(s) their choices need are included\n", p->pulled);
    free(drop);
    if (o->only && matched == 0) {
        Suggest sg;
        char hint[SUGGEST_MAX + 32];
        suggest_begin(&sg, o->only);
        for (int i = 0; i < p->e.nruns; i++) suggest_offer(&sg, p->e.runs[i].id, strlen(p->e.runs[i].id));
        suggest_hint(&sg, hint, sizeof hint);
        snprintf(err, errlen, "%s: --only '%s' matches none of its %d run ids%s (loft list %s shows them%s%s)", path, o->only,
                 p->e.nruns, hint, path, p->e.nruns ? "; the first is " : "", p->e.nruns ? p->e.runs[0].id : "");
        free(want);
        plan_free(p);
        return -1;
    }
    for (int i = 0; i < p->e.nruns; i++) {
        if (!want[i]) continue;
        if (!store_legal_id(p->e.runs[i].id)) {
            snprintf(err, errlen, "%s: run id '%s' is not a legal id (1 to 255 characters, no '/', '\\', control characters or "
                     "leading '.'): change its label or grid values", path, p->e.runs[i].id);
            free(want);
            plan_free(p);
            return -1;
        }
        if (plan_resolve(p, i, o, err, errlen) != 0) { free(want); plan_free(p); return -1; }
        p->sel[p->nsel++] = i;
    }
    free(want);
    if (check_columns(p, path, err, errlen) != 0 || check_outputs(p, path, err, errlen) != 0) { plan_free(p); return -1; }
    if (p->tuned && plan_widen(p, o, NULL, err, errlen) < 0) { plan_free(p); return -1; }   /* the values the grids grew to */
    if (p->tuned) plan_choose(p, o, NULL);   /* the tuned values the stored tuning runs choose */
    return 0;
}

/* A final run whose config equals that of the tuning run its group chose (the tuning seed and
   rank, the chosen value) is that run made again: deterministic, the same numbers bit for bit on
   the same code, BLAS and threads (as for any stored run the sweep skips). It is copied from the
   stored tuning run (attribute copy_of) instead of run, unless it writes files besides its
   results (a checkpoint, merged weights). The index of that stored tuning run, or -1. */
static int tuning_twin(const Plan *p, int i) {
    const PlannedRun *r = &p->e.runs[i];
    const char *chosen = p->chosen[i];
    const TaskOps *ops = task_find(p->cfgs[i].task);
    if (!r->tune_key[0] || !chosen[0] || (ops && ops->writes_files && ops->writes_files(&p->cfgs[i]))) return -1;
    for (int q = 0; q < p->e.nruns; q++) {
        const PlannedRun *t = &p->e.runs[q];
        if (!plan_is_tuning(p, q) || strcmp(t->tune_group, r->tune_group) != 0 || strcmp(t->tune_value, chosen) != 0) continue;
        if (store_stored(p->st.path, t->id, p->yaml[i], NULL, 0) == STORED_SAME) return q;   /* the stored tuning run's config must read alike */
    }
    return -1;
}

Decision sweep_decide(const Plan *p, int i, const SweepOptions *o) {
    Decision d = { DECIDE_TRAIN, -1, "" };
    const PlannedRun *r = &p->e.runs[i];
    if (waits_for_choice(p, i)) { d.action = DECIDE_WAIT; return d; }
    const int stored = store_stored(p->st.path, r->id, p->yaml[i], d.why, sizeof d.why);
    if (o->force && !(p->pulled_in && p->pulled_in[i])) return d;   /* --force: the runs asked for, not those pulled in */
    if (stored == STORED_SAME) { d.action = DECIDE_SKIP; return d; }
    if (stored == STORED_DIFFERENT) { d.action = DECIDE_REFUSE; return d; }
    if (!o->recompute && (d.twin = tuning_twin(p, i)) >= 0) d.action = DECIDE_COPY;
    return d;
}
