/* The run-config schema (every key: type, range, default, help), the libyaml reader, overrides,
   cross-key validation and the resolved-YAML writer. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>
#include "../methods/methods.h"
#include "config.h"
#include "suggest.h"

typedef enum { T_INT, T_LONG, T_FLOAT, T_BOOL, T_STR, T_ENUM } FieldType;

typedef struct {
    const char *key;
    FieldType type;
    size_t offset, size;     /* size: bytes of a T_STR / T_ENUM buffer */
    double min, max;         /* inclusive range; max_open: max excluded */
    int max_open, nullable;  /* nullable: "~" / empty allowed (T_FLOAT -> NaN) */
    const char *choices;     /* T_ENUM: "a|b|c" */
    const char *def;         /* default, in YAML text */
    const char *help;
    const char *methods;     /* a method's setting (methods/settings.def): the methods it acts for; else NULL */
    int setting;             /* a method's setting: CONFIG_SETTING_<name> (RunConfig.set_by); else -1 */
    const char *task;        /* a task's own key (ConfigKeyTable): the task; else NULL (every run has it) */
} Field;

#define F(name, type, lo, hi, open, null, choices, def, help) \
    { #name, type, offsetof(RunConfig, name), sizeof(((RunConfig *)0)->name), lo, hi, open, null, choices, def, help, NULL, -1, NULL }
#define BIG 1e300

/* the `method` key's choices: every name and alias of methods/methods.def */
#define METHOD(ID, name, aliases, adapter, pairs, unit_scale, help) "|" name aliases
static const char METHOD_CHOICES[] =
#include "../methods/methods.def"
    ;
#undef METHOD
/* the registry line of a method a validated config names (its name or an alias) */
static const MethodInfo *method_of(const char *method) {
    int i = method_find(method);
    return method_info(i < 0 ? (MethodId)0 : (MethodId)i);
}

static const Field FIELDS[] = {
    F(task, T_STR, 0, 0, 0, 0, NULL, "mf",
      "which task runs, by its registered name: mf (matrix factorization), vit (ViT on MNIST), gpt (small LM on text)"),
    F(method, T_ENUM, 0, 0, 0, 0, METHOD_CHOICES + 1, "loft",
      "what is trained and how: a method of core/methods/methods.def (listed below), by name or alias"),
    F(rank, T_INT, 1, 1e6, 0, 0, NULL, "8", "adapter rank r (ignored by adamw)"),
    F(alpha, T_FLOAT, 0, BIG, 0, 1, NULL, "~",
      "alpha of the adapter scale s in W0 + s B A (LoRA, rsLoRA, LoFT, ...); ~ = rank (s = 1 with scaling lora)"),
    F(alpha_per_rank, T_FLOAT, 0, BIG, 0, 1, NULL, "~",
      "alpha as a multiple of the rank (alpha = alpha_per_rank x rank), so one value holds over a rank grid; "
      "~ = not used (alpha applies); set alpha or alpha_per_rank, not both"),
    F(scaling, T_ENUM, 0, 0, 0, 0, "lora|rslora", "lora", "s = alpha / r (lora) or alpha / sqrt(r) (rslora)"),
    F(init, T_ENUM, 0, 0, 0, 0, "linear|lora|gaussian|pissa|lora-ga|lora-one", "linear",
      "factor init: linear = both like torch.nn.Linear; lora = kaiming A, B = 0; gaussian A ~ N(0, 1/r), B = 0; "
      "spectral (adapters/spectral_init.h): pissa = top-r SVD of W0, the residual frozen; lora-ga = singular vectors "
      "of the start's gradient, W0 offset so the function is unchanged; lora-one = a rank-r gradient step, W0 kept"),
    F(init_batches, T_INT, 1, 1e6, 0, 0, NULL, "8",
      "lora-ga / lora-one: training batches (random, from a stream apart from training's) whose mean gradient the init decomposes (mf: its exact gradient)"),
    F(init_gamma, T_FLOAT, 0, BIG, 0, 0, NULL, "0",
      "lora-ga / lora-one: gamma of the stable scale; 0 = the reference's (lora-ga 16, lora-one 128)"),
    F(seed, T_LONG, 0, 9e15, 0, 0, NULL, "1", "seed of every random draw of the run"),
    F(in, T_INT, 1, 1e6, 0, 0, NULL, "1024", "mf: input size n (columns of W)"),
    F(out, T_INT, 1, 1e6, 0, 0, NULL, "512", "mf: output size m (rows of W)"),
    F(target_rank, T_INT, 1, 1e6, 0, 0, NULL, "8", "mf: rank of the drawn target"),
    F(bias, T_BOOL, 0, 0, 0, 0, NULL, "true", "mf: train a bias (out,)"),
    F(problem_file, T_STR, 0, 0, 0, 1, NULL, "\"\"",
      "mf: HDF5 file with datasets target (in,out), A0 (r,in), B0 (out,r), bias0 (out,); \"\" = draw"),
    F(steps, T_LONG, 1, 1e9, 0, 0, NULL, "300", "optimizer steps"),
    F(lr, T_FLOAT, 0, BIG, 0, 0, NULL, "10", "learning rate"),
    F(beta1, T_FLOAT, 0, 1, 1, 0, NULL, "0.9", "Adam beta1, in [0, 1)"),
    F(beta2, T_FLOAT, 0, 1, 1, 0, NULL, "0.999", "Adam beta2, in [0, 1)"),
    F(eps, T_FLOAT, 0, BIG, 0, 0, NULL, "1e-4", "Adam epsilon"),
    F(weight_decay, T_FLOAT, 0, BIG, 0, 0, NULL, "0", "decoupled weight decay lambda"),
#define OPTIM_SETTING(name, type, size, lo, hi, choices, def, methods, ablation, help) \
    { #name, type, offsetof(RunConfig, name), sizeof(((RunConfig *)0)->name), lo, hi, 0, 0, choices, def, help, methods, \
      CONFIG_SETTING_##name, NULL },
#include "../methods/settings.def"
#undef OPTIM_SETTING
    F(data_file, T_STR, 0, 0, 0, 1, NULL, "\"data/mnist.bin\"", "vit: the converted MNIST digits (make data)"),
    F(checkpoint, T_STR, 0, 0, 0, 1, NULL, "\"results/vit_pretrained.h5\"",
      "vit: pretrained weights (make pretrain-vit); vit_target source writes it, the others read it"),
    F(vit_target, T_ENUM, 0, 0, 0, 0, "unseen|imbalanced|source", "unseen",
      "vit: unseen = digits 5-9 (classes never seen in pretraining); imbalanced = all 10 digits, long-tailed "
      "train set; source = digits 0-4 from scratch (pretraining)"),
    F(imbalance_ratio, T_FLOAT, 1, BIG, 0, 0, NULL, "50", "vit imbalanced: most / least frequent class in the train set"),
    F(batch_size, T_INT, 1, 4096, 0, 0, NULL, "32", "vit: images per step"),
    F(batch_threads, T_INT, 1, 16, 0, 0, NULL, "1",
      "vit, gpt on the cpu: split each training batch over this many threads, each with its own copy of the "
      "model (weights, activations, gradients) and one BLAS thread; the gradient is their row-weighted mean, "
      "equal to the whole batch's up to float rounding (another summation order: results differ from 1 in the "
      "last bits). For one run on a multi-core machine; a --jobs N sweep already uses the cores"),
    F(eval_every, T_INT, 1, 1e9, 0, 0, NULL, "25", "vit: test accuracy every this many steps (and at the end)"),
    F(target_modules, T_STR, 0, 0, 0, 0, NULL, "\"qkv,proj,fc1,fc2\"", "vit: layers that get adapters"),
    F(modules_to_save, T_STR, 0, 0, 0, 1, NULL, "\"head\"", "vit: trained in full besides adapters: head, norm, pos, patch"),
    F(vit_width, T_INT, 4, 4096, 0, 0, NULL, "64", "vit: embedding width C"),
    F(vit_depth, T_INT, 1, 16, 0, 0, NULL, "4", "vit: blocks"),
    F(vit_heads, T_INT, 1, 64, 0, 0, NULL, "4", "vit: attention heads (divide the width)"),
    F(vit_patch, T_INT, 1, 28, 0, 0, NULL, "7", "vit: patch size (divides 28)"),
    F(vit_mlp, T_INT, 1, 16384, 0, 0, NULL, "128", "vit: hidden width of the MLP"),
    F(text_dir, T_STR, 0, 0, 0, 1, NULL, "\"data/text\"", "gpt: the folder of the corpora (make data puts Debian's fortunes.txt and jargon.txt there)"),
    F(corpus, T_STR, 0, 0, 0, 0, NULL, "\"jargon.txt\"",
      "gpt: the text file in text_dir the run trains on (first 90 %) and evaluates on (last 10 %)"),
    F(tokenizer, T_STR, 0, 0, 0, 1, NULL, "\"results/gpt_tokenizer.txt\"", "gpt: BPE merges; gpt_target source trains and writes it"),
    F(gpt_checkpoint, T_STR, 0, 0, 0, 1, NULL, "\"results/gpt_pretrained.h5\"",
      "gpt: pretrained weights: our .h5 (make pretrain-gpt), or a GPT-2 model.safetensors with config.json, "
      "vocab.json and merges.txt beside it (shape and tokenizer then come from those files)"),
    F(save_merged, T_STR, 0, 0, 0, 1, NULL, "\"\"",
      "gpt: a folder; after fine-tuning, the weights with adapters merged go there as model.safetensors + "
      "config.json (Hugging Face GPT-2 layout), with the tokenizer files; empty = not saved"),
    F(gpt_target, T_ENUM, 0, 0, 0, 0, "source|jargon", "jargon",
      "gpt: source = pretrain on fortunes from scratch; jargon = domain adaptation to the Jargon File"),
    F(vocab, T_INT, 257, 8192, 0, 0, NULL, "1024",
      "gpt: BPE vocabulary size (256 bytes + merges; training keeps a vocab x vocab pair-count table, hence <= 8192)"),
    F(ctx, T_INT, 2, 4096, 0, 0, NULL, "64", "gpt: context length (tokens per sequence)"),
    F(gpt_width, T_INT, 4, 4096, 0, 0, NULL, "128", "gpt: embedding width"),
    F(gpt_depth, T_INT, 1, 16, 0, 0, NULL, "4", "gpt: blocks"),
    F(gpt_heads, T_INT, 1, 64, 0, 0, NULL, "4", "gpt: attention heads (divide the width)"),
    F(gpt_mlp, T_INT, 1, 16384, 0, 0, NULL, "512", "gpt: hidden width of the MLP"),
    F(device, T_ENUM, 0, 0, 0, 0, "cpu|cuda", "cpu",
      "where the run computes: cpu (OpenBLAS), or cuda (an NVIDIA GPU: build/loft-cuda, built by make when nvcc "
      "exists; `loft run` hands such runs to it)"),
    F(tf32, T_BOOL, 0, 0, 0, 0, NULL, "false",
      "device cuda, float32 tasks: cuBLAS may round float32 GEMM inputs to TF32 on tensor cores (recorded); "
      "false = full float32"),
    F(memory_limit_gb, T_FLOAT, 0, BIG, 0, 0, NULL, "16",
      "refuse a run whose estimated memory exceeds this many GiB (checked before any allocation)"),
    F(log_every, T_INT, 1, 1e9, 0, 0, NULL, "1", "log a trajectory row every this many steps"),
    F(checkpoint_every, T_LONG, 0, 1e9, 0, 0, NULL, "0",
      "write a resume checkpoint every this many steps (0: only when the run is interrupted by SIGINT or SIGTERM); "
      "a run started again continues from its checkpoint and ends bit-identical to an uninterrupted one. "
      "Not part of a run's identity: changing it never makes a stored run differ"),
    F(loss_threshold, T_FLOAT, 0, BIG, 0, 0, NULL, "1e-6", "tables: steps to reach this loss"),
    F(reference_distance, T_BOOL, 0, 0, 0, 0, NULL, "false",
      "run full AdamW in lockstep from the same start on the same batches and log dist_to_adamw = "
      "||dW - dW_adamw|| / ||dW_adamw|| (mf: of W itself); vit/gpt also cos_to_adamw, step_cos_to_adamw "
      "(the updates between evaluations), energy_share, energy_best and energy_ratio over the blocks' linear layers"),
    F(reference_lr, T_FLOAT, 0, BIG, 0, 1, NULL, "~", "the lockstep full AdamW's learning rate; ~ = the run's lr"),
    F(forgetting, T_BOOL, 0, 0, 0, 0, NULL, "false",
      "vit/gpt: also evaluate the pretraining task at the start and the end (vit: source_accuracy, the pretraining "
      "digits under the pretraining head; gpt: source_loss and source_perplexity on source_corpus's last 10 %)"),
    F(source_corpus, T_STR, 0, 0, 0, 1, NULL, "\"fortunes.txt\"", "gpt: the pretraining corpus in text_dir (forgetting)"),
    F(intruders, T_BOOL, 0, 0, 0, 0, NULL, "false",
      "vit/gpt: at the end, count the intruder dimensions of the blocks' linear layers (top 10 singular vectors of W "
      "with |cos| < 0.5 to every singular vector of the start's W; column intruders)"),
};
#define NSHARED (sizeof(FIELDS) / sizeof(FIELDS[0]))
#define MAX_FIELDS 1024

/* every key: the shared ones (FIELDS), then each registered task's (config_task_keys), their
   values at offsets inside RunConfig.task_values; built once, on first use */
static Field ALL[MAX_FIELDS];
static size_t NALL;

static void internal_error(const char *what, const char *key) {
    fprintf(stderr, "internal error: config key table: %s '%s'\n", what, key);
    abort();
}

static void build_fields(void) {
    static const int types[] = { [CONFIG_KEY_INT] = T_INT, [CONFIG_KEY_LONG] = T_LONG, [CONFIG_KEY_FLOAT] = T_FLOAT,
                                 [CONFIG_KEY_BOOL] = T_BOOL, [CONFIG_KEY_STR] = T_STR, [CONFIG_KEY_ENUM] = T_ENUM };
    memcpy(ALL, FIELDS, sizeof FIELDS);
    size_t n = NSHARED, base = 0;
    const ConfigKeyTable *t;
    for (int i = 0; (t = config_task_keys(i)) != NULL; i++) {
        if (base + t->size > CONFIG_TASK_BYTES) internal_error("the tasks' values exceed CONFIG_TASK_BYTES at the task", t->task);
        for (int k = 0; k < t->n; k++) {
            const ConfigKey *key = &t->keys[k];
            if (n == MAX_FIELDS) internal_error("more than MAX_FIELDS keys at", key->key);
            for (size_t j = 0; j < n; j++) if (strcmp(ALL[j].key, key->key) == 0) internal_error("a key named twice:", key->key);
            ALL[n++] = (Field){ key->key, (FieldType)types[key->type], offsetof(RunConfig, task_values) + base + key->offset,
                                key->size, key->min, key->max, 0, key->type == CONFIG_KEY_STR, key->choices, key->def, key->help,
                                NULL, -1, t->task };
        }
        base += (t->size + 7) / 8 * 8;
    }
    NALL = n;
}

static const Field *fields(void) { if (!NALL) build_fields(); return ALL; }
static size_t nfields(void) { if (!NALL) build_fields(); return NALL; }

const void *config_task_values(const RunConfig *c, const char *task) {
    size_t base = 0;
    const ConfigKeyTable *t;
    for (int i = 0; (t = config_task_keys(i)) != NULL; i++) {
        if (strcmp(t->task, task) == 0) return c->task_values + base;
        base += (t->size + 7) / 8 * 8;
    }
    return NULL;
}

static const Field *find_field(const char *key) {
    for (size_t i = 0; i < nfields(); i++)
        if (strcmp(fields()[i].key, key) == 0) return &fields()[i];
    return NULL;
}

static const char *type_words(const Field *f) {
    switch (f->type) {
    case T_INT: case T_LONG: return "an integer";
    case T_FLOAT: return "a number";
    case T_BOOL: return "true or false";
    case T_STR: return "a string";
    case T_ENUM: return "one of";
    }
    return "?";
}

/* what a key expects, in words: "an integer in [1, 1000000]", "one of adamw|lora|..." */
static void expected(const Field *f, char *buf, size_t n) {
    if (f->type == T_ENUM) snprintf(buf, n, "one of %s", f->choices);
    else if (f->type == T_INT || f->type == T_LONG || f->type == T_FLOAT) {
        if (f->max >= BIG) snprintf(buf, n, "%s >= %g", type_words(f), f->min);
        else snprintf(buf, n, "%s in [%g, %g%s", type_words(f), f->min, f->max, f->max_open ? ")" : "]");
    } else snprintf(buf, n, "%s", type_words(f));
    if (f->nullable && f->type == T_FLOAT) strncat(buf, " or ~", n - strlen(buf) - 1);
}

static int is_null(const char *v) { return !*v || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0; }

/* parses value into c's field; 0 or -1 (the caller words the error) */
static int parse_value(RunConfig *c, const Field *f, const char *v) {
    char *end;
    void *dst = (char *)c + f->offset;
    switch (f->type) {
    case T_INT: case T_LONG: {
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || d != floor(d) || d < f->min || d > f->max) return -1;
        if (f->type == T_INT) *(int *)dst = (int)d; else *(long *)dst = (long)d;
        return 0;
    }
    case T_FLOAT: {
        if (f->nullable && is_null(v)) { *(double *)dst = NAN; return 0; }
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(d) || d < f->min || d > f->max || (f->max_open && d >= f->max)) return -1;
        *(double *)dst = d;
        return 0;
    }
    case T_BOOL: {
        static const char *yes[] = { "true", "yes", "on" }, *no[] = { "false", "no", "off" };
        for (int i = 0; i < 3; i++) {
            if (strcasecmp(v, yes[i]) == 0) { *(int *)dst = 1; return 0; }
            if (strcasecmp(v, no[i]) == 0) { *(int *)dst = 0; return 0; }
        }
        return -1;
    }
    case T_STR:
        if (strlen(v) >= f->size) return -1;
        snprintf(dst, f->size, "%s", is_null(v) ? "" : v);
        return 0;
    case T_ENUM: {
        size_t len = strlen(v);
        for (const char *p = f->choices; *p;) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            if (n == len && strncmp(p, v, n) == 0 && n < f->size) { snprintf(dst, f->size, "%s", v); return 0; }
            p += n + (bar ? 1 : 0);
        }
        return -1;
    }
    }
    return -1;
}

/* "where: key 'k' ..." errors; where is "file:line" or an origin. by: CONFIG_BY_DEFAULT, _YAML or
   _OVERRIDE, recorded for the methods' settings */
static int set_key(RunConfig *c, const char *key, const char *value, const char *where, int by, char *err, size_t errlen) {
    const Field *f = find_field(key);
    if (!f) {
        Suggest s;
        suggest_begin(&s, key);
        for (size_t i = 0; i < nfields(); i++) suggest_offer(&s, fields()[i].key, strlen(fields()[i].key));
        if (suggest_best(&s)) {
            snprintf(err, errlen, "%s: unknown key '%s'; did you mean '%s'? (`loft keys` lists every key)", where, key, suggest_best(&s));
            return -1;
        }
        char known[1024] = "";
        for (size_t i = 0; i < nfields(); i++) {
            strncat(known, fields()[i].key, sizeof known - strlen(known) - 1);
            if (i + 1 < nfields()) strncat(known, ", ", sizeof known - strlen(known) - 1);
        }
        snprintf(err, errlen, "%s: unknown key '%s' (known keys: %s)", where, key, known);
        return -1;
    }
    if (parse_value(c, f, value) != 0) {
        char exp[160], hint[SUGGEST_MAX + 32] = "";
        expected(f, exp, sizeof exp);
        if (f->type == T_ENUM) {   /* the method key's choices are every name and alias of methods.def */
            Suggest s;
            suggest_begin(&s, value);
            suggest_offer_list(&s, f->choices, '|');
            suggest_hint(&s, hint, sizeof hint);
        }
        snprintf(err, errlen, "%s: key '%s' expects %s, got '%s'%s", where, key, exp, value, hint);
        return -1;
    }
    if (f->setting >= 0) c->set_by[f->setting] = (unsigned char)by;
    return 0;
}

void config_defaults(RunConfig *c) {
    memset(c, 0, sizeof(*c));
    char err[256];
    for (size_t i = 0; i < nfields(); i++) {
        const char *d = fields()[i].def;
        char unq[CONFIG_STR];
        if (d[0] == '"') { snprintf(unq, sizeof unq, "%.*s", (int)strlen(d) - 2, d + 1); d = unq; }
        if (set_key(c, fields()[i].key, d, "default", CONFIG_BY_DEFAULT, err, sizeof err) != 0) {
            fprintf(stderr, "internal error: %s\n", err);
            abort();
        }
    }
}

int config_set(RunConfig *c, const char *key, const char *value, const char *origin, char *err, size_t errlen) {
    return set_key(c, key, value, origin, CONFIG_BY_OVERRIDE, err, errlen);
}

/* reads the mapping the parser delivers into c; path names the source in errors */
static int load_parsed(RunConfig *c, yaml_parser_t *p, const char *path, char *err, size_t errlen) {
    int rc = 0, depth = 0, done = 0, seen_mapping = 0;
    char key[128] = "";
    int have_key = 0;
    unsigned seen[MAX_FIELDS] = { 0 };
    while (!done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev)) {
            snprintf(err, errlen, "%s:%zu: YAML syntax error: %s", path, p->problem_mark.line + 1,
                     p->problem ? p->problem : "unknown");
            rc = -1;
            break;
        }
        size_t line = ev.start_mark.line + 1;
        char where[CONFIG_STR + 32];
        snprintf(where, sizeof where, "%s:%zu", path, line);
        switch (ev.type) {
        case YAML_ALIAS_EVENT:   /* *name: a value borrowed from elsewhere in the file */
            snprintf(err, errlen, "%s: YAML aliases (*%s) are not supported; write the value itself", where,
                     ev.data.alias.anchor ? (const char *)ev.data.alias.anchor : "");
            rc = -1;
            break;
        case YAML_MAPPING_START_EVENT:
            if (ev.data.mapping_start.anchor || (ev.data.mapping_start.tag && !ev.data.mapping_start.implicit)) {
                snprintf(err, errlen, "%s: YAML anchors (&) and tags (!) are not supported in a config", where);
                rc = -1;
                break;
            }
            if (depth == 0 && !seen_mapping) { depth = 1; seen_mapping = 1; break; }
            snprintf(err, errlen, "%s: key '%s' expects a single value, got a nested mapping", where, have_key ? key : "?");
            rc = -1;
            break;
        case YAML_SEQUENCE_START_EVENT:
            snprintf(err, errlen, "%s: %s expects a single value, got a list", where,
                     depth == 0 ? "the file" : have_key ? key : "a key");
            rc = -1;
            break;
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;
            if (ev.data.scalar.anchor || (ev.data.scalar.tag && !ev.data.scalar.plain_implicit && !ev.data.scalar.quoted_implicit)) {
                snprintf(err, errlen, "%s: YAML anchors (&) and tags (!) are not supported in a config ('%.60s')", where, v);
                rc = -1;
                break;
            }
            if (depth != 1) { snprintf(err, errlen, "%s: expected a mapping of keys at the top level, got '%s'", where, v); rc = -1; break; }
            if (!have_key) {
                if (strlen(v) >= sizeof key) { snprintf(err, errlen, "%s: unknown key '%.60s...'", where, v); rc = -1; break; }
                snprintf(key, sizeof key, "%s", v);
                have_key = 1;
                const Field *f = find_field(key);
                if (f && seen[f - fields()]) {
                    snprintf(err, errlen, "%s: key '%s' is set twice (first on line %u)", where, key, seen[f - fields()]);
                    rc = -1;
                } else if (f) seen[f - fields()] = (unsigned)line;
            } else {
                rc = set_key(c, key, v, where, CONFIG_BY_YAML, err, errlen);
                have_key = 0;
            }
            break;
        }
        case YAML_MAPPING_END_EVENT: depth = 0; break;
        case YAML_STREAM_END_EVENT: done = 1; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    if (rc == 0 && !seen_mapping) { snprintf(err, errlen, "%s: empty file (expected a YAML mapping of keys)", path); rc = -1; }
    return rc;
}

int config_load_yaml(RunConfig *c, const char *path, char *err, size_t errlen) {
    FILE *fp = fopen(path, "rb");
    if (!fp) { snprintf(err, errlen, "%s: cannot open the config file (expected a YAML mapping of keys)", path); return -1; }
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, fp);
    int rc = load_parsed(c, &parser, path, err, errlen);
    yaml_parser_delete(&parser);
    fclose(fp);
    return rc;
}

int config_load_yaml_text(RunConfig *c, const char *text, const char *origin, char *err, size_t errlen) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    int rc = load_parsed(c, &parser, origin, err, errlen);
    yaml_parser_delete(&parser);
    return rc;
}

int config_same(const char *a, const char *b) {
    if (strcmp(a, b) == 0) return 1;
    RunConfig *ca = malloc(sizeof(RunConfig)), *cb = malloc(sizeof(RunConfig));
    char *ya = malloc(1 << 16), *yb = malloc(1 << 16), err[256];
    int same = 0;
    if (ca && cb && ya && yb) {
        config_defaults(ca);
        config_defaults(cb);
        if (config_load_yaml_text(ca, a, "a stored config", err, sizeof err) == 0 &&
            config_load_yaml_text(cb, b, "a config", err, sizeof err) == 0) {
            config_identity_yaml(ca, ya, 1 << 16);
            config_identity_yaml(cb, yb, 1 << 16);
            same = strcmp(ya, yb) == 0;
        }
    }
    free(ca); free(cb); free(ya); free(yb);
    return same;
}

static int config_validate_method(const RunConfig *c, char *err, size_t errlen);

int config_validate(const RunConfig *c, char *err, size_t errlen) {
    if (config_validate_method(c, err, errlen) != 0) return -1;
    config_warn_inactive(c, stderr);
    return 0;
}

/* 1 when the value of setting f in c equals its default */
static int at_default(const RunConfig *c, const Field *f) {
    static RunConfig def;
    static int have = 0;
    if (!have) { config_defaults(&def); have = 1; }
    const char *a = (const char *)c + f->offset, *b = (const char *)&def + f->offset;
    switch (f->type) {
    case T_INT: case T_BOOL: return *(const int *)a == *(const int *)b;
    case T_LONG: return *(const long *)a == *(const long *)b;
    case T_FLOAT: return *(const double *)a == *(const double *)b || (isnan(*(const double *)a) && isnan(*(const double *)b));
    case T_STR: case T_ENUM: return strcmp(a, b) == 0;
    }
    return 0;
}

/* 1 when the space-separated list of methods (settings.def; "*" = every method) names method m */
static int acts_for(const char *methods, const char *m) {
    if (strcmp(methods, "*") == 0) return 1;
    size_t n = strlen(m);
    for (const char *p = methods; *p;) {
        size_t k = strcspn(p, " ");
        if (k == n && strncmp(p, m, n) == 0) return 1;
        p += k + (p[k] ? 1 : 0);
    }
    return 0;
}

/* the i-th field that is a method setting given to c for a method it does not act for; NULL past the last */
static const Field *inactive_setting(const RunConfig *c, size_t *i) {
    const char *m = method_of(c->method)->name;
    for (; *i < nfields(); (*i)++) {
        const Field *f = &fields()[*i];
        if (f->setting < 0 || acts_for(f->methods, m)) continue;
        int by = c->set_by[f->setting];
        if (by == CONFIG_BY_OVERRIDE || (by == CONFIG_BY_YAML && !at_default(c, f))) { (*i)++; return f; }
    }
    return NULL;
}

/* "key 'K' does not act for method M (it acts for: a, b)" into buf */
static void inactive_line(const RunConfig *c, const Field *f, char *buf, size_t n) {
    char list[256] = "";
    for (size_t k = 0, j = 0; f->methods[k] && j + 3 < sizeof list; k++) {
        if (f->methods[k] == ' ') { list[j++] = ','; list[j++] = ' '; }
        else list[j++] = f->methods[k];
        list[j] = 0;
    }
    snprintf(buf, n, "key '%s' does not act for method %s (it acts for: %s)", f->key, c->method, list);
}

int config_inactive_settings(const RunConfig *c, char *buf, size_t n) {
    int count = 0;
    size_t used = 0, i = 0;
    if (n) buf[0] = 0;
    for (const Field *f; (f = inactive_setting(c, &i)) != NULL; count++) {
        char line[512];
        inactive_line(c, f, line, sizeof line);
        if (used < n) used += (size_t)snprintf(buf + used, n - used, "%s\n", line);
    }
    return count;
}

static unsigned char warned[CONFIG_NSETTINGS][METHOD_COUNT];   /* (setting, method) reported since the reset */

void config_warnings_reset(void) { memset(warned, 0, sizeof warned); }

int config_warn_inactive(const RunConfig *c, FILE *out) {
    int count = 0, m = method_find(c->method);
    size_t i = 0;
    if (m < 0) return 0;
    for (const Field *f; (f = inactive_setting(c, &i)) != NULL;) {
        if (warned[f->setting][m]) continue;
        warned[f->setting][m] = 1;
        char line[512];
        inactive_line(c, f, line, sizeof line);
        fprintf(out, "warning: %s\n", line);
        count++;
    }
    return count;
}

/* checks that hold for every task */
static int is_loft(const char *method) { return strcmp(method_of(method)->name, "loft") == 0; }

static int config_validate_method(const RunConfig *c, char *err, size_t errlen) {
    if (!isnan(c->alpha) && !isnan(c->alpha_per_rank)) {
        snprintf(err, errlen, "keys 'alpha' = %g and 'alpha_per_rank' = %g both set the scale: expected one of them "
                 "(the other ~)", c->alpha, c->alpha_per_rank);
        return -1;
    }
    if (!isnan(c->alpha_per_rank) && !(c->alpha_per_rank > 0)) {
        snprintf(err, errlen, "key 'alpha_per_rank' = %g: expected a number > 0 (alpha = alpha_per_rank x rank), or ~",
                 c->alpha_per_rank);
        return -1;
    }
    const int spectral = strcmp(c->init, "pissa") == 0 || strcmp(c->init, "lora-ga") == 0 || strcmp(c->init, "lora-one") == 0;
    if (spectral && method_of(c->method)->adapter != ADAPTER_LORA) {
        snprintf(err, errlen, "key 'init' = %s initialises LoRA factors B, A from W0 or its gradient; method %s %s", c->init,
                 c->method, method_of(c->method)->adapter == ADAPTER_NONE ? "trains no adapter" : "is DoRA (magnitudes too): not supported");
        return -1;
    }
    if (c->batch_threads > 1) {
        const char *why = strcmp(c->task, "mf") == 0 ? "the mf task trains on one full matrix, not on batches"
                        : strcmp(c->device, "cpu") != 0 ? "it splits batches over CPU cores (device is not cpu)"
                        : c->batch_threads > c->batch_size ? "each thread needs at least one row of the batch" : NULL;
        if (why) {
            snprintf(err, errlen, "key 'batch_threads' = %d: %s (batch_size = %d, task %s, device %s)", c->batch_threads, why,
                     c->batch_size, c->task, c->device);
            return -1;
        }
    }
    if (c->tf32 && strcmp(c->device, "cuda") != 0) {
        snprintf(err, errlen, "key 'tf32' = true applies to device: cuda (TF32 is a GPU tensor-core format); device is %s", c->device);
        return -1;
    }
    if (strcmp(c->parity, "none") != 0 && !is_loft(c->method)) {
        snprintf(err, errlen, "key 'parity' = %s applies to method loft only (method is %s)", c->parity, c->method);
        return -1;
    }
    return 0;
}

double config_init_gamma(const RunConfig *c) {
    const int ga = strcmp(c->init, "lora-ga") == 0, one = strcmp(c->init, "lora-one") == 0;
    if (!ga && !one) return 0;
    return c->init_gamma > 0 ? c->init_gamma : ga ? 16.0 : 128.0;
}

double config_scale(const RunConfig *c) {
    if (method_of(c->method)->unit_scale) return 1.0;
    double alpha = !isnan(c->alpha_per_rank) ? c->alpha_per_rank * c->rank : isnan(c->alpha) ? c->rank : c->alpha;
    return strcmp(c->scaling, "rslora") == 0 ? alpha / sqrt((double)c->rank) : alpha / c->rank;
}

/* key f's value in c as text (n bytes): YAML's form, a string quoted when quoted */
static void value_text(const RunConfig *c, const Field *f, int quoted, char *val, size_t n) {
    const void *src = (const char *)c + f->offset;
    switch (f->type) {
    case T_INT: snprintf(val, n, "%d", *(const int *)src); break;
    case T_LONG: snprintf(val, n, "%ld", *(const long *)src); break;
    case T_FLOAT: {
        double d = *(const double *)src;
        if (isnan(d)) snprintf(val, n, "~");
        else {   /* the shortest of %.15g / %.17g that reads back exactly */
            snprintf(val, n, "%.15g", d);
            if (strtod(val, NULL) != d) snprintf(val, n, "%.17g", d);
        }
        break;
    }
    case T_BOOL: snprintf(val, n, "%s", *(const int *)src ? "true" : "false"); break;
    case T_STR: snprintf(val, n, quoted ? "\"%s\"" : "%s", (const char *)src); break;
    case T_ENUM: snprintf(val, n, "%s", (const char *)src); break;
    }
}

size_t config_to_yaml(const RunConfig *c, char *buf, size_t buflen) {
    size_t n = 0;
    for (size_t i = 0; i < nfields() && n < buflen; i++) {
        const Field *f = &fields()[i];
        if (f->task && strcmp(f->task, c->task) != 0) continue;   /* another task's own key */
        char val[CONFIG_STR + 2];
        value_text(c, f, 1, val, sizeof val);
        n += (size_t)snprintf(buf + n, buflen - n, "%s: %s\n", f->key, val);
    }
    return n < buflen ? n : buflen - 1;
}

int config_expand(const RunConfig *c, const char *key, const char *pattern, char *out, size_t n, char *err, size_t errlen) {
    size_t o = 0;
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            if (o + 1 >= n) goto too_long;
            out[o++] = *p++;
            continue;
        }
        const char *e = strchr(p, '}');
        char name[128], val[CONFIG_STR + 2];
        if (!e || (size_t)(e - p - 1) >= sizeof name) {
            snprintf(err, errlen, "key '%s' = '%s': a '{' without its '}' (expected {KEY}, KEY a config key)", key, pattern);
            return -1;
        }
        memcpy(name, p + 1, (size_t)(e - p - 1));
        name[e - p - 1] = 0;
        const Field *f = find_field(name);
        if (!f || (f->task && strcmp(f->task, c->task) != 0)) {
            Suggest s;
            char hint[SUGGEST_MAX + 32];
            suggest_begin(&s, name);
            for (size_t i = 0; i < nfields(); i++) suggest_offer(&s, fields()[i].key, strlen(fields()[i].key));
            suggest_hint(&s, hint, sizeof hint);
            snprintf(err, errlen, "key '%s' = '%s': {%s} is not a config key of task %s%s (expected {KEY}: {seed}, {method}, ...)", key,
                     pattern, name, c->task, hint);
            return -1;
        }
        value_text(c, f, 0, val, sizeof val);
        const size_t lv = strlen(val);
        if (o + lv >= n) goto too_long;
        memcpy(out + o, val, lv);
        o += lv;
        p = e + 1;
    }
    out[o] = 0;
    return 0;
too_long:
    snprintf(err, errlen, "key '%s' = '%s': longer than %zu bytes once expanded", key, pattern, n - 1);
    return -1;
}

size_t config_identity_yaml(const RunConfig *c, char *buf, size_t buflen) {
    RunConfig *k = malloc(sizeof(RunConfig));
    if (!k) { fprintf(stderr, "out of memory\n"); exit(1); }
    *k = *c;
    k->checkpoint_every = 0;   /* how often a run saves itself changes nothing it computes */
    size_t n = config_to_yaml(k, buf, buflen);
    free(k);
    return n;
}

void config_print_keys(void) {
    for (size_t i = 0; i < nfields(); i++) {
        char exp[160];
        expected(&fields()[i], exp, sizeof exp);
        const char *m = fields()[i].methods, *t = fields()[i].task;
        if (t && (i == 0 || !fields()[i - 1].task || strcmp(fields()[i - 1].task, t) != 0))
            printf("\nKeys of the task %s (core/tasks/%s_keys.def):\n", t, t);
        printf("  %-24s %s (default %s)\n  %-24s   %s%s%s%s\n", fields()[i].key, exp, fields()[i].def, "", fields()[i].help,
               m && strcmp(m, "*") ? " [acts for: " : "", m && strcmp(m, "*") ? m : "", m && strcmp(m, "*") ? "]" : "");
    }
    printf("\nMethods (core/methods/methods.def; aliases in parentheses):\n");
    for (int i = 0; i < METHOD_COUNT; i++) {
        const MethodInfo *m = method_info((MethodId)i);
        printf("  %-24s %s%s%s%s\n", m->name, m->help, m->aliases[0] ? " (" : "", m->aliases[0] ? m->aliases + 1 : "",
               m->aliases[0] ? ")" : "");
    }
}
