/* The sweep's plan and its one decision (core/sweep/plan.h), on a small MF experiment with tuning:
   a run not stored is trained; stored with the same config it is skipped; stored with another
   config it is refused, naming the key (and --force trains it); --only pulls in the tuning runs
   a tuned run needs (and --force does not rerun those); --set on the tuned key removes the
   tuning; a tuned run waits until its group has chosen; a final run equal to the chosen tuning
   run is a copy; an --only that matches nothing is an error with a suggestion. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check_util.h"
#include "io/files.h"
#include "io/h5log.h"
#include "run.h"
#include "sweep/plan.h"
#include "sweep/pool.h"

static char T[256], lua[512], dir[512];

/* trains run i of p into the store, as a sweep would (its run file, then a merge) */
static void train(Plan *p, int i) {
    char file[STORE_PATH_MAX + 300], err[2048];
    RunInfo info = sweep_run_info(p, i, "test", NULL);
    RunSummary s;
    make_dirs(p->st.partial);
    store_run_file(&p->st, p->e.runs[i].id, file, sizeof file);
    CHECK(run_config(&p->cfgs[i], p->yaml[i], &info, file, &s, err, sizeof err) == 0, "run %s: %s", p->e.runs[i].id, err);
    CHECK(h5_merge_run(p->st.path, file, NULL, err, sizeof err) == 0, "merge %s: %s", p->e.runs[i].id, err);
}

static int index_of(const Plan *p, const char *id) {
    for (int i = 0; i < p->e.nruns; i++) if (strcmp(p->e.runs[i].id, id) == 0) return i;
    return -1;
}

static int load(Plan *p, SweepOptions *o) {
    char err[2048];
    int rc = plan_load(p, lua, o, err, sizeof err);
    if (rc != 0) printf("  (plan_load: %s)\n", err);
    return rc;
}

int main(void) {
    snprintf(T, sizeof T, "/tmp/loft-sweep-XXXXXX");
    if (!mkdtemp(T)) return 1;
    snprintf(lua, sizeof lua, "%s/sw.lua", T);
    snprintf(dir, sizeof dir, "%s/r", T);
    make_dirs(dir);
    FILE *f = fopen(lua, "w");
    fprintf(f, "experiment { name = \"sw\", base = \"configs/mf.yaml\",\n"
               "  set = { [\"in\"] = 8, out = 6, target_rank = 2, steps = 5 }, seeds = { 1, 2 },\n"
               "  variants = { { label = \"lora\", method = \"lora\", rank = 2 }, { label = \"pinned\", method = \"lora\", rank = 2, lr = 0.01 } },\n"
               "  tune = { lr = { 0.001, 0.05 }, on = \"final_loss\", rank = 2, seeds = { 1 } } }\n");
    fclose(f);
    printf("test_sweep (%s)\n", T);
    SweepOptions o;
    memset(&o, 0, sizeof o);
    o.results_dir = dir;
    Plan p;
    CHECK(load(&p, &o) == 0, "plan of 2 tuning + 4 runs");
    CHECK(p.e.nruns == 6 && p.nsel == 6 && p.tuned, "%d runs, %d selected", p.e.nruns, p.nsel);
    const int t1 = index_of(&p, "tune.lora.lr=0.001.seed=1"), t2 = index_of(&p, "tune.lora.lr=0.05.seed=1");
    const int l1 = index_of(&p, "lora.seed=1"), p1 = index_of(&p, "pinned.seed=1");
    CHECK(t1 >= 0 && t2 >= 0 && l1 >= 0 && p1 >= 0, "the ids");
    CHECK(sweep_decide(&p, t1, &o).action == DECIDE_TRAIN, "a tuning run not stored: train");
    CHECK(sweep_decide(&p, l1, &o).action == DECIDE_WAIT, "a tuned run before its tuning: wait");
    CHECK(sweep_decide(&p, p1, &o).action == DECIDE_TRAIN, "a run that sets lr itself: train");
    train(&p, t1);
    train(&p, t2);
    train(&p, p1);
    CHECK(sweep_decide(&p, t1, &o).action == DECIDE_SKIP, "a stored tuning run with its config: skip");
    CHECK(plan_choose(&p, &o, NULL) == 0 && p.chosen[l1][0], "the group chose %s", p.chosen[l1]);
    Decision d = sweep_decide(&p, l1, &o);
    CHECK(d.action == DECIDE_COPY && (d.twin == t1 || d.twin == t2) && strcmp(p.e.runs[d.twin].tune_value, p.chosen[l1]) == 0,
          "the final run equal to the chosen tuning run (seed 1, rank 2): a copy of it");
    o.recompute = 1;
    CHECK(sweep_decide(&p, l1, &o).action == DECIDE_TRAIN, "--recompute: trained");
    o.recompute = 0;
    plan_free(&p);
    /* another config for a stored run: refused with the key, --force trains */
    o.sets[0] = "steps=7";
    o.nsets = 1;
    CHECK(load(&p, &o) == 0, "plan with --set steps=7");
    d = sweep_decide(&p, index_of(&p, "pinned.seed=1"), &o);
    CHECK(d.action == DECIDE_REFUSE && strstr(d.why, "steps: 5 stored, 7 asked"), "refused: '%s'", d.why);
    o.force = 1;
    CHECK(sweep_decide(&p, index_of(&p, "pinned.seed=1"), &o).action == DECIDE_TRAIN, "--force: trained");
    plan_free(&p);
    /* --only pulls in the tuning runs; --force does not rerun those */
    o.nsets = 0;
    o.only = "lora.seed=2";
    CHECK(load(&p, &o) == 0 && p.nsel == 3 && p.pulled == 2, "--only lora.seed=2: itself and its 2 tuning runs (%d)", p.nsel);
    CHECK(sweep_decide(&p, index_of(&p, "tune.lora.lr=0.001.seed=1"), &o).action == DECIDE_SKIP, "a pulled-in tuning run is not forced");
    CHECK(sweep_decide(&p, index_of(&p, "lora.seed=2"), &o).action == DECIDE_TRAIN, "the selected run is");
    plan_free(&p);
    o.force = 0;
    /* --set on the tuned key: no tuning */
    o.only = NULL;
    o.sets[0] = "lr=0.003";
    o.nsets = 1;
    CHECK(load(&p, &o) == 0 && p.nsel == 4 && !p.tuned && p.untuned == 2, "--set lr: 4 runs, none tuned (%d, %d)", p.nsel, p.untuned);
    plan_free(&p);
    o.nsets = 0;
    o.only = "lora.seed=3";
    char err[2048];
    CHECK(plan_load(&p, lua, &o, err, sizeof err) != 0 && strstr(err, "did you mean 'lora.seed=1'?"), "--only matching nothing: %s", err);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", T);
    if (system(cmd) != 0) printf("  (could not remove %s)\n", T);
    return test_exit("test_sweep");
}
