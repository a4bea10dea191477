/* Finite differences in double of the Llama family's layers (RMSNorm, rotary embeddings, SwiGLU,
   grouped-query attention through gqa_pack + attention + gqa_unpack, the cross-entropy that
   ignores rows) and of a whole tiny Llama with LoRA on every module (GQA, q/k/v biases, llama3
   rope scaling, untied head): loss = sum(out (.) R) for a fixed random R (the model: its own
   loss), analytic gradients from the backward against central differences. */
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "compute/kernels.h"
#include "compute/memory.h"
#include "init.h"
#include "rng.h"
#include "tasks/llama.h"

#define TOL 1e-6
enum { B = 2, T = 5, H = 4, KV = 2, D = 4, C = H * D, N = B * T };

typedef struct {
    int kind;
    real x[N * 3 * C], w[3 * C], y[N * 3 * C], R[N * 3 * C], cosv[T * D / 2], sinv[T * D / 2];
    int targets[N];
} Case;
enum { RMSNORM, ROPE, SWIGLU, GQA, XENT };

static double forward(void *ctx) {
    Case *c = ctx;
    real out[N * 3 * C], s[N], qkv[N * 3 * C], att[B * H * T * T];
    size_t n = 0;
    switch (c->kind) {
    case RMSNORM: rmsnorm_forward(out, s, c->x, c->w, N, C, 1e-5); n = (size_t)N * C; break;
    case ROPE: for (int i = 0; i < N * C; i++) out[i] = c->x[i];
        rope_apply(out, c->cosv, c->sinv, NULL, B, T, H, D, 0); n = (size_t)N * C; break;
    case SWIGLU: swiglu_forward(out, c->x, c->y, (size_t)N * C); n = (size_t)N * C; break;
    case GQA: gqa_pack(qkv, c->x, c->y, c->y + N * KV * D, N, H, KV, D);   /* q = x, k and v in y */
        attention_forward(out, att, qkv, B, T, C, H, 1, NULL); n = (size_t)N * C; break;
    case XENT: return crossentropy_masked_forward(out, c->x, c->targets, N, 7);
    }
    double loss = 0;
    for (size_t i = 0; i < n; i++) loss += (double)out[i] * c->R[i];
    return loss;
}

static void check(Case *c, real *p, const real *g, int n, const char *what) {
    real *fd = mallocCheck(sizeof(real) * n);
    fd_central(fd, p, n, 1e-6, forward, c);
    CHECK_LE(rel_err(g, fd, n), TOL, what);
    free(fd);
}

/* the whole model: its loss on a fixed batch */
typedef struct { Llama *m; int *x, *y, count; } ModelCase;
static double model_loss(void *ctx) {
    ModelCase *mc = ctx;
    return llama_forward(mc->m, mc->x, mc->y, mc->count, B, T);
}

/* lora 0: every weight's gradient (no adapters); 1: LoRA on every module, the factors' gradients */
static void whole_model(int lora) {
    LlamaShape s = { 11, 8, 2, 4, 2, 4, 6, 64, 10000, 1e-5, 0, 1, 0, 4, 1, 2, 4 };   /* llama3 scaling on */
    Llama *m = llama_create(s, B, T);
    Rng rng;
    rng_seed(&rng, 9);
    llama_init(m, &rng);
    for (size_t i = 0; i < m->nparams; i++) m->params[i] += (real)(0.05 * ((int)(i % 11) - 5));   /* biases and norms off their init */
    char err[256];
    if (lora) CHECK(llama_add_adapters(m, "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", ADAPT_LORA, 2, 1.5, 1, &rng, err, sizeof err) == 0, "%s", err);
    if (lora) init_normal(m->ad.adapter, m->ad.n, 0, 0.3, &rng);   /* B != 0 */
    int x[N], y[N], count = 0;
    for (int i = 0; i < N; i++) { x[i] = (int)(rng_u64(&rng) % 11); y[i] = i % 4 == 0 ? -100 : (int)(rng_u64(&rng) % 11); count += y[i] >= 0; }
    ModelCase mc = { m, x, y, count };
    llama_forward(m, x, y, count, B, T);
    llama_backward(m, y, B, T);
    if (!lora) {
        CHECK_LE(fd_sampled(m->params, m->grads, m->nparams, 7, model_loss, &mc), TOL, "llama: every 7th weight (full gradients, rel)");
        llama_free(m);
        return;
    }
    real *g = mallocCheck(sizeof(real) * m->ad.n);
    vec_copy(g, m->ad.adapter_grad, m->ad.n);
    CHECK_LE(fd_sampled(m->ad.adapter, g, m->ad.n, 3, model_loss, &mc), TOL, "llama: every 3rd LoRA factor entry (rel)");
    free(g);
    llama_free(m);
}

int main(void) {
    Rng rng;
    rng_seed(&rng, 5);
    Case *c = mallocCheck(sizeof(Case));
    init_normal(c->x, sizeof c->x / sizeof(real), 0, 1, &rng);
    init_normal(c->y, sizeof c->y / sizeof(real), 0, 1, &rng);
    init_normal(c->w, sizeof c->w / sizeof(real), 1, 0.3, &rng);
    init_normal(c->R, sizeof c->R / sizeof(real), 0, 1, &rng);
    for (int p = 0; p < T; p++)
        for (int i = 0; i < D / 2; i++) { c->cosv[p * D / 2 + i] = cos(p * (i + 0.3)); c->sinv[p * D / 2 + i] = sin(p * (i + 0.3)); }
    for (int i = 0; i < N; i++) c->targets[i] = i % 3 == 0 ? -100 : (int)(rng_u64(&rng) % 7);
    real dx[N * 3 * C], dy[N * 3 * C], dw[3 * C], s[N], out[N * 3 * C], att[B * H * T * T], datt[B * H * T * T], dqkv[N * 3 * C];

    c->kind = RMSNORM;
    memset(dx, 0, sizeof dx); memset(dw, 0, sizeof dw);
    rmsnorm_forward(out, s, c->x, c->w, N, C, 1e-5);
    rmsnorm_backward(dx, dw, c->R, c->x, c->w, s, N, C);
    check(c, c->x, dx, N * C, "rmsnorm: dinp (rel)");
    check(c, c->w, dw, C, "rmsnorm: dweight (rel)");

    c->kind = ROPE;   /* the backward: the gradient turned back in place */
    for (int i = 0; i < N * C; i++) dx[i] = c->R[i];
    rope_apply(dx, c->cosv, c->sinv, NULL, B, T, H, D, 1);
    check(c, c->x, dx, N * C, "rope: dinp (rel)");

    c->kind = SWIGLU;
    memset(dx, 0, sizeof dx); memset(dy, 0, sizeof dy);
    swiglu_backward(dx, dy, c->R, c->x, c->y, (size_t)N * C);
    check(c, c->x, dx, N * C, "swiglu: dgate (rel)");
    check(c, c->y, dy, N * C, "swiglu: dup (rel)");

    c->kind = GQA;
    memset(dx, 0, sizeof dx); memset(dy, 0, sizeof dy); memset(dqkv, 0, sizeof dqkv);
    real qkv[N * 3 * C];
    gqa_pack(qkv, c->x, c->y, c->y + N * KV * D, N, H, KV, D);
    attention_forward(out, att, qkv, B, T, C, H, 1, NULL);
    attention_backward(dqkv, datt, c->R, qkv, att, B, T, C, H, 1);
    gqa_unpack(dx, dy, dy + N * KV * D, dqkv, N, H, KV, D);
    check(c, c->x, dx, N * C, "gqa attention: dq (rel)");
    check(c, c->y, dy, 2 * N * KV * D, "gqa attention: dk, dv (each the sum over its group) (rel)");

    c->kind = XENT;
    memset(dx, 0, sizeof dx);
    crossentropy_masked_forward(out, c->x, c->targets, N, 7);
    crossentropy_masked_backward(dx, out, c->targets, N, 7, 1.0);
    check(c, c->x, dx, N * 7, "cross-entropy with ignored rows: dlogits (rel)");

    whole_model(0);
    whole_model(1);
    free(c);
    printf("test_llama_grad: %d checks, %d failed\n", g_checks, g_failures);
    return g_failures != 0;
}
