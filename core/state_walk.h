/* A walk over everything a run carries from one step to the next (parameters, optimizer moments
   and step counts, random streams, the run loop's own counters), so that one piece of code per
   component both saves and loads a resume checkpoint (store/resume.h). Each component calls
   state_walk for every piece of its state, in a fixed order; a saving walk reads the memory, a
   loading walk overwrites it. Tensors a backend may hold off the host go through
   tensor_walk (compute/tensor_walk.h). Precision-free. */
#ifndef LOFT_STATE_WALK_H
#define LOFT_STATE_WALK_H
#include <stddef.h>
#include <stdio.h>

typedef struct StateWalk StateWalk;
struct StateWalk {
    int loading;   /* 0: save (the walk reads p), 1: load (the walk writes p) */
    /* n bytes of host memory at p, under a name that says what they are ("pair3/mA") */
    void (*host)(StateWalk *w, const char *name, void *p, size_t n);
    void *ctx;     /* the walk's own (store/resume.c) */
};

static inline void state_walk(StateWalk *w, const char *name, void *p, size_t n) { w->host(w, name, p, n); }

/* a walk that passes every piece on to `inner` under "<prefix><index>/<name>" (index < 0: "<prefix>/<name>"),
   e.g. a pair optimizer's "mA" as "pair3/mA" */
typedef struct { StateWalk w; StateWalk *inner; const char *prefix; int index; } StateWalkScope;
static inline void state_walk_scope_host(StateWalk *w, const char *name, void *p, size_t n) {
    StateWalkScope *s = (StateWalkScope *)w;
    char full[160];
    if (s->index >= 0) snprintf(full, sizeof full, "%s%d/%s", s->prefix, s->index, name);
    else snprintf(full, sizeof full, "%s/%s", s->prefix, name);
    state_walk(s->inner, full, p, n);
}
static inline StateWalk *state_walk_scope(StateWalkScope *s, StateWalk *inner, const char *prefix, int index) {
    *s = (StateWalkScope){ { inner->loading, state_walk_scope_host, NULL }, inner, prefix, index };
    return &s->w;
}
#endif
