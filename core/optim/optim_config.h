/* What the run layer knows of an optimizer, in no precision: the methods (the registry,
   methods/methods.h), their settings (OptimConfig: AdamW's hyper-parameters plus one field per line of
   settings.def) and a table of entry points (OptimApi) over an opaque Optimizer, one table per
   precision. The tensors an optimizer works on are typed (optimizer.h); here they are opaque. */
#ifndef LOFT_OPTIM_CONFIG_H
#define LOFT_OPTIM_CONFIG_H
#include <stddef.h>
#include "../io/config.h"
#include "../methods/methods.h"
#include "../state_walk.h"


typedef struct {
    MethodId method;
    double beta1, beta2, eps, weight_decay;
    int threads;   /* the adapter pairs step on this many threads at once (a run's batch_threads); 1: in turn */
    /* the methods' settings, one field per line of settings.def (as in RunConfig) */
#define OPTIM_SETTING(name, type, size, lo, hi, choices, def, methods, ablation, help) CONFIG_FIELD_##type(name, size)
#include "../methods/settings.def"
#undef OPTIM_SETTING
} OptimConfig;

/* a setting's description for the attributes writer: name, type, where it lives in OptimConfig */
typedef enum { SETTING_BOOL, SETTING_INT, SETTING_FLOAT, SETTING_ENUM } SettingType;
typedef struct {
    const char *name, *methods, *ablation, *help, *def;
    SettingType type;
    size_t offset;
} OptimSettingInfo;
/* the lines of settings.def, in order; *n gets their number */
const OptimSettingInfo *optim_settings(int *n);
/* 1 when setting s acts for method id (its `methods` list holds the name, or "*") */
int optim_setting_applies(const OptimSettingInfo *s, MethodId id);

typedef struct Optimizer Optimizer;

/* optim_create / optim_step / optim_state_bytes / optim_free of one precision; pairs and plain
   point to AdapterPair and PlainTensor arrays of that precision */
typedef struct {
    const char *precision;         /* "float32" | "float64" */
    Optimizer *(*create)(const OptimConfig *cfg, const void *pairs, int npairs, const void *plain, int nplain,
                         char *err, size_t errlen);
    double (*step)(Optimizer *opt, double lr);
    size_t (*state_bytes)(const Optimizer *opt);
    size_t (*pair_state_bytes)(const Optimizer *opt);   /* the adapter pairs' part of state_bytes */
    /* the numbers of every gradient the optimizer steps on (pairs' gA, gB, then the plain
       tensors'), and their copy into the host buffer buf (back 0) or from it (back 1): the flat
       gradient of a data-parallel all-reduce, in the precision's element type */
    size_t (*grad_count)(const Optimizer *opt);
    void (*grads_copy)(Optimizer *opt, void *buf, int back);
    void (*free)(Optimizer *opt);
    /* the step count, every pair's state and the plain tensors' moments through the walk
       (state_walk.h): with the task's parameters, what a resumed run continues from */
    void (*walk)(Optimizer *opt, StateWalk *w);
} OptimApi;

/* defaults: betas (0.9, 0.999), eps 1e-8 (1e-4 for LoFT), decay 0, every setting at its
   settings.def default (every LoFT block on), those of other methods off as in optim_config_of_run */
OptimConfig optim_config_default(MethodId method);
/* the settings of a run's config (method, betas, decay, every setting); a setting that does not
   act for the method reads as off (0; a choice: its default), as it acted */
OptimConfig optim_config_of_run(const RunConfig *c);
/* 1 when LoFT runs in the parity mode of the authors' code (settings.def: parity) */
int optim_parity(const OptimConfig *c);
/* the entry points for "float32" or "float64", or NULL */
const OptimApi *optim_api(const char *precision);
#endif
