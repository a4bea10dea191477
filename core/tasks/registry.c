/* The tasks the harness knows, by the name of the config's `task:` key. A new task adds its
   TaskOps here (and its name to the key's choices in io/config.c). */
#include <string.h>
#include "../task.h"

extern const TaskOps MF_TASK, VIT_TASK, GPT_TASK;

static const TaskOps *const TASKS[] = { &MF_TASK, &VIT_TASK, &GPT_TASK };

const TaskOps *task_find(const char *name) {
    for (size_t i = 0; i < sizeof TASKS / sizeof TASKS[0]; i++)
        if (strcmp(TASKS[i]->name, name) == 0) return TASKS[i];
    return NULL;
}
