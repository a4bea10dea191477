/* The registry of methods (methods.h): one table from methods.def and its lookups. */
#include <stdio.h>
#include <string.h>
#include "methods.h"

#define METHOD(ID, name, aliases, adapter, pairs, unit_scale, help) { name, aliases, adapter, unit_scale, help },
static const MethodInfo METHODS[METHOD_COUNT] = {
#include "methods.def"
};
#undef METHOD

const MethodInfo *method_info(MethodId id) { return &METHODS[id]; }

int method_find(const char *name) {
    char bar[32];
    snprintf(bar, sizeof bar, "|%s|", name);
    for (int i = 0; i < METHOD_COUNT; i++) {
        char all[128];
        snprintf(all, sizeof all, "|%s%s|", METHODS[i].name, METHODS[i].aliases);
        if (strstr(all, bar)) return i;
    }
    return -1;
}

MethodAdapter method_adapter(const char *name) {
    int i = method_find(name);
    return i < 0 ? ADAPTER_NONE : METHODS[i].adapter;
}
