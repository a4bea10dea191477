/* Adapters on a list of linear layers: attach, list for the optimizer, free. */
#include <stdio.h>
#include <string.h>
#include "../compute/memory.h"
#include "adapter_set.h"
#include "dora.h"
#include "lora.h"

void adapter_set_attach(AdapterSet *a, AdaptedLinear *const *lin, const int *use, int n, AdaptKind kind, int r, double s,
                        int gaussian_init, int Nmax, Rng *rng, real **xa) {
    size_t total = 0, work = 0;
    for (int i = 0; i < n; i++) {
        if (!use[i]) continue;
        const size_t io = (size_t)lin[i]->in * lin[i]->out;
        total += (size_t)r * (lin[i]->in + lin[i]->out) + (kind == ADAPT_DORA ? lin[i]->out : 0);
        work += kind == ADAPT_DORA ? 4 * io + (size_t)lin[i]->out : 2 * (size_t)Nmax * r;
    }
    adapter_set_free(a);
    a->adapter = tensor_alloc(total ? total : 1);
    a->adapter_grad = tensor_alloc(total ? total : 1);
    a->work = tensor_alloc(work ? work : 1);
    a->n = total;
    real *p = a->adapter, *g = a->adapter_grad, *w = a->work;
    for (int i = 0; i < n; i++) {
        xa[i] = NULL;
        if (!use[i]) continue;
        AdaptedLinear *L = lin[i];
        L->kind = kind; L->r = r; L->s = s;
        L->A = p; L->gA = g; p += (size_t)r * L->in; g += (size_t)r * L->in;
        L->B = p; L->gB = g; p += (size_t)L->out * r; g += (size_t)L->out * r;
        lora_init(L->A, L->B, L->in, L->out, r, gaussian_init ? LORA_INIT_GAUSSIAN : LORA_INIT_KAIMING, rng);
        if (kind == ADAPT_DORA) {
            L->mag = p; L->gmag = g; p += L->out; g += L->out;
            dora_init_magnitude(L->mag, L->W, L->in, L->out);
            const size_t io = (size_t)L->in * L->out;
            L->V = w; L->Wd = w + io; L->dWd = w + 2 * io; L->dV = w + 3 * io; L->norm = w + 4 * io;
            w += 4 * io + (size_t)L->out;
        } else {
            L->dyB = w;
            xa[i] = w + (size_t)Nmax * r;
            w += 2 * (size_t)Nmax * r;
        }
    }
}

int adapter_set_params(AdaptedLinear *const *lin, int n, AdapterPair *pairs, int *npairs, PlainTensor *plain, int *nplain,
                       int max_plain, char *err, size_t errlen) {
    for (int i = 0; i < n; i++) {
        AdaptedLinear *L = lin[i];
        L->gW = NULL;   /* frozen: skip the weight-gradient GEMM */
        L->gb = NULL;
        if (L->kind == ADAPT_NONE) continue;
        pairs[(*npairs)++] = (AdapterPair){ L->A, L->B, L->gA, L->gB, L->out, L->in, L->r, L->s, L->W };
        if (L->kind != ADAPT_DORA) continue;
        if (*nplain == max_plain) { snprintf(err, errlen, "more than %d trainable tensors besides the adapter pairs", max_plain); return -1; }
        plain[(*nplain)++] = (PlainTensor){ L->mag, L->gmag, (size_t)L->out };
    }
    return 0;
}

void adapter_set_free(AdapterSet *a) {
    tensor_free(a->adapter);
    tensor_free(a->adapter_grad);
    tensor_free(a->work);
    memset(a, 0, sizeof *a);
}
