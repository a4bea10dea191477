/* The typed configuration of one run: a flat YAML file (configs/<task>.yaml) parsed with libyaml
   against a schema, then overridden key by key (Lua experiments, --set). Every error names the
   file (or origin), the line and the key, and says what was expected. Precision-independent. */
#ifndef LOFT_CONFIG_H
#define LOFT_CONFIG_H
#include <stddef.h>
#include <stdio.h>

#define CONFIG_STR 256

/* CONFIG_SETTING_<name>: the index of each line of methods/settings.def, and their number */
enum {
#define OPTIM_SETTING(name, type, size, lo, hi, choices, def, methods, ablation, help) CONFIG_SETTING_##name,
#include "../methods/settings.def"
#undef OPTIM_SETTING
    CONFIG_NSETTINGS
};

/* A task's own keys (item of the house: a new task is new files). A task lists them in
   core/tasks/<name>_keys.def, one line each,
     TASK_KEY(name, type, size, lo, hi, choices, default, help)
   with type INT | LONG | FLOAT | BOOL | STR | ENUM (size: bytes of a STR / ENUM value, 0 for the
   others; lo, hi: the inclusive range of INT / LONG / FLOAT; choices "a|b" of an ENUM; STR keys
   take "" or ~ as empty), and expands it twice: into a struct of its values (CONFIG_KEY_FIELD)
   and a table of ConfigKey rows (CONFIG_KEY_ROW), handed to the registry through TaskOps.keys.
   The keys then read, print, compare and document like the shared ones; their values live in
   RunConfig.task_values, read with config_task_values. Key names are global: a task's keys carry
   its name as a prefix (checked: a name used twice aborts at the first config_defaults). */
enum { CONFIG_KEY_INT, CONFIG_KEY_LONG, CONFIG_KEY_FLOAT, CONFIG_KEY_BOOL, CONFIG_KEY_STR, CONFIG_KEY_ENUM };
typedef struct {
    const char *key;
    int type;                 /* CONFIG_KEY_* */
    size_t offset, size;      /* in the task's struct of values */
    double min, max;
    const char *choices, *def, *help;
} ConfigKey;
typedef struct {
    const char *task;         /* the task's name (its `task:` value) */
    const ConfigKey *keys;
    int n;
    size_t size;              /* sizeof the task's struct of values */
} ConfigKeyTable;
#define CONFIG_KEY_FIELD(name, type, size) CONFIG_KEY_FIELD_##type(name, size)
#define CONFIG_KEY_FIELD_INT(name, size) int name;
#define CONFIG_KEY_FIELD_LONG(name, size) long name;
#define CONFIG_KEY_FIELD_FLOAT(name, size) double name;
#define CONFIG_KEY_FIELD_BOOL(name, size) int name;
#define CONFIG_KEY_FIELD_STR(name, size) char name[size];
#define CONFIG_KEY_FIELD_ENUM(name, size) char name[size];
#define CONFIG_KEY_ROW(Struct, name, type, lo, hi, choices, def, help) \
    { #name, CONFIG_KEY_##type, offsetof(Struct, name), sizeof(((Struct *)0)->name), lo, hi, choices, def, help },
/* the bytes of RunConfig.task_values: every registered task's values, side by side */
#define CONFIG_TASK_BYTES 2048

typedef struct {
    /* what runs */
    char task[16];                  /* a registered task (tasks/registry.c): mf | vit | gpt */
    char method[24];                /* a method of methods/methods.def, by name or alias */
    int rank;
    double alpha;                   /* NaN = alpha equals rank (s = 1 with scaling lora) */
    double alpha_per_rank;          /* NaN = not used; else alpha = alpha_per_rank x rank */
    char scaling[8];                /* lora | rslora */
    char init[12];                  /* linear | lora | gaussian | pissa | lora-ga | lora-one */
    int init_batches;               /* lora-ga / lora-one: batches of the gradient estimate */
    double init_gamma;              /* lora-ga / lora-one: gamma of the stable scale; 0 = the reference's */
    long seed;
    /* the matrix-factorization problem */
    int in, out, target_rank, bias;
    char problem_file[CONFIG_STR];  /* "" = draw the problem from the seed */
    /* training */
    long steps;
    double lr, beta1, beta2, eps, weight_decay;
    /* the methods' settings: LoFT's building blocks, clipping, ... (one field per line of
       methods/settings.def: T_BOOL, T_INT -> int, T_FLOAT -> double, T_ENUM -> char[size]) */
#define OPTIM_SETTING(name, type, size, lo, hi, choices, def, methods, ablation, help) CONFIG_FIELD_##type(name, size)
#define CONFIG_FIELD_T_BOOL(name, size) int name;
#define CONFIG_FIELD_T_INT(name, size) int name;
#define CONFIG_FIELD_T_FLOAT(name, size) double name;
#define CONFIG_FIELD_T_ENUM(name, size) char name[size];
#include "../methods/settings.def"
#undef OPTIM_SETTING
    /* the ViT task */
    char data_file[CONFIG_STR], checkpoint[CONFIG_STR], target_modules[CONFIG_STR], modules_to_save[CONFIG_STR];
    char vit_target[16];            /* unseen | imbalanced | source */
    double imbalance_ratio;
    int batch_size, batch_threads, eval_every, vit_width, vit_depth, vit_heads, vit_patch, vit_mlp;
    /* the GPT task */
    char text_dir[CONFIG_STR], corpus[CONFIG_STR], tokenizer[CONFIG_STR], gpt_checkpoint[CONFIG_STR], save_merged[CONFIG_STR];
    char gpt_target[16];            /* source | jargon */
    int vocab, ctx, gpt_width, gpt_depth, gpt_heads, gpt_mlp;
    char device[8];                 /* cpu | cuda: the compute backend the run needs */
    int tf32;                       /* cuda float32: TF32 tensor-core GEMMs allowed */
    double memory_limit_gb;         /* a run estimated to need more is refused before it starts */
    /* logging and reporting */
    int log_every;
    long checkpoint_every;          /* a resume checkpoint every this many steps (0: when interrupted only) */
    double loss_threshold;          /* steps-to-threshold in the tables */
    int reference_distance;         /* log the distance to full AdamW's W (lockstep shadow run) */
    double reference_lr;            /* the lockstep full AdamW's learning rate; NaN = the run's lr */
    int forgetting;                 /* vit/gpt: the pretraining task's held-out score at the start and the end */
    char source_corpus[CONFIG_STR]; /* gpt: the pretraining corpus in text_dir (forgetting) */
    int intruders;                  /* vit/gpt: count intruder dimensions of the block weights at the end */
    /* the registered tasks' own keys (ConfigKeyTable), each task's struct of values at its own
       offset; read with config_task_values */
    _Alignas(8) unsigned char task_values[CONFIG_TASK_BYTES];
    /* how each method setting (CONFIG_SETTING_<name>) got its value: CONFIG_BY_DEFAULT, _YAML or
       _OVERRIDE (config_set: a Lua experiment, --set); not a key, never written */
    unsigned char set_by[CONFIG_NSETTINGS];
} RunConfig;
enum { CONFIG_BY_DEFAULT = 0, CONFIG_BY_YAML = 1, CONFIG_BY_OVERRIDE = 2 };

/* The i-th key table of a registered task (i from 0), NULL past the last: defined by the task
   registry (tasks/registry.c), which knows the tasks; config.c only reads the tables. */
const ConfigKeyTable *config_task_keys(int i);
/* task's struct of values (its ConfigKeyTable's layout) inside c; NULL when no task of that name
   registered keys */
const void *config_task_values(const RunConfig *c, const char *task);

/* defaults of every key */
void config_defaults(RunConfig *c);
/* Reads a flat YAML mapping into c (over its current values). Returns 0, or -1 with
   "file:line: ..." in err. */
int config_load_yaml(RunConfig *c, const char *path, char *err, size_t errlen);
/* The same from YAML text in memory; origin names it in errors. */
int config_load_yaml_text(RunConfig *c, const char *text, const char *origin, char *err, size_t errlen);
/* 1 when two resolved configs (YAML text) set every key alike, keys one of them lacks read at
   their defaults: a run stored before a key was added still matches its config */
int config_same(const char *a, const char *b);
/* Sets one key from its text form; origin names where the value came from (for errors). An
   unknown key or enum value names the closest known one when one is close ("did you mean"). */
int config_set(RunConfig *c, const char *key, const char *value, const char *origin, char *err, size_t errlen);
/* Cross-key checks of the keys every run has (method, scaling, parity); -1 with a message naming
   the keys. Each task checks its own keys (task.h: task_check_config). A valid config whose
   method ignores a setting it was given gets a warning on stderr (config_warn_inactive). */
int config_validate(const RunConfig *c, char *err, size_t errlen);
/* The method settings (methods/settings.def) c was given that do not act for its method, one line
   each in buf (n bytes): "key 'K' does not act for method M (it acts for: ...)". A setting counts
   when an override (config_set) gave it, or a YAML file gave it a value other than its default;
   a key left at its default never does. Returns the number of such keys. */
int config_inactive_settings(const RunConfig *c, char *buf, size_t n);
/* "warning: <line>" on out for each of those not yet reported for the same method since the last
   config_warnings_reset() (an experiment load resets), so a sweep says it once; returns the number
   printed */
int config_warn_inactive(const RunConfig *c, FILE *out);
void config_warnings_reset(void);
/* The resolved config as YAML text, every key in schema order; returns bytes written. */
size_t config_to_yaml(const RunConfig *c, char *buf, size_t buflen);
/* pattern with each {KEY} replaced by the value of config key KEY in c (strings unquoted), into
   out (n bytes): a run's output path told apart from its sweep's others ("out/{method}-{seed}").
   key names the key the pattern came from in errors. 0, or -1 with a message (an unknown KEY,
   with "did you mean"; a '{' without '}'; too long) */
int config_expand(const RunConfig *c, const char *key, const char *pattern, char *out, size_t n, char *err, size_t errlen);
/* the same with the keys that are not part of a run's identity (checkpoint_every) at their
   defaults: two runs whose identity YAML is equal compute the same numbers */
size_t config_identity_yaml(const RunConfig *c, char *buf, size_t buflen);
/* the list of known keys, one per line with type and help (for `loft --help`) */
void config_print_keys(void);
/* gamma of the lora-ga / lora-one init as used (init_gamma, or the reference's 16 / 128 when it
   is 0); 0 for every other init */
double config_init_gamma(const RunConfig *c);
/* s in W0 + s B A for this config: alpha / r (scaling lora) or alpha / sqrt(r) (rslora), alpha
   from alpha or alpha_per_rank x r (default r); 1 for methods without an adapter */
double config_scale(const RunConfig *c);
#endif
