/* Config errors: every error path of the YAML reader, overrides and cross-key checks gives the
   promised message (file, line, key, what was expected, the closest known name), the warning for
   a setting its method ignores, and the resolved YAML reads back to the same config. */
#include <stdlib.h>
#include <unistd.h>
#include "check_util.h"
#include "io/config.h"
#include "io/suggest.h"
#include "task.h"

static char dir[64];


static void expect_yaml_error(const char *name, const char *text, const char *expect) {
    RunConfig c;
    config_defaults(&c);
    char err[2048] = "";
    const char *path = write_temp(dir, name, text);
    int rc = config_load_yaml(&c, path, err, sizeof err);
    char want[512];
    snprintf(want, sizeof want, "%s/%s", dir, expect);
    int ok = rc != 0 && strstr(err, want) != NULL;
    CHECK(ok, "%s: expected an error containing\n      '%s'\n    got '%s'", name, want, err);
    if (ok) printf("  ok   %s\n", err);
}

static void expect_set_error(const char *key, const char *value, const char *expect) {
    RunConfig c;
    config_defaults(&c);
    char err[2048] = "";
    int rc = config_set(&c, key, value, "--set", err, sizeof err);
    int ok = rc != 0 && strstr(err, expect) != NULL;
    CHECK(ok, "--set %s=%s: expected '%s', got '%s'", key, value, expect, err);
    if (ok) printf("  ok   %s\n", err);
}

static void expect_invalid(const char *key, const char *value, const char *key2, const char *value2, const char *expect) {
    RunConfig c;
    config_defaults(&c);
    char err[2048] = "";
    config_set(&c, key, value, "test", err, sizeof err);
    if (key2) config_set(&c, key2, value2, "test", err, sizeof err);
    int rc = task_check_config(&c, err, sizeof err);
    int ok = rc != 0 && strstr(err, expect) != NULL;
    CHECK(ok, "validate %s=%s: expected '%s', got '%s'", key, value, expect, err);
    if (ok) printf("  ok   %s\n", err);
}

/* s of W0 + s B A per method, alpha, alpha_per_rank and scaling: LoFT takes alpha like LoRA (its
   invariance to it is tested in test_loft_invariance.c, not built in); full AdamW has no s */
static void scales(void) {
    const struct { const char *method, *alpha, *per_rank, *scaling; int rank; double s; } cases[] = {
        { "loft", "~", "~", "lora", 8, 1.0 },   { "loft", "32", "~", "lora", 8, 4.0 },
        { "loft", "~", "0.25", "lora", 8, 0.25 }, { "loft", "~", "4", "rslora", 4, 8.0 },
        { "lora", "~", "16", "lora", 1, 16.0 }, { "lora", "8", "~", "rslora", 4, 4.0 },
        { "adamw", "32", "~", "lora", 8, 1.0 },
    };
    const int failures = g_failures;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        RunConfig c;
        char err[1024] = "", rank[16];
        config_defaults(&c);
        snprintf(rank, sizeof rank, "%d", cases[i].rank);
        int rc = config_set(&c, "method", cases[i].method, "test", err, sizeof err) | config_set(&c, "alpha", cases[i].alpha, "test", err, sizeof err) |
                 config_set(&c, "alpha_per_rank", cases[i].per_rank, "test", err, sizeof err) |
                 config_set(&c, "scaling", cases[i].scaling, "test", err, sizeof err) | config_set(&c, "rank", rank, "test", err, sizeof err);
        rc |= task_check_config(&c, err, sizeof err);
        CHECK(rc == 0 && fabs(config_scale(&c) - cases[i].s) < 1e-15, "%s rank %d alpha %s alpha_per_rank %s scaling %s: s = %g, expected %g (%s)",
              cases[i].method, cases[i].rank, cases[i].alpha, cases[i].per_rank, cases[i].scaling, config_scale(&c), cases[i].s, err);
    }
    if (g_failures == failures) printf("  ok   s = alpha / r or alpha / sqrt(r) for LoFT and LoRA (alpha or alpha_per_rank x r), 1 for adamw\n");
}

/* a stored run's config matches a planned run's when every key reads alike, keys it lacks (added
   to the schema since) at their defaults: the resume rule of `loft run` */
static void same_configs(void) {
    RunConfig c;
    config_defaults(&c);
    char *full = malloc(1 << 16);
    config_to_yaml(&c, full, 1 << 16);
    CHECK(config_same(full, full), "a resolved config matches itself");
    char *old = malloc(1 << 16);   /* the same without its row_block line, as written before that key existed */
    snprintf(old, 1 << 16, "%s", full);
    char *line = strstr(old, "row_block: 0\n");
    CHECK(line != NULL, "the resolved config has a row_block line");
    if (line) memmove(line, line + strlen("row_block: 0\n"), strlen(line + strlen("row_block: 0\n")) + 1);
    CHECK(strcmp(old, full) != 0 && config_same(old, full), "a stored config without a newer key (at its default) matches");
    config_set(&c, "row_block", "64", "test", NULL, 0);
    char *changed = malloc(1 << 16);
    config_to_yaml(&c, changed, 1 << 16);
    CHECK(!config_same(old, changed), "a config whose newer key is off its default does not match the older one");
    CHECK(!config_same("lr: 3\nno_such_key: 1\n", full), "a stored config with a key the schema lost does not match");
    free(full); free(old); free(changed);
}

/* the edit distance and the closeness rule behind "did you mean" */
static void suggestions(void) {
    static const struct { const char *a, *b; int d; } cases[] = {
        { "rnak", "rank", 1 }, { "lrr", "lr", 1 }, { "kitten", "sitting", 3 }, { "", "abc", 3 }, { "abc", "", 3 },
        { "rank", "rank", 0 }, { "ca", "abc", 3 }, { "reproject_momentun", "reproject_momentum", 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int d = suggest_distance(cases[i].a, strlen(cases[i].a), cases[i].b, strlen(cases[i].b));
        CHECK(d == cases[i].d, "distance('%s', '%s') = %d, expected %d", cases[i].a, cases[i].b, d, cases[i].d);
    }
    Suggest s;
    suggest_begin(&s, "rnak");
    suggest_offer_list(&s, "seed|rank|rate", '|');
    CHECK(suggest_best(&s) && strcmp(suggest_best(&s), "rank") == 0, "rnak -> rank among seed|rank|rate");
    suggest_begin(&s, "zzzzzz");
    suggest_offer_list(&s, "seed|rank|rate", '|');
    CHECK(suggest_best(&s) == NULL, "nothing close to zzzzzz: no suggestion");
    suggest_begin(&s, "ab");
    suggest_offer_list(&s, "in|lr", '|');
    CHECK(suggest_best(&s) == NULL, "no name that every character of would change (ab vs in, lr)");
    printf("  %s edit distance and the closeness rule\n", g_failures ? "FAIL" : "ok  ");
}

/* a setting given to a method it does not act for (methods/settings.def) warns; keys at their
   defaults, and settings of the method itself, do not */
static void inactive_settings(void) {
    RunConfig c;
    char err[1024], buf[2048];
    config_defaults(&c);
    int rc = config_load_yaml(&c, "configs/mf.yaml", err, sizeof err);   /* it lists every LoFT switch at its default */
    config_set(&c, "method", "lora", "test", err, sizeof err);
    CHECK(rc == 0 && config_inactive_settings(&c, buf, sizeof buf) == 0, "base config + method lora: no warning, got '%s'", buf);
    config_set(&c, "reproject_momentum", "false", "test", err, sizeof err);
    int n = config_inactive_settings(&c, buf, sizeof buf);
    CHECK(n == 1 && strcmp(buf, "key 'reproject_momentum' does not act for method lora (it acts for: loft)\n") == 0,
          "method lora, reproject_momentum = false: %d warning(s) '%s'", n, buf);
    config_set(&c, "damping", "0", "test", err, sizeof err);   /* given explicitly, even at its default */
    n = config_inactive_settings(&c, buf, sizeof buf);
    CHECK(n == 2 && strstr(buf, "key 'damping' does not act for method lora (it acts for: loft, altlora, altlora-plus)\n"),
          "method lora, damping = 0 given: %d warning(s) '%s'", n, buf);
    config_set(&c, "method", "loft", "test", err, sizeof err);
    CHECK(config_inactive_settings(&c, buf, sizeof buf) == 0, "method loft acts for both: got '%s'", buf);
    config_set(&c, "method", "altlora", "test", err, sizeof err);
    n = config_inactive_settings(&c, buf, sizeof buf);
    CHECK(n == 1 && strstr(buf, "key 'reproject_momentum' does not act for method altlora"), "method altlora: '%s'", buf);
    config_set(&c, "max_grad_norm", "1", "test", err, sizeof err);   /* acts for every method ("*") */
    CHECK(config_inactive_settings(&c, buf, sizeof buf) == 1, "max_grad_norm acts for every method: '%s'", buf);

    /* a YAML file counts only with a value other than the default */
    config_defaults(&c);
    rc = config_load_yaml_text(&c, "method: lora\ndamping: 0\nlorapro_mode: efficient\n", "at-defaults", err, sizeof err);
    CHECK(rc == 0 && config_inactive_settings(&c, buf, sizeof buf) == 0, "YAML keys at their defaults: no warning, got '%s'", buf);
    config_defaults(&c);
    rc = config_load_yaml_text(&c, "method: lora-plus\nlorapro_mode: full\n", "off-default", err, sizeof err);
    n = config_inactive_settings(&c, buf, sizeof buf);
    CHECK(rc == 0 && n == 1 && strcmp(buf, "key 'lorapro_mode' does not act for method lora-plus (it acts for: lora-pro)\n") == 0,
          "YAML lorapro_mode: full for lora-plus: %d '%s'", n, buf);

    /* printed once per (key, method) until the next reset (each experiment load resets) */
    config_defaults(&c);
    config_set(&c, "method", "dora", "test", err, sizeof err);
    config_set(&c, "rescale_grads", "false", "test", err, sizeof err);
    FILE *out = tmpfile();
    config_warnings_reset();
    int first = config_warn_inactive(&c, out), second = config_warn_inactive(&c, out);
    config_warnings_reset();
    int third = config_warn_inactive(&c, out);
    char text[1024] = "";
    rewind(out);
    size_t got = fread(text, 1, sizeof text - 1, out);
    text[got] = 0;
    fclose(out);
    static const char line[] = "warning: key 'rescale_grads' does not act for method dora (it acts for: loft)\n";
    CHECK(first == 1 && second == 0 && third == 1 && got == 2 * strlen(line) && strncmp(text, line, strlen(line)) == 0,
          "warned %d, %d, %d times: '%s'", first, second, third, text);
    printf("  %s a setting its method ignores warns (once), keys at their defaults do not\n", g_failures ? "FAIL" : "ok  ");
}

/* config_expand: {KEY} replaced by the key's value; a misspelt key or a lone '{' named */
static void expansions(void) {
    RunConfig c;
    char out[64], err[512] = "";
    config_defaults(&c);
    config_set(&c, "method", "lora", "test", err, sizeof err);
    config_set(&c, "seed", "7", "test", err, sizeof err);
    config_set(&c, "lr", "0.05", "test", err, sizeof err);
    int rc = config_expand(&c, "save_merged", "out/{method}-{seed}/lr{lr}", out, sizeof out, err, sizeof err);
    CHECK(rc == 0 && strcmp(out, "out/lora-7/lr0.05") == 0, "expand out/{method}-{seed}/lr{lr}: got '%s' (%s)", out, err);
    rc = config_expand(&c, "save_merged", "out/{sede}", out, sizeof out, err, sizeof err);
    CHECK(rc != 0 && strstr(err, "key 'save_merged' = 'out/{sede}': {sede} is not a config key of task mf; did you mean 'seed'") != NULL,
          "a misspelt placeholder: got '%s'", err);
    rc = config_expand(&c, "save_merged", "out/{seed", out, sizeof out, err, sizeof err);
    CHECK(rc != 0 && strstr(err, "a '{' without its '}'") != NULL, "a '{' without '}': got '%s'", err);
    rc = config_expand(&c, "save_merged", "a-path-that-is-longer-than-the-sixty-four-bytes-of-the-output-buffer/{seed}", out, sizeof out, err,
                       sizeof err);
    CHECK(rc != 0 && strstr(err, "longer than 63 bytes") != NULL, "too long: got '%s'", err);
    printf("  %s config_expand: {KEY} placeholders, and their errors\n", g_failures ? "FAIL" : "ok  ");
}

int main(void) {
    expansions();
    same_configs();
    suggestions();
    inactive_settings();
    snprintf(dir, sizeof dir, "/tmp/loft-config-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    expect_yaml_error("typo.yaml", "method: loft\nrank: 4\nlrr: 3\n", "typo.yaml:3: unknown key 'lrr'; did you mean 'lr'? (`loft keys` lists every key)");
    expect_yaml_error("far.yaml", "method: loft\nzzzzzz: 3\n", "far.yaml:2: unknown key 'zzzzzz' (known keys: task, method");
    expect_yaml_error("enumtypo.yaml", "method: lroa\n", "enumtypo.yaml:1: key 'method' expects one of full-adamw|adamw|lora-adamw|"
                      "lora|dora-adamw|dora|loft|loft-adamw|altlora|altlora-plus|altlora+|lora-plus|lora+|lora-pro, got 'lroa'; did you mean 'lora'?");
    {
        RunConfig c;
        char err[1024] = "";
        config_defaults(&c);
        int rc = config_set(&c, "method", "sgd", "--set", err, sizeof err);
        CHECK(rc != 0 && strstr(err, "got 'sgd'") && !strstr(err, "did you mean"), "no method is close to sgd: '%s'", err);
    }
    expect_yaml_error("type.yaml", "steps: many\n", "type.yaml:1: key 'steps' expects an integer in [1, 1e+09], got 'many'");
    expect_yaml_error("frac.yaml", "\nrank: 2.5\n", "frac.yaml:2: key 'rank' expects an integer in [1, 1e+06], got '2.5'");
    expect_yaml_error("range.yaml", "beta1: 1.0\n", "range.yaml:1: key 'beta1' expects a number in [0, 1), got '1.0'");
    expect_yaml_error("neg.yaml", "lr: -1\n", "neg.yaml:1: key 'lr' expects a number >= 0, got '-1'");
    expect_yaml_error("enum.yaml", "method: sgd\n", "enum.yaml:1: key 'method' expects one of full-adamw|adamw|lora-adamw|lora|dora-adamw|dora|loft|");
    expect_yaml_error("bool.yaml", "rescale_grads: maybe\n", "bool.yaml:1: key 'rescale_grads' expects true or false, got 'maybe'");
    expect_yaml_error("twice.yaml", "rank: 4\nlr: 1\nrank: 8\n", "twice.yaml:3: key 'rank' is set twice (first on line 1)");
    expect_yaml_error("nested.yaml", "optim:\n  lr: 3\n", "nested.yaml:2: key 'optim' expects a single value, got a nested mapping");
    expect_yaml_error("list.yaml", "rank: [1, 2]\n", "list.yaml:1: rank expects a single value, got a list");
    expect_yaml_error("syntax.yaml", "rank: 4\nlr: 3: 4\n", "syntax.yaml:2: YAML syntax error");
    expect_yaml_error("empty.yaml", "", "empty.yaml: empty file (expected a YAML mapping of keys)");
    expect_yaml_error("scalar.yaml", "just text\n", "scalar.yaml:1: expected a mapping of keys at the top level, got 'just text'");
    {
        RunConfig c;
        char err[512];
        config_defaults(&c);
        int rc = config_load_yaml(&c, "/nonexistent/mf.yaml", err, sizeof err);
        CHECK(rc != 0 && strstr(err, "/nonexistent/mf.yaml: cannot open the config file"), "missing file: got '%s'", err);
    }
    expect_set_error("rnak", "4", "--set: unknown key 'rnak'; did you mean 'rank'?");
    expect_set_error("reproject_momentun", "false", "--set: unknown key 'reproject_momentun'; did you mean 'reproject_momentum'?");
    {   /* a Lua override's origin (the experiment and run) leads the message; valid keys still set */
        RunConfig c;
        char err[512] = "";
        config_defaults(&c);
        int rc = config_set(&c, "rnak", "4", "experiments/x.lua, run lora.seed=1", err, sizeof err);
        CHECK(rc != 0 && strcmp(err, "experiments/x.lua, run lora.seed=1: unknown key 'rnak'; did you mean 'rank'? "
                                     "(`loft keys` lists every key)") == 0, "a Lua override's typo: '%s'", err);
        rc = config_set(&c, "rank", "4", "--set", err, sizeof err) | config_set(&c, "method", "lora", "--set", err, sizeof err);
        CHECK(rc == 0 && c.rank == 4 && strcmp(c.method, "lora") == 0, "valid keys and method names still set");
    }
    expect_set_error("method", "altlroa", "--set: key 'method' expects one of");
    expect_set_error("method", "altlroa", "got 'altlroa'; did you mean 'altlora'?");
    expect_set_error("lorapro_x", "sylvestr", "did you mean 'sylvester'?");
    expect_set_error("parity", "tnurbek", "--set: key 'parity' expects one of none|tnurbek-148998d, got 'tnurbek'");
    expect_invalid("rank", "600", NULL, NULL, "key 'rank' = 600 must be <= min(in, out) = 512");
    expect_invalid("task", "mff", NULL, NULL, "key 'task' = 'mff' names no task (registered: gpt, llama, mf, vit)");
    expect_invalid("task", "vit", "vit_heads", "5", "keys 'vit_heads' = 5 and 'vit_patch' = 7 must divide vit_width = 64 and 28");
    expect_invalid("alpha", "16", "alpha_per_rank", "2", "keys 'alpha' = 16 and 'alpha_per_rank' = 2 both set the scale");
    expect_invalid("alpha_per_rank", "0", NULL, NULL, "key 'alpha_per_rank' = 0: expected a number > 0");
    scales();
    expect_invalid("method", "lora", "parity", "tnurbek-148998d", "key 'parity' = tnurbek-148998d applies to method loft only");
    expect_invalid("method", "dora", "init", "pissa", "key 'init' = pissa initialises LoRA factors B, A from W0 or its gradient; method dora is DoRA");
    expect_invalid("method", "adamw", "init", "lora-one", "key 'init' = lora-one initialises LoRA factors B, A from W0 or its gradient; method adamw trains no adapter");
    expect_invalid("init", "pissa", NULL, NULL, "key 'init' = pissa decomposes the pretrained W0, and the mf task has none");
    expect_invalid("init", "lora-ga", "rank", "300", "key 'init' = lora-ga takes singular vectors r+1..2r: key 'rank' = 300 must be <= min(in, out) / 2 = 256");

    /* the shipped config loads, and the resolved YAML reads back to the same config */
    RunConfig a, b;
    char err[1024], y1[8192], y2[8192];
    config_defaults(&a);
    int rc = config_load_yaml(&a, "configs/mf.yaml", err, sizeof err);
    CHECK(rc == 0, "configs/mf.yaml: %s", err);
    config_set(&a, "lr", "0.05", "test", err, sizeof err);
    config_set(&a, "alpha", "3.5", "test", err, sizeof err);
    config_to_yaml(&a, y1, sizeof y1);
    config_defaults(&b);
    rc = config_load_yaml(&b, write_temp(dir, "resolved.yaml", y1), err, sizeof err);
    config_to_yaml(&b, y2, sizeof y2);
    CHECK(rc == 0 && strcmp(y1, y2) == 0 && b.lr == 0.05 && b.alpha == 3.5, "resolved YAML round trip differs: %s", err);
    printf("  %s resolved YAML reads back to the same config\n", rc == 0 && strcmp(y1, y2) == 0 ? "ok  " : "FAIL");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("  (could not remove %s)\n", dir);
    return test_exit("test_config");
}
