/* The precision-free half of the optimizer: default settings and the choice of the entry-point
   table by precision (the tables are defined by optimizer.c, compiled once per precision). */
#include <string.h>
#include "optim_config.h"

extern const OptimApi OPTIM_API_f32, OPTIM_API_f64;

OptimConfig optim_config_default(OptimKind kind) {
    OptimConfig c;
    memset(&c, 0, sizeof(c));
    c.kind = kind;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.eps = kind == OPTIM_LOFT ? 1e-4 : 1e-8;
    c.alternate_update = c.rescale_grads = c.reproject_momentum = 1;
    c.reproject_second_moment = c.project_full_update = c.clip_projected = 1;
    return c;
}

const OptimApi *optim_api(const char *precision) {
    if (strcmp(precision, "float32") == 0) return &OPTIM_API_f32;
    if (strcmp(precision, "float64") == 0) return &OPTIM_API_f64;
    return NULL;
}

OptimConfig optim_config_of_run(const RunConfig *c) {
    int loft = strcmp(c->method, "loft") == 0;
    OptimConfig o = optim_config_default(loft ? OPTIM_LOFT : OPTIM_ADAMW);
    o.beta1 = c->beta1; o.beta2 = c->beta2; o.eps = c->eps;
    o.weight_decay = c->weight_decay; o.damping = c->damping; o.max_grad_norm = c->max_grad_norm;
    o.alternate_update = c->alternate_update; o.alternate_first_A = c->alternate_first[0] == 'A';
    o.rescale_grads = c->rescale_grads; o.reproject_momentum = c->reproject_momentum;
    o.reproject_second_moment = c->reproject_second_moment; o.project_full_update = c->project_full_update;
    o.clip_projected = c->clip_projected; o.row_block = c->row_block;
    o.parity = strcmp(c->parity, "tnurbek-148998d") == 0 ? PARITY_TNURBEK_148998D : PARITY_NONE;
    if (!loft) o.alternate_update = o.rescale_grads = o.reproject_momentum = o.reproject_second_moment =
                   o.project_full_update = o.clip_projected = 0;
    return o;
}
