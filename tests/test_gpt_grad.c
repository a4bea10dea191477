/* The GPT with LoRA adapters in double, with the exact (erf) and GPT-2's tanh GELU: finite
   differences of the loss w.r.t. sampled entries of every adapter tensor, the tied token
   embedding / head, the position embedding and the norms (modules_to_save norm,embed). The MLP
   is wider than 3 x width (as in GPT-2 and the GPT experiment), so under ASan this also checks
   the blocks' backward scratch buffers. */
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "tasks/gpt.h"

enum { B = 2, T = 5 };
typedef struct { Gpt *m; int tokens[B * T], targets[B * T]; } Ctx;

static double loss_of(void *p) { Ctx *c = p; return gpt_forward(c->m, c->tokens, c->targets, B, T); }

static void check_gelu(int tanh_gelu) {
    Rng rng;
    rng_seed(&rng, 11);
    Ctx c;
    c.m = gpt_create((GptShape){ 13, 6, 8, 2, 2, 40, tanh_gelu }, B, T);   /* MLP 40 > 3 x width: the wider scratch */
    gpt_init(c.m, &rng);
    for (size_t i = 0; i < c.m->nparams; i++) c.m->params[i] += (real)(0.3 * rng_normal(&rng));   /* away from init symmetries */
    char err[256];
    CHECK(gpt_add_adapters(c.m, "qkv,proj,fc1,fc2", ADAPT_LORA, 2, 1.5, 0, &rng, err, sizeof err) == 0, "%s", err);
    for (size_t i = 0; i < c.m->nadapter; i++) c.m->adapter[i] += (real)(0.2 * rng_normal(&rng));
    for (int i = 0; i < B * T; i++) { c.tokens[i] = (int)(rng_u64(&rng) % 13); c.targets[i] = (int)(rng_u64(&rng) % 13); }
    AdapterPair pairs[64];
    PlainTensor plain[64];
    int np, nl;
    CHECK(gpt_trainables(c.m, 0, "norm,embed", pairs, &np, plain, &nl, 64, err, sizeof err) == 0 && np == 8 && nl == 8,
          "trainables: %d pairs, %d plain (%s)", np, nl, err);
    loss_of(&c);
    gpt_backward(c.m, c.targets, B, T);
    real *ga = mallocCheck(sizeof(real) * c.m->nadapter), *gp = mallocCheck(sizeof(real) * c.m->nparams);
    memcpy(ga, c.m->adapter_grad, sizeof(real) * c.m->nadapter);
    memcpy(gp, c.m->grads, sizeof(real) * c.m->nparams);
    const char *g = tanh_gelu ? "tanh GELU" : "erf GELU";
    char what[128];
    snprintf(what, sizeof what, "GPT + LoRA (%s): every 5th adapter entry vs finite differences (rel)", g);
    CHECK_LE(fd_sampled(c.m->adapter, ga, c.m->nadapter, 5, loss_of, &c), 1e-6, what);
    static const char *names[] = { "wte", "wpe", "lnf_w", "ln1_b", "ln2_w" };
    for (int k = 0; k < 5; k++) {
        size_t n;
        real *p = gpt_param(c.m, names[k], &n);
        snprintf(what, sizeof what, "GPT + LoRA (%s): %s vs finite differences (rel)", g, names[k]);
        CHECK_LE(fd_sampled(p, gp + (p - c.m->params), n, 3, loss_of, &c), 1e-6, what);
    }
    free(ga); free(gp);
    gpt_free(c.m);
}

int main(void) {
    check_gelu(0);
    check_gelu(1);
    return test_exit("test_gpt_grad");
}
