/* A tensor in a walk over a run's state (state_walk.h): read out through the host when saving,
   written back when loading, whichever memory the compute backend keeps it in. For the
   optimizers' and tasks' walks (resume checkpoints, store/resume.h). */
#ifndef LOFT_COMPUTE_TENSOR_WALK_H
#define LOFT_COMPUTE_TENSOR_WALK_H
#include <stdlib.h>
#include "../check.h"
#include "../state_walk.h"
#include "memory.h"

/* t (n,) in the walk w under name; nothing for n = 0 or t NULL */
static inline void tensor_walk(StateWalk *w, const char *name, real *t, size_t n) {
    if (!n || !t) return;
    real *host = mallocCheck(sizeof(real) * n);
    if (!w->loading) tensor_download(host, t, n);
    state_walk(w, name, host, sizeof(real) * n);
    if (w->loading) tensor_upload(t, host, n);
    free(host);
}
#endif
