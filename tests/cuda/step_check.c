/* One training step of a task through the task interface (task.h), in one precision (built with
   and without -DLOFT_F32: the ViT and GPT run in float32, MF in double): the step-0 evaluation
   (accuracies, held-out loss: every column the task logs), the training loss and every gradient
   of the trainables (adapter factors, full weights, biases, norms, heads). Linked against the
   CPU backend it records them (`step_check record FILE CONFIG.yaml [KEY=VALUE ...]`); linked
   against the CUDA backend it computes them on the GPU and compares with the bound given as
   LOFT_STEP_TOL (normwise relative error per gradient tensor; default 1e-4 float32, 1e-11
   double). Without a usable GPU `check` prints SKIP and exits 77. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compute/backend.h"
#include "compute/memory.h"
#include "io/config.h"
#include "optim/optimizer.h"
#include "task.h"
#include "record.h"

static double tol;

int main(int argc, char **argv) {
    if (argc < 4 || (strcmp(argv[1], "record") != 0 && strcmp(argv[1], "check") != 0)) {
        fprintf(stderr, "usage: %s record|check FILE CONFIG.yaml [KEY=VALUE ...]\n", argv[0]);
        return 2;
    }
    checking = strcmp(argv[1], "check") == 0;
    const char *t = getenv("LOFT_STEP_TOL");
    tol = t ? atof(t) : (sizeof(real) == 4 ? 1e-4 : 1e-11);
    char err[2048];
    RunConfig *c = calloc(1, sizeof *c);
    config_defaults(c);
    if (config_load_yaml(c, argv[3], err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
    for (int i = 4; i < argc; i++) {
        char key[128];
        const char *eq = strchr(argv[i], '=');
        if (!eq || eq - argv[i] >= (long)sizeof key) { fprintf(stderr, "error: '%s': expected KEY=VALUE\n", argv[i]); return 2; }
        snprintf(key, sizeof key, "%.*s", (int)(eq - argv[i]), argv[i]);
        if (config_set(c, key, eq + 1, "the command line", err, sizeof err) != 0) { fprintf(stderr, "error: %s\n", err); return 2; }
    }
    snprintf(c->device, sizeof c->device, "%s", compute_device());
    const TaskOps *ops = task_find(c->task);
    if (!ops) { fprintf(stderr, "error: task '%s' is not registered\n", c->task); return 2; }
    if (strcmp(ops->precision, LOFT_PRECISION) != 0) {
        fprintf(stderr, "error: task %s runs in %s; this is the %s build of step_check\n", c->task, ops->precision, LOFT_PRECISION);
        return 2;
    }
    if (compute_select(c->device, 0, err, sizeof err) != 0) {
        printf("SKIP step_check (%s %s): %s\n", c->task, c->method, err);
        return 77;
    }
    void *task = ops->create(c, err, sizeof err);
    if (!task) { fprintf(stderr, "error: %s\n", err); return 2; }
    io = fopen(argv[2], checking ? "rb" : "wb");
    if (!io) { fprintf(stderr, "error: cannot open %s\n", argv[2]); return 2; }
    if (checking) printf("step_check %s %s rank %d on %s\n", c->task, c->method, c->rank, compute_backend());
    const char *cols[TASK_MAX_EVALS];
    double ev[TASK_MAX_EVALS];
    const int ne = ops->eval_columns(task, cols);
    if (ne > 0 && ops->eval_due(task, 0, 0)) {
        ops->evaluate(task, 0, 0, ev);
        for (int i = 0; i < ne; i++) {
            char name[64];
            snprintf(name, sizeof name, "step-0 %s", cols[i]);
            values(name, &ev[i], 1, tol);
        }
    }
    const double loss = ops->loss_grad(task, 0);
    values("training loss", &loss, 1, tol);
    TaskTrainables tr;
    ops->trainables(task, &tr);
    const AdapterPair *pairs = tr.pairs;
    const PlainTensor *plain = tr.plain;
    for (int i = 0; i < tr.npairs; i++) {
        char name[64];
        snprintf(name, sizeof name, "pair %d gradient of A", i);
        tensor(name, pairs[i].gA, (size_t)pairs[i].r * pairs[i].n, tol);
        snprintf(name, sizeof name, "pair %d gradient of B", i);
        tensor(name, pairs[i].gB, (size_t)pairs[i].m * pairs[i].r, tol);
    }
    for (int i = 0; i < tr.nplain; i++) {
        char name[64];
        snprintf(name, sizeof name, "plain %d gradient", i);
        tensor(name, plain[i].g, plain[i].size, tol);
    }
    fclose(io);
    ops->free(task);
    free(c);
    if (!checking) {
        printf("step_check: recorded %d evaluations, the loss and %d gradients in %s\n", ne, 2 * tr.npairs + tr.nplain, argv[2]);
        return 0;
    }
    printf("step_check: %d outputs compared, %d beyond the bound\n", checks, failures);
    return failures ? 1 : 0;
}
