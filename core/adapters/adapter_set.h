/* Adapters on any list of a network's linear layers: attach LoRA / DoRA to the chosen layers
   (their tensors in one allocation, PEFT's init), list them for the optimizer, merge them. The
   same work as nn/blocks' for its four modules, for a model that names its layers itself. */
#ifndef LOFT_ADAPTER_SET_H
#define LOFT_ADAPTER_SET_H
#include <stddef.h>
#include "../optim/optimizer.h"
#include "../real.h"
#include "../rng.h"
#include "adapted_linear.h"

typedef struct {
    real *adapter, *adapter_grad;   /* every adapted layer's A, B (and DoRA magnitude), one allocation each */
    size_t n;                       /* numbers in each */
    real *work;                     /* the layers' buffers: LoRA dyB and the xa cache (Nmax, r) each; DoRA V, Wd, dWd, dV, norm */
} AdapterSet;

/* Adds adapters (ADAPT_LORA or ADAPT_DORA, rank r, scale s, PEFT init: kaiming A or N(0, 1/r)
   (gaussian_init), B = 0) to the layers lin[i] with use[i] != 0, drawn in list order from rng;
   xa[i] [OUT] is layer i's LoRA cache (Nmax, r) for alinear_forward / backward (NULL when not
   LoRA). Nmax: the most rows a forward takes. */
#define adapter_set_attach LOFT_NAME(adapter_set_attach)
void adapter_set_attach(AdapterSet *a, AdaptedLinear *const *lin, const int *use, int n, AdaptKind kind, int r, double s,
                        int gaussian_init, int Nmax, Rng *rng, real **xa);
/* freezes every layer's W and b (no weight gradients) and appends one AdapterPair per adapted
   layer (DoRA magnitudes as plain tensors); -1 with a message past max_plain */
#define adapter_set_params LOFT_NAME(adapter_set_params)
int adapter_set_params(AdaptedLinear *const *lin, int n, AdapterPair *pairs, int *npairs, PlainTensor *plain, int *nplain,
                       int max_plain, char *err, size_t errlen);
#define adapter_set_free LOFT_NAME(adapter_set_free)
void adapter_set_free(AdapterSet *a);
#endif
