/* The registry of methods, read from methods.def: their ids, what each trains, and the lookup
   of a method by the name or alias a config gives. Precision-free and dependency-free, so the
   config reader (io/) and the optimizers (optim/) share one table. */
#ifndef LOFT_METHODS_H
#define LOFT_METHODS_H

/* METHOD_<ID> for every line of methods.def, in its order */
#define METHOD(ID, name, aliases, adapter, pairs, unit_scale, help) METHOD_##ID,
typedef enum {
#include "methods.def"
    METHOD_COUNT
} MethodId;
#undef METHOD

/* what a method trains */
typedef enum { ADAPTER_NONE = 0, ADAPTER_LORA = 1, ADAPTER_DORA = 2 } MethodAdapter;

typedef struct {
    const char *name;              /* "lora-adamw" */
    const char *aliases;           /* "|lora": older names a config may use */
    MethodAdapter adapter;
    int unit_scale;                /* 1: s = 1 always (no alpha) */
    const char *help;
} MethodInfo;

/* the registry line of method id */
const MethodInfo *method_info(MethodId id);
/* the method a config names (its name or an alias); -1 when none */
int method_find(const char *name);
/* what the method a config names trains (ADAPTER_NONE for an unknown name) */
MethodAdapter method_adapter(const char *name);
#endif
