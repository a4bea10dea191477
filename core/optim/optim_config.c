/* The precision-free half of the optimizer: the settings
   (settings.def) with their defaults, a run config's settings, and the choice of the
   entry-point table by precision (the tables are defined by optimizer.c, compiled once per
   precision). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "optim_config.h"

extern const OptimApi OPTIM_API_f32, OPTIM_API_f64;

#define SETTING_TYPE_T_BOOL SETTING_BOOL
#define SETTING_TYPE_T_INT SETTING_INT
#define SETTING_TYPE_T_FLOAT SETTING_FLOAT
#define SETTING_TYPE_T_ENUM SETTING_ENUM
#define OPTIM_SETTING(name, type, size, lo, hi, choices, def, methods, ablation, help) \
    { #name, methods, ablation, help, def, SETTING_TYPE_##type, offsetof(OptimConfig, name) },
static const OptimSettingInfo SETTINGS[] = {
#include "../methods/settings.def"
};
#undef OPTIM_SETTING
#define NSETTINGS ((int)(sizeof(SETTINGS) / sizeof(SETTINGS[0])))

const OptimSettingInfo *optim_settings(int *n) {
    *n = NSETTINGS;
    return SETTINGS;
}

int optim_setting_applies(const OptimSettingInfo *s, MethodId id) {
    if (strcmp(s->methods, "*") == 0) return 1;
    const char *name = method_info(id)->name;
    size_t len = strlen(name);
    for (const char *p = s->methods; (p = strstr(p, name)) != NULL; p += len)
        if ((p == s->methods || p[-1] == ' ') && (p[len] == ' ' || p[len] == 0)) return 1;
    return 0;
}

/* a setting's default (its text in settings.def) into its field */
#define DEFAULT_T_BOOL(field, def) field = strcmp(def, "true") == 0;
#define DEFAULT_T_INT(field, def) field = atoi(def);
#define DEFAULT_T_FLOAT(field, def) field = strtod(def, NULL);
#define DEFAULT_T_ENUM(field, def) snprintf(field, sizeof field, "%s", def);

/* as they act: a setting of another method reads as off (0; a choice: its default) */
static void as_acted(OptimConfig *o) {
    for (int i = 0; i < NSETTINGS; i++) {
        if (optim_setting_applies(&SETTINGS[i], o->method)) continue;
        char *field = (char *)o + SETTINGS[i].offset;
        switch (SETTINGS[i].type) {
        case SETTING_BOOL: case SETTING_INT: *(int *)field = 0; break;
        case SETTING_FLOAT: *(double *)field = 0; break;
        case SETTING_ENUM: strcpy(field, SETTINGS[i].def); break;   /* fits: the default is one of the choices */
        }
    }
}

OptimConfig optim_config_default(MethodId method) {
    OptimConfig c;
    memset(&c, 0, sizeof(c));
    c.method = method;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.eps = method == METHOD_LOFT ? 1e-4 : 1e-8;
    c.threads = 1;
#define OPTIM_SETTING(name, type, size, lo, hi, choices, def, methods, ablation, help) DEFAULT_##type(c.name, def)
#include "../methods/settings.def"
#undef OPTIM_SETTING
    as_acted(&c);
    return c;
}

int optim_parity(const OptimConfig *c) { return c->method == METHOD_LOFT && strcmp(c->parity, "none") != 0; }

const OptimApi *optim_api(const char *precision) {
    if (strcmp(precision, "float32") == 0) return &OPTIM_API_f32;
    if (strcmp(precision, "float64") == 0) return &OPTIM_API_f64;
    return NULL;
}

OptimConfig optim_config_of_run(const RunConfig *c) {
    int id = method_find(c->method);
    OptimConfig o = optim_config_default(id < 0 ? METHOD_FULL_ADAMW : (MethodId)id);
    o.beta1 = c->beta1; o.beta2 = c->beta2; o.eps = c->eps; o.weight_decay = c->weight_decay;
    o.threads = c->batch_threads > 1 ? c->batch_threads : 1;   /* the cores the batch split uses */
#define OPTIM_SETTING(name, type, size, lo, hi, choices, def, methods, ablation, help) memcpy(&o.name, &c->name, sizeof o.name);
#include "../methods/settings.def"
#undef OPTIM_SETTING
    as_acted(&o);
    return o;
}
