/* The Lua experiment API: grid expansion (variants x grid x seeds), the order and content of the
   overrides, run ids, the automatic full-AdamW reference, and the errors of a bad experiment file
   (each names the file and, for Lua errors, the line): strict globals, "did you mean", the hint
   for the keyword key `in`, and the note on an experiment with neither variants nor grid. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include "check_util.h"
#include "lua/lua_experiment.h"

static char dir[64];


static const PlannedRun *find(const Experiment *e, const char *id) {
    for (int i = 0; i < e->nruns; i++)
        if (strcmp(e->runs[i].id, id) == 0) return &e->runs[i];
    return NULL;
}

static const char *ov(const PlannedRun *r, const char *key) {
    const char *v = NULL;   /* the last override of key wins, as in resolution */
    for (int i = 0; i < r->nov; i++)
        if (strcmp(r->ov[i].key, key) == 0) v = r->ov[i].value;
    return v;
}

static void expansion(void) {
    Experiment e;
    char err[1024];
    int rc = experiment_load(&e, "tests/data/tiny.lua", err, sizeof err);
    CHECK(rc == 0, "tiny.lua: %s", err);
    if (rc) return;
    CHECK(strcmp(e.name, "tiny") == 0 && strcmp(e.base, "configs/mf.yaml") == 0, "name/base: %s %s", e.name, e.base);
    /* adamw: 2 seeds (rank pinned); lora, loft: 2 ranks x 2 seeds; boom: 2 seeds */
    CHECK(e.nruns == 12, "tiny.lua expands to %d runs, expected 12", e.nruns);
    const PlannedRun *a = find(&e, "adamw.seed=2"), *l = find(&e, "loft.rank=1.seed=2"), *b = find(&e, "boom.seed=1");
    CHECK(a && l && b, "expected run ids adamw.seed=2, loft.rank=1.seed=2, boom.seed=1");
    if (a && l && b) {
        CHECK(strcmp(ov(a, "method"), "adamw") == 0 && strcmp(ov(a, "rank"), "2") == 0, "adamw overrides");
        CHECK(strcmp(ov(l, "rank"), "1") == 0 && strcmp(ov(l, "seed"), "2") == 0 && strcmp(ov(l, "method"), "loft") == 0,
              "loft overrides: rank %s seed %s", ov(l, "rank"), ov(l, "seed"));
        CHECK(strcmp(ov(l, "in"), "24") == 0 && strcmp(ov(l, "lr"), "0.05") == 0, "set{} reaches every run (in=%s lr=%s)", ov(l, "in"), ov(l, "lr"));
        CHECK(strcmp(ov(b, "lr"), "1e+300") == 0,
              "a variant's key overrides set{} (lr=%s)", ov(b, "lr"));
        CHECK(ov(l, "reference_distance") && strcmp(ov(l, "reference_distance"), "true") == 0,
              "an adamw variant turns reference_distance on for every run");
        /* order: set first, variant after the grid, seed last */
        CHECK(strcmp(l->ov[0].key, "in") == 0 && strcmp(l->ov[l->nov - 1].key, "seed") == 0, "override order");
    }
    printf("  %s tiny.lua: 12 runs, ids, overrides and their order\n", g_failures ? "FAIL" : "ok  ");
    experiment_free(&e);
}

/* a variant's own tuning values (tune_values): its tuning runs take them, the others the
   experiment's list, and tune_values is no config key */
static void tune_values(void) {
    Experiment e;
    char err[1024];
    const char *path = write_temp(dir, "tv.lua",
        "experiment{ base = 'configs/mf.yaml', seeds = { 1 }, variants = { { label = 'lora', method = 'lora' },\n"
        "  { label = 'alt', method = 'altlora', tune_values = { 10, 1000 } } },\n"
        "  tune = { lr = { 0.001, 0.05, 0.1 }, on = 'final_loss' } }\n");
    int rc = experiment_load(&e, path, err, sizeof err);
    CHECK(rc == 0, "tv.lua: %s", err);
    if (rc) return;
    CHECK(e.nruns == 3 + 2 + 2, "tune_values: %d runs, expected 3 + 2 tuning runs and 2 final runs", e.nruns);
    const PlannedRun *t10 = find(&e, "tune.alt.lr=10.seed=1"), *t3 = find(&e, "tune.lora.lr=0.1.seed=1");
    CHECK(t10 && t3 && !find(&e, "tune.alt.lr=0.1.seed=1") && !find(&e, "tune.lora.lr=10.seed=1"),
          "each variant is tuned over its own values");
    const PlannedRun *alt = find(&e, "alt.seed=1");
    CHECK(alt && ov(alt, "tune_values") == NULL && strcmp(alt->tune_key, "lr") == 0, "tune_values is not a config override");
    printf("  %s tune_values: a variant's own tuning values\n", g_failures ? "FAIL" : "ok  ");
    experiment_free(&e);
}

/* tune_at: a variant tuned at another value of a key tune fixes (here rank 4 instead of 2) */
static void tune_at(void) {
    Experiment e;
    char err[1024];
    const char *path = write_temp(dir, "ta.lua",
        "experiment{ base = 'configs/mf.yaml', seeds = { 1 }, grid = { rank = { 2, 4 } },\n"
        "  variants = { { label = 'a', method = 'lora' }, { label = 'b', method = 'lora', tune_at = { rank = 4 } } },\n"
        "  tune = { lr = { 0.01, 0.1 }, on = 'final_loss', rank = 2 } }\n");
    int rc = experiment_load(&e, path, err, sizeof err);
    CHECK(rc == 0, "ta.lua: %s", err);
    if (rc) return;
    CHECK(e.nruns == 4 + 4, "tune_at: %d runs, expected 2 x 2 tuning runs and 4 final runs", e.nruns);
    const PlannedRun *ta = find(&e, "tune.a.lr=0.01.seed=1"), *tb = find(&e, "tune.b.lr=0.01.seed=1");
    const PlannedRun *b2 = find(&e, "b.rank=2.seed=1");
    CHECK(ta && tb && b2 && strcmp(ov(ta, "rank"), "2") == 0 && strcmp(ov(tb, "rank"), "4") == 0,
          "a is tuned at tune's rank 2, b at its tune_at rank 4");
    CHECK(b2 && ov(b2, "tune_at") == NULL && strcmp(b2->tune_group, "b") == 0, "tune_at is not a config override; b's ranks share one choice");
    printf("  %s tune_at: a variant's own fixed keys for its tuning runs\n", g_failures ? "FAIL" : "ok  ");
    experiment_free(&e);
}

static void expect_error(const char *name, const char *text, const char *expect) {
    Experiment e;
    char err[1024] = "";
    const char *path = write_temp(dir, name, text);
    int rc = experiment_load(&e, path, err, sizeof err);
    int ok = rc != 0 && strstr(err, expect) != NULL;
    CHECK(ok, "%s: expected an error containing '%s', got '%s'", name, expect, err);
    if (ok) printf("  ok   %s\n", err);
    if (rc == 0) experiment_free(&e);
}

/* the file loads; its run count is nruns (-1: any) */
static void expect_ok(const char *name, const char *text, int nruns, const char *what) {
    Experiment e;
    char err[1024] = "";
    int rc = experiment_load(&e, write_temp(dir, name, text), err, sizeof err);
    CHECK(rc == 0 && (nruns < 0 || e.nruns == nruns), "%s: rc %d, %d runs, expected %d (%s)", name, rc, rc ? 0 : e.nruns, nruns, err);
    printf("  %s %s\n", rc == 0 && (nruns < 0 || e.nruns == nruns) ? "ok  " : "FAIL", what);
    if (rc == 0) experiment_free(&e);
}

/* reading a name nobody defined is an error at its line; defining globals, the standard library
   and the DSL's functions keep working */
static void strict_globals(void) {
    char want[256];
    snprintf(want, sizeof want, "%s/typo.lua:3: undefined name 'rnaks'; did you mean 'ranks'?", dir);
    expect_error("typo.lua", "local ranks = { 1, 2 }\nexperiment { base = 'configs/mf.yaml',\n  grid = { rank = rnaks } }\n", want);
    {   /* nothing close: no suggestion */
        Experiment e;
        char err[1024] = "";
        int rc = experiment_load(&e, write_temp(dir, "typo2.lua", "experiment { base = 'configs/mf.yaml',\n  variants = { { method = lroa } } }\n"),
                                 err, sizeof err);
        snprintf(want, sizeof want, "%s/typo2.lua:2: undefined name 'lroa'", dir);
        CHECK(rc != 0 && strcmp(err, want) == 0, "an undefined name with no close one: expected '%s', got '%s'", want, err);
        if (rc == 0) experiment_free(&e);
    }
    expect_error("fn.lua", "function helper(x) return x * steps_per_rank end\nexperiment { base = 'b', set = { steps = helper(2) } }\n",
                 "fn.lua:1: undefined name 'steps_per_rank'");
    expect_error("global.lua", "RANKS = { 1, 2 }\nexperiment { base = 'b', grid = { rank = RANKs } }\n",
                 "undefined name 'RANKs'; did you mean 'RANKS'?");
    expect_error("expt.lua", "experimnet { base = 'b' }\n", "expt.lua:1: undefined name 'experimnet'; did you mean 'experiment'?");
    expect_ok("globals_ok.lua",
              "RANKS = { 1, 2 }                                  -- a new global\n"
              "function lrs(n) local t = {} for i = 1, n do t[#t + 1] = 10 ^ -i end return t end\n"
              "local steps = math.floor(2.5 * 100)\n"
              "local label = string.format('lora-%d', 1)\n"
              "local v = { { label = label, method = 'lora' } }\n"
              "table.insert(v, { label = 'loft', method = 'loft' })\n"
              "assert(type(pairs) == 'function' and select('#', 1, 2) == 2 and tostring(1) == '1' and rawget(_G, 'nope') == nil)\n"
              "experiment { base = 'configs/mf.yaml', set = { steps = steps, lr = lrs(2)[2] }, grid = { rank = RANKS },\n"
              "  variants = with_block_ablations(v, { lr = 0.5 }), seeds = { 1 } }\n",
              8 * 2, "strict globals: new globals, locals, the standard library and with_block_ablations still work");
}

/* `in` is a Lua keyword: a syntax error at `in =` says how to write the key */
static void in_keyword(void) {
    expect_error("in.lua", "experiment { base = 'configs/mf.yaml',\n  set = { in = 24, out = 16 } }\n",
                 "in.lua:2: unexpected symbol near 'in'; write [\"in\"] = ... (in is a Lua keyword)");
    expect_error("in2.lua", "local s = {}\ns.in = 24\n", "write [\"in\"] = ... (in is a Lua keyword)");
    Experiment e;
    char err[1024] = "";
    int rc = experiment_load(&e, write_temp(dir, "forin.lua", "for k in pairs({}) do end\nfor in pairs({}) do end\n"), err, sizeof err);
    CHECK(rc != 0 && strstr(err, "near 'in'") && !strstr(err, "Lua keyword"), "a syntax error near a loop's in gets no key hint: '%s'", err);
    if (rc == 0) experiment_free(&e);
    expect_ok("in_ok.lua", "experiment { base = 'configs/mf.yaml', set = { [\"in\"] = 24 } }\n", 1, "[\"in\"] = 24 is a valid key");
}

/* experiment{} without variants and grid: one run per seed of the base config, labelled 'base'
   with a note (set's method instead, without: the pretraining experiments); with variants or a
   grid, no note */
static void plain_experiment(void) {
    Experiment e;
    char err[1024] = "";
    int rc = experiment_load(&e, write_temp(dir, "plain.lua", "experiment { base = 'configs/mf.yaml', seeds = { 1, 2 } }\n"), err, sizeof err);
    CHECK(rc == 0 && e.nruns == 2 && strcmp(e.runs[0].id, "base.seed=1") == 0 && strcmp(e.runs[0].label, "base") == 0,
          "plain experiment: rc %d, %d runs, first id '%s' (%s)", rc, rc ? 0 : e.nruns, rc ? "" : e.runs[0].id, err);
    CHECK(rc == 0 && strstr(e.notice, "plain.lua: experiment{} has neither variants nor grid: one run per seed of the base "
                                      "config configs/mf.yaml, labelled 'base'; to compare settings add variants"),
          "plain experiment: the note says what runs and what to add, got '%s'", rc ? "" : e.notice);
    if (rc == 0) experiment_free(&e);
    rc = experiment_load(&e, "tests/data/vit_tiny_pretrain.lua", err, sizeof err);
    CHECK(rc == 0 && e.nruns == 1 && strcmp(e.runs[0].id, "adamw.seed=1") == 0 && e.notice[0] == 0,
          "no variants, set.method (a pretraining run): labelled by the method, no note: rc %d '%s'", rc, rc ? err : e.notice);
    if (rc == 0) experiment_free(&e);
    rc = experiment_load(&e, write_temp(dir, "gridonly.lua", "experiment { base = 'configs/mf.yaml', grid = { rank = { 1, 2 } } }\n"), err, sizeof err);
    CHECK(rc == 0 && e.nruns == 2 && e.notice[0] == 0 && strcmp(e.runs[0].id, "base.rank=1.seed=1") == 0,
          "a grid without variants: no note, ids base.rank=...: rc %d, '%s'", rc, rc ? err : e.notice);
    if (rc == 0) experiment_free(&e);
    rc = experiment_load(&e, "tests/data/tiny.lua", err, sizeof err);
    CHECK(rc == 0 && e.notice[0] == 0, "an experiment with variants has no note: '%s'", rc ? err : e.notice);
    if (rc == 0) experiment_free(&e);
    printf("  %s neither variants nor grid: label 'base' and a note\n", g_failures ? "FAIL" : "ok  ");
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/loft-lua-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    expansion();
    {   /* no grid, no variants, default seed: one run named after the method */
        Experiment e;
        char err[512];
        int rc = experiment_load(&e, write_temp(dir, "one.lua", "experiment{ base = 'configs/mf.yaml', set = { method = 'lora' } }"), err, sizeof err);
        CHECK(rc == 0 && e.nruns == 1 && strcmp(e.runs[0].id, "lora.seed=1") == 0 && strcmp(e.name, "one") == 0,
              "minimal experiment: rc %d, %d runs, id '%s' (%s)", rc, rc ? 0 : e.nruns, rc ? "" : e.runs[0].id, err);
        if (rc == 0) experiment_free(&e);
    }
    {   /* with_block_ablations: the given variants, then LoFT with each block off alone, plus extra */
        Experiment e;
        char err[512];
        int rc = experiment_load(&e, write_temp(dir, "blocks.lua", "experiment{ base = 'configs/mf.yaml', variants = "
                                 "with_block_ablations({ { label = 'lora', method = 'lora' } }, { lr = 0.5 }) }"), err, sizeof err);
        CHECK(rc == 0 && e.nruns == 7, "with_block_ablations: rc %d, %d runs (%s)", rc, rc ? 0 : e.nruns, err);
        if (rc == 0) {
            static const char *want[6][2] = { { "loft-no-alternate.seed=1", "alternate_update" }, { "loft-no-rescale.seed=1", "rescale_grads" },
                                              { "loft-no-momentum-calib.seed=1", "reproject_momentum" },
                                              { "loft-no-second-moment.seed=1", "reproject_second_moment" },
                                              { "loft-no-full-update.seed=1", "project_full_update" }, { "loft-no-proj-clip.seed=1", "clip_projected" } };
            for (int k = 0; k < 6; k++) {
                const PlannedRun *r = find(&e, want[k][0]);
                CHECK(r && strcmp(ov(r, want[k][1]), "false") == 0 && strcmp(ov(r, "method"), "loft") == 0 && strcmp(ov(r, "lr"), "0.5") == 0,
                      "%s switches %s off (method loft, lr 0.5)", want[k][0], want[k][1]);
            }
            CHECK(find(&e, "lora.seed=1") != NULL, "the given variant comes first");
            experiment_free(&e);
        }
    }
    expect_error("field.lua", "experiment{ base = 'configs/mf.yaml', seed = {1} }", "unknown field 'seed'; did you mean 'seeds'?");
    expect_error("field2.lua", "experiment{ base = 'configs/mf.yaml', varaints = {} }", "unknown field 'varaints'; did you mean 'variants'? (known: name,");
    expect_error("field3.lua", "experiment{ base = 'configs/mf.yaml', zzzzzz = 1 }", "unknown field 'zzzzzz' (known: name,");
    expect_error("report.lua", "experiment{ base = 'configs/mf.yaml', report = { tabels = {} } }",
                 "report: unknown field 'tabels'; did you mean 'tables'?");
    {   /* the report's families and margins, as the tables read them */
        Experiment e;
        char err[1024] = "";
        int rc = experiment_load(&e, "tests/data/findings_tiny.lua", err, sizeof err);
        CHECK(rc == 0, "findings_tiny.lua: %s", err);
        if (rc == 0) {
            const ReportSpec *r = &e.report;
            const int fams = r->nfamilies == 2 && strcmp(r->families[0].compare_to, "lora") == 0 && r->families[0].nrows == 2 &&
                             r->families[0].nmetrics == 0 && strcmp(r->families[1].rows[0], "loft-no-*") == 0 &&
                             strcmp(r->families[1].metrics[0], "final_loss") == 0;
            const int tabs = r->ntables == 2 && r->tables[0].log_scale == 1 && fabs(r->tables[0].margin - 0.5) < 1e-15 &&
                             r->tables[0].margin_relative == 1 && r->tables[1].log_scale == 0 && r->tables[1].margin == 0.5 &&
                             r->tables[1].margin_relative == 0;
            CHECK(fams, "two families with their rows and metrics");
            CHECK(tabs, "a log10 table with a relative margin (\"50%%\" = 0.5), a linear one with an absolute margin");
            printf("  %s the report's families, margins and log10 table are read\n", fams && tabs ? "ok  " : "FAIL");
            experiment_free(&e);
        }
    }
    static const char fam[] = "experiment{ base = 'configs/mf.yaml', variants = { { label = 'lora' }, { label = 'loft' } }, report = { %s } }";
    char text[1024];
    snprintf(text, sizeof text, fam, "families = { { name = 'a', compare_to = 'lroa' } }");
    expect_error("fam1.lua", text, "report.families[1]: compare_to 'lroa' is no label of the experiment");
    snprintf(text, sizeof text, fam, "families = { { name = 'a', compare_to = 'lora', rows = { 'dora*' } } }");
    expect_error("fam2.lua", text, "report.families[1]: rows entry 'dora*' matches no label of the experiment");
    snprintf(text, sizeof text, fam, "families = { { name = 'a', compare_to = 'lora', row = { 'loft' } } }");
    expect_error("fam3.lua", text, "report.families[1]: unknown field 'row'; did you mean 'rows'?");
    snprintf(text, sizeof text, fam, "compare_to = 'lora', families = { { name = 'a', compare_to = 'lora' } }");
    expect_error("fam4.lua", text, "declare families or compare_to (the one-family shorthand), not both");
    snprintf(text, sizeof text, fam, "tables = { { metric = 'final_loss' } }, families = { { name = 'a', compare_to = 'lora', metrics = { 'final_los' } } }");
    expect_error("fam5.lua", text, "metrics entry 'final_los' is no table's metric");
    snprintf(text, sizeof text, fam, "tables = { { metric = 'final_loss' } }, margin = { perplexity = 1 }");
    expect_error("margin1.lua", text, "report.margin.perplexity: no table has the metric 'perplexity'");
    snprintf(text, sizeof text, fam, "tables = { { metric = 'final_loss' } }, margin = { final_loss = '2 percent' }");
    expect_error("margin2.lua", text, "report.margin.final_loss: expected a positive number (in the table's units) or a percentage");
    snprintf(text, sizeof text, fam, "tables = { { metric = 'final_loss', log = true } }");
    expect_error("log.lua", text, "report.tables[1]: unknown field 'log' (known: metric, caption, scale, digits, better, log10, test_items)");
    expect_error("tuneat.lua", "experiment{ base = 'configs/mf.yaml', variants = { { label = 'a', tune_at = { steps = 3 } } },\n"
                 "  tune = { lr = { 0.1, 1 }, on = 'final_loss', rank = 2 } }", "tune_at.steps is not a key tune fixes");
    expect_error("twice.lua", "experiment{ base = 'a' }\nexperiment{ base = 'b' }\n", "twice.lua:2: experiment{} is called twice");
    expect_error("nobase.lua", "experiment{ name = 'x' }", "base must name a YAML config");
    expect_error("seeds.lua", "experiment{ base = 'b', seeds = {1, 'two'} }", "seeds[2] must be an integer >= 0");
    expect_error("grid.lua", "experiment{ base = 'b', grid = { rank = 4 } }", "grid.rank must be a non-empty list of values");
    expect_error("dup.lua", "experiment{ base = 'b', variants = { {method = 'lora'}, {method = 'lora', lr = 1} } }",
                 "two runs share the id 'lora.seed=1'");
    expect_error("syntax.lua", "-- comment\nexperiment{ base = 'b' \n", "syntax.lua:3:");
    expect_error("never.lua", "local x = 1\n", "never calls experiment");
    expect_error("value.lua", "experiment{ base = 'b', set = { lr = {} } }", "must be a number, string or boolean");
    expect_error("tvnotune.lua", "experiment{ base = 'b', variants = { { method = 'lora', tune_values = { 1 } } } }",
                 "sets tune_values but the experiment has no tune");
    expect_error("tvboth.lua", "experiment{ base = 'b', variants = { { method = 'lora', lr = 1, tune_values = { 1 } } },"
                 " tune = { lr = { 1, 2 }, on = 'final_loss' } }", "sets both lr and tune_values");
    tune_values();
    tune_at();
    strict_globals();
    in_keyword();
    plain_experiment();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("  (could not remove %s)\n", dir);
    return test_exit("test_experiment");
}
