/* Dispatch of an adapted linear layer to the plain, LoRA or DoRA forward/backward. */
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "adapted_linear.h"
#include "dora.h"
#include "lora.h"

void alinear_forward(AdaptedLinear *L, real *out, real *xa, const real *inp, int N) {
    switch (L->kind) {
    case ADAPT_NONE: linear_forward(out, inp, L->W, L->b, N, L->in, L->out); break;
    case ADAPT_LORA: lora_forward(out, xa, inp, L->W, L->b, L->A, L->B, L->s, N, L->in, L->out, L->r); break;
    case ADAPT_DORA:
        dora_weight(L->V, L->norm, L->Wd, L->W, L->A, L->B, L->mag, L->s, NULL, L->in, L->out, L->r);
        linear_forward(out, inp, L->Wd, L->b, N, L->in, L->out);
        break;
    }
}

void alinear_backward(AdaptedLinear *L, real *dinp, const real *dout, const real *inp, const real *xa, int N) {
    switch (L->kind) {
    case ADAPT_NONE: linear_backward(dinp, L->gW, L->gb, dout, inp, L->W, N, L->in, L->out); break;
    case ADAPT_LORA:
        lora_backward(dinp, L->gA, L->gB, L->gb, L->dyB, dout, inp, xa, L->W, L->A, L->B, L->s, N, L->in, L->out, L->r);
        break;
    case ADAPT_DORA:
        dora_backward(dinp, L->gA, L->gB, L->gmag, L->gb, L->dWd, L->dV, dout, inp, L->V, L->norm, L->Wd, L->A, L->B, L->mag,
                      L->s, N, L->in, L->out, L->r);
        break;
    }
}

void alinear_merge(AdaptedLinear *L) {
    if (L->kind == ADAPT_LORA) lora_merge(L->W, L->A, L->B, L->s, L->in, L->out, L->r, +1);
    if (L->kind == ADAPT_DORA) {
        dora_weight(L->V, L->norm, L->Wd, L->W, L->A, L->B, L->mag, L->s, NULL, L->in, L->out, L->r);
        vec_copy(L->W, L->Wd, (size_t)L->in * L->out);
    }
    L->kind = ADAPT_NONE;
}

void alinear_effective(AdaptedLinear *L, double *W) {
    const size_t n = (size_t)L->in * L->out;
    if (L->kind == ADAPT_NONE) { tensor_to_host(W, L->W, n); return; }
    if (L->kind == ADAPT_DORA) {
        dora_weight(L->V, L->norm, L->Wd, L->W, L->A, L->B, L->mag, L->s, NULL, L->in, L->out, L->r);
        tensor_to_host(W, L->Wd, n);
        return;
    }
    real *t = tensor_alloc(n);
    vec_copy(t, L->W, n);
    lora_merge(t, L->A, L->B, L->s, L->in, L->out, L->r, +1);
    tensor_to_host(W, t, n);
    tensor_free(t);
}
