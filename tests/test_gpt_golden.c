/* The assembled GPT in float32 against PyTorch (tests/gen_gpt_golden.py): the same weights and
   tokens give the same logits, loss and gradient of every parameter, to 1e-4 relative; with
   LoRA adapters (random, B != 0) the merged model gives the adapted model's logits. */
#define LOFT_F32
#include <stdlib.h>
#include "check.h"
#include "check_util.h"
#include "tasks/gpt.h"

static const char *FILE_;

static double *load(const char *name, size_t *n) { return golden_doubles(FILE_, name, n); }
static int attr(const char *name) { return (int)golden_attr(FILE_, "/", name); }

int main(int argc, char **argv) {
    FILE_ = argc > 1 ? argv[1] : "tests/golden/gpt.h5";
    GptShape s = { attr("vocab"), attr("ctx"), attr("width"), attr("depth"), attr("heads"), attr("mlp"), 0 };
    const int B = attr("batch"), T = attr("seq");
    Gpt *m = gpt_create(s, B, T);
    size_t n;
    for (int i = 0; i < GPT_NPARAM; i++) {
        char name[64];
        size_t count;
        real *p = gpt_param(m, GPT_PARAM_NAMES[i], &count);
        snprintf(name, sizeof name, "params/%s", GPT_PARAM_NAMES[i]);
        double *d = load(name, &n);
        CHECK(n == count, "%s: golden has %zu numbers, the model %zu", name, n, count);
        for (size_t j = 0; j < count && j < n; j++) p[j] = (real)d[j];
        free(d);
    }
    double *tk = load("tokens", &n), *tg = load("targets", &n), *logits = load("logits", &n), *loss = load("loss", &n);
    int tokens[64], targets[64];
    for (int i = 0; i < B * T; i++) { tokens[i] = (int)tk[i]; targets[i] = (int)tg[i]; }
    double l = gpt_forward(m, tokens, targets, B, T);
    gpt_backward(m, targets, B, T);
    CHECK_LE(rel_err_d(m->logits, logits, (size_t)B * T * s.vocab), 1e-4, "GPT logits vs PyTorch (rel)");
    CHECK_LE(fabs(l - loss[0]) / fabs(loss[0]), 1e-4, "GPT loss vs PyTorch (rel)");
    double worst = 0;
    const char *worst_name = "";
    for (int i = 0; i < GPT_NPARAM; i++) {
        char name[64];
        size_t count;
        real *p = gpt_param(m, GPT_PARAM_NAMES[i], &count);
        snprintf(name, sizeof name, "grads/%s", GPT_PARAM_NAMES[i]);
        double *d = load(name, &n);
        double e = rel_err_d(m->grads + (p - m->params), d, count);
        if (e > worst) { worst = e; worst_name = GPT_PARAM_NAMES[i]; }
        CHECK(e <= 1e-4, "gradient of %s: rel error %.3e > 1e-4", GPT_PARAM_NAMES[i], e);
        free(d);
    }
    char what[96];
    snprintf(what, sizeof what, "GPT: worst gradient of the 16 tensors vs PyTorch (%s, rel)", worst_name);
    CHECK_LE(worst, 1e-4, what);
    /* adapters: merged logits = adapted logits (tied head, causal blocks) */
    Rng rng;
    rng_seed(&rng, 4);
    char err[256];
    CHECK(gpt_add_adapters(m, "qkv,proj,fc1,fc2", ADAPT_LORA, 2, 1.0, 0, &rng, err, sizeof err) == 0, "%s", err);
    for (size_t i = 0; i < m->nadapter; i++) m->adapter[i] += 0.1f * (float)rng_normal(&rng);
    gpt_forward(m, tokens, NULL, B, T);
    real *adapted = malloc(sizeof(real) * B * T * s.vocab);
    memcpy(adapted, m->logits, sizeof(real) * B * T * s.vocab);
    gpt_merge(m);
    gpt_forward(m, tokens, NULL, B, T);
    CHECK_LE(rel_err(m->logits, adapted, (size_t)B * T * s.vocab), 1e-5, "GPT + LoRA: merged logits vs adapted logits (rel)");
    free(adapted); free(tk); free(tg); free(logits); free(loss);
    gpt_free(m);
    return test_exit("test_gpt_golden");
}
