/* The ViT with adapters, in double: finite differences of the loss w.r.t. sampled entries of
   every adapter tensor (LoRA, rsLoRA scale, DoRA) and of the head; merged model = adapted model;
   an unknown target module or module to save is an error naming it. */
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "init.h"
#include "tasks/vit.h"

enum { B = 2 };
static const VitShape SHAPE = { 28, 7, 8, 2, 2, 16, 4 };
typedef struct { Vit *v; real *images; int targets[B]; } Ctx;

static double loss_of(void *p) { Ctx *c = p; return vit_forward(c->v, c->images, c->targets, B); }

/* FD on every 7th entry of p (n,) against g (n,) */
static double fd7(Ctx *c, real *p, const real *g, size_t n) { return fd_sampled(p, g, n, 7, loss_of, c); }

static void check_kind(AdaptKind kind, const char *name) {
    Rng rng;
    rng_seed(&rng, 3);
    Ctx c;
    c.v = vit_create(SHAPE, B);
    vit_init(c.v, &rng);
    char err[256];
    int rc = vit_add_adapters(c.v, "qkv,proj,fc1,fc2", kind, 2, 1.7, 0, &rng, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    for (size_t i = 0; i < c.v->nadapter; i++) c.v->adapter[i] += (real)(0.2 * rng_normal(&rng));  /* B != 0 */
    c.images = mallocCheck(sizeof(real) * B * 28 * 28);
    init_uniform(c.images, B * 28 * 28, 0, 1, &rng);
    c.targets[0] = 1; c.targets[1] = 3;
    AdapterPair pairs[64];
    PlainTensor plain[64];
    int np, nl;
    rc = vit_trainables(c.v, 0, "head,norm", pairs, &np, plain, &nl, 64, err, sizeof err);
    CHECK(rc == 0 && np == 8, "trainables: %d pairs (%s)", np, err);
    vit_forward(c.v, c.images, c.targets, B);
    vit_backward(c.v, c.targets, B);
    real *g = mallocCheck(sizeof(real) * c.v->nadapter);
    memcpy(g, c.v->adapter_grad, sizeof(real) * c.v->nadapter);
    real *gh = mallocCheck(sizeof(real) * c.v->nparams);
    memcpy(gh, c.v->grads, sizeof(real) * c.v->nparams);
    char what[96];
    if (kind == ADAPT_LORA) {
        snprintf(what, sizeof what, "ViT + %s: every 7th adapter entry vs finite differences (rel)", name);
        CHECK_LE(fd7(&c, c.v->adapter, g, c.v->nadapter), 1e-6, what);
    } else {   /* DoRA's A, B gradients treat the norm as a constant (test_adapters_grad checks them
                  with the norm frozen); the magnitudes have an exact reference here */
        double worst = 0;
        for (int l = 0; l < SHAPE.depth; l++)
            for (int m = 0; m < VIT_NMOD; m++) {
                AdaptedLinear *L = &c.v->blk.lin[l][m];
                worst = fmax(worst, fd7(&c, L->mag, g + (L->mag - c.v->adapter), (size_t)L->out));
            }
        snprintf(what, sizeof what, "ViT + %s: magnitudes of the 8 layers vs finite differences (rel)", name);
        CHECK_LE(worst, 1e-6, what);
    }
    size_t nh;
    real *hw = vit_param(c.v, "head_w", &nh), *l1 = vit_param(c.v, "ln1_w", NULL);
    snprintf(what, sizeof what, "ViT + %s: head weights vs finite differences (rel)", name);
    CHECK_LE(fd7(&c, hw, gh + (hw - c.v->params), nh), 1e-6, what);
    snprintf(what, sizeof what, "ViT + %s: ln1 weights vs finite differences (rel)", name);
    CHECK_LE(fd7(&c, l1, gh + (l1 - c.v->params), 16), 1e-6, what);
    /* merge: the plain model with folded weights gives the adapted model's logits */
    vit_forward(c.v, c.images, NULL, B);
    real logits[B * 4];
    memcpy(logits, c.v->logits, sizeof logits);
    vit_merge(c.v);
    vit_forward(c.v, c.images, NULL, B);
    snprintf(what, sizeof what, "ViT + %s: merged logits vs adapted logits (rel)", name);
    CHECK_LE(rel_err(c.v->logits, logits, B * 4), 1e-12, what);
    free(g); free(gh); free(c.images);
    vit_free(c.v);
}

int main(void) {
    check_kind(ADAPT_LORA, "LoRA");
    check_kind(ADAPT_DORA, "DoRA");
    Rng rng;
    rng_seed(&rng, 1);
    Vit *v = vit_create(SHAPE, B);
    vit_init(v, &rng);
    char err[256] = "";
    int rc = vit_add_adapters(v, "qkv,attn_out", ADAPT_LORA, 2, 1, 0, &rng, err, sizeof err);
    CHECK(rc != 0 && strstr(err, "target_modules: 'attn_out' matches no layer"), "unknown target module: '%s'", err);
    printf("  %s %s\n", rc ? "ok  " : "FAIL", err);
    AdapterPair pairs[64];
    PlainTensor plain[64];
    int np, nl;
    rc = vit_trainables(v, 0, "head,classifier", pairs, &np, plain, &nl, 64, err, sizeof err);
    CHECK(rc != 0 && strstr(err, "modules_to_save: 'classifier' matches no part"), "unknown module to save: '%s'", err);
    printf("  %s %s\n", rc ? "ok  " : "FAIL", err);
    vit_free(v);
    return test_exit("test_vit_adapters");
}
