/* Finite-difference checks in double of every nn layer (linear, layernorm, GELU (erf and tanh), attention with
   and without the causal mask, cross-entropy, token embedding): loss = sum(out (.) R) for a fixed
   random R, analytic gradients from the backward against central differences. */
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "init.h"
#include "compute/kernels.h"
#include "rng.h"

#define H 1e-6
#define TOL 1e-6

enum { B = 2, T = 5, C = 8, NH = 2, OC = 6, V = 7 };

typedef struct {
    int kind;                                  /* which layer */
    real x[B * T * 3 * C], w[OC * 3 * C], b[T * C > 3 * C ? T * C : 3 * C], R[B * T * 3 * C], tmp[B * NH * T * T];
    int targets[B * T];
    int causal;
} Case;

enum { LINEAR, LAYERNORM, GELU, GELU_TANH, ATTENTION, XENT, TOKENS, EMBEDDING };

static double forward(void *ctx) {
    Case *c = ctx;
    real out[B * T * 3 * C], s1[B * T], s2[B * T], att[B * NH * T * T];
    double loss = 0;
    size_t n = 0;
    switch (c->kind) {
    case LINEAR: linear_forward(out, c->x, c->w, c->b, B * T, C, OC); n = B * T * OC; break;
    case LAYERNORM: layernorm_forward(out, s1, s2, c->x, c->w, c->b, B * T, C); n = B * T * C; break;
    case GELU: gelu_forward(out, c->x, B * T * C); n = B * T * C; break;
    case GELU_TANH: gelu_tanh_forward(out, c->x, B * T * C); n = B * T * C; break;
    case ATTENTION: attention_forward(out, att, c->x, B, T, C, NH, c->causal, NULL); n = B * T * C; break;
    case XENT: return crossentropy_forward(out, c->x, c->targets, B * T, V);
    case TOKENS: tokens_forward(out, c->x, c->w, c->b, B, T - 1, C); n = B * T * C; break;
    case EMBEDDING: embedding_forward(out, c->targets, c->w, c->b, NULL, B, T, C); n = B * T * C; break;
    }
    for (size_t i = 0; i < n; i++) loss += (double)out[i] * c->R[i];
    return loss;
}

static void check(Case *c, real *p, const real *grad, int n, const char *what) {
    real *fd = mallocCheck(sizeof(real) * n);
    fd_central(fd, p, n, H, forward, c);
    CHECK_LE(rel_err(grad, fd, n), TOL, what);
    free(fd);
}

int main(void) {
    Rng rng;
    rng_seed(&rng, 5);
    Case *c = mallocCheck(sizeof(Case));
    init_normal(c->x, sizeof c->x / sizeof(real), 0, 1, &rng);
    init_normal(c->w, sizeof c->w / sizeof(real), 0, 0.5, &rng);
    init_normal(c->b, sizeof c->b / sizeof(real), 0, 0.5, &rng);
    init_normal(c->R, sizeof c->R / sizeof(real), 0, 1, &rng);
    for (int i = 0; i < B * T; i++) c->targets[i] = (int)(rng_u64(&rng) % V);
    real dx[B * T * 3 * C], dw[OC * 3 * C], db[T * C > 3 * C ? T * C : 3 * C], mean[B * T], rstd[B * T], out[B * T * 3 * C], att[B * NH * T * T];
#define ZERO() do { memset(dx, 0, sizeof dx); memset(dw, 0, sizeof dw); memset(db, 0, sizeof db); } while (0)

    c->kind = LINEAR; ZERO();
    linear_backward(dx, dw, db, c->R, c->x, c->w, B * T, C, OC);
    check(c, c->x, dx, B * T * C, "linear: dinp (rel)");
    check(c, c->w, dw, OC * C, "linear: dweight (rel)");
    check(c, c->b, db, OC, "linear: dbias (rel)");

    c->kind = LAYERNORM; ZERO();
    layernorm_forward(out, mean, rstd, c->x, c->w, c->b, B * T, C);
    layernorm_backward(dx, dw, db, c->R, c->x, c->w, mean, rstd, B * T, C);
    check(c, c->x, dx, B * T * C, "layernorm: dinp (rel)");
    check(c, c->w, dw, C, "layernorm: dweight (rel)");
    check(c, c->b, db, C, "layernorm: dbias (rel)");

    c->kind = GELU; ZERO();
    gelu_backward(dx, c->x, c->R, B * T * C);
    check(c, c->x, dx, B * T * C, "gelu: dinp (rel)");

    c->kind = GELU_TANH; ZERO();
    gelu_tanh_backward(dx, c->x, c->R, B * T * C);
    check(c, c->x, dx, B * T * C, "gelu (tanh, GPT-2's gelu_new): dinp (rel)");
    gelu_forward(out, c->x, B * T * C);
    gelu_tanh_forward(dx, c->x, B * T * C);
    CHECK_LE(rel_err(dx, out, B * T * C), 1e-3, "gelu tanh approximation vs exact erf GELU (rel; they differ)");
    CHECK_GE(rel_err(dx, out, B * T * C), 1e-6, "gelu tanh approximation is not the erf GELU (rel)");

    for (int causal = 0; causal < 2; causal++) {
        c->kind = ATTENTION; c->causal = causal; ZERO();
        attention_forward(out, att, c->x, B, T, C, NH, causal, NULL);
        attention_backward(dx, c->tmp, c->R, c->x, att, B, T, C, NH, causal);
        check(c, c->x, dx, B * T * 3 * C, causal ? "attention (causal): dqkv (rel)" : "attention: dqkv (rel)");
    }

    c->kind = XENT; ZERO();
    crossentropy_forward(out, c->x, c->targets, B * T, V);
    crossentropy_backward(dx, out, c->targets, B * T, V);
    check(c, c->x, dx, B * T * V, "cross-entropy: dlogits (rel)");

    c->kind = TOKENS; ZERO();   /* x = patch embeddings (B,T-1,C), w = cls (C), b = pos (T,C) */
    tokens_backward(dx, dw, db, c->R, B, T - 1, C);
    check(c, c->x, dx, B * (T - 1) * C, "tokens: dembedding (rel)");
    check(c, c->w, dw, C, "tokens: dcls (rel)");
    check(c, c->b, db, T * C, "tokens: dpos (rel)");

    c->kind = EMBEDDING; ZERO();   /* w = wte (V,C) (V <= OC*3), b = wpe (T,C); targets are the tokens */
    embedding_backward(dw, db, c->R, c->targets, NULL, B, T, C);
    check(c, c->w, dw, V * C, "embedding: dwte (rel)");
    check(c, c->b, db, T * C, "embedding: dwpe (rel)");

    /* patchify moves every pixel exactly once */
    real img[2 * 28 * 28], patches[2 * 16 * 49];
    for (int i = 0; i < 2 * 28 * 28; i++) img[i] = (real)i;
    patchify(patches, img, 2, 28, 28, 7);
    double s1 = 0, s2 = 0;
    for (int i = 0; i < 2 * 28 * 28; i++) { s1 += img[i]; s2 += patches[i]; }
    CHECK(s1 == s2 && patches[49] == 7 && patches[7] == 28, "patchify: patch 1 starts at column 7, row 1 of patch 0 is pixel 28");
    free(c);
    return test_exit("test_nn_grad");
}
