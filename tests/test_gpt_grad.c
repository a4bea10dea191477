/* The GPT with LoRA adapters in double, with the exact (erf) and GPT-2's tanh GELU: finite
   differences of the loss w.r.t. sampled entries of every adapter tensor, the tied token
   embedding / head, the position embedding and the norms (modules_to_save norm,embed). The MLP
   is wider than 3 x width (as in GPT-2 and the GPT experiment), so under ASan this also checks
   the blocks' backward scratch buffers. Also: a packed sequence (one context, then several
   continuations each at its own positions and blind to the others: the cloze's layout) gives the
   logits of the separate sequences. */
#include <math.h>
#include <stdlib.h>
#include "compute/memory.h"
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

/* NC continuations of K tokens after a context of L tokens: packed (L + NC K rows) vs NC
   separate sequences of L + K tokens, every logit, in double */
static void check_packed(void) {
    enum { L = 4, K = 2, NC = 3, TS = L + K, TP = L + NC * K, V = 13 };
    Rng rng;
    rng_seed(&rng, 5);
    Gpt *m = gpt_create((GptShape){ V, 12, 8, 2, 2, 40, 0 }, NC, TP);
    gpt_init(m, &rng);
    for (size_t i = 0; i < m->nparams; i++) m->params[i] += (real)(0.3 * rng_normal(&rng));
    int sep[NC * TS], packed[TP], pos[TP], skip[2 * TP];
    for (int t = 0; t < L; t++) packed[t] = (int)(rng_u64(&rng) % V);
    for (int c = 0; c < NC; c++)
        for (int j = 0; j < K; j++) packed[L + c * K + j] = (int)(rng_u64(&rng) % V);
    for (int c = 0; c < NC; c++)
        for (int t = 0; t < TS; t++) sep[c * TS + t] = t < L ? packed[t] : packed[L + c * K + t - L];
    for (int t = 0; t < TP; t++) {
        int c = t < L ? -1 : (t - L) / K;
        pos[t] = c < 0 ? t : t - c * K;
        skip[2 * t] = L;
        skip[2 * t + 1] = c < 0 ? L : L + c * K;
    }
    real *ref = malloc(sizeof(real) * NC * TS * V);
    int *x = itensor_alloc(NC * TS), *p = itensor_alloc(TP), *s = itensor_alloc(2 * TP);
    itensor_upload(x, sep, NC * TS);
    gpt_forward(m, x, NULL, NC, TS);
    tensor_download(ref, m->logits, (size_t)NC * TS * V);
    itensor_upload(x, packed, TP);
    itensor_upload(p, pos, TP);
    itensor_upload(s, skip, 2 * TP);
    m->pos = p;
    m->blk.att_skip = s;
    gpt_forward(m, x, NULL, 1, TP);
    real *got = malloc(sizeof(real) * TP * V);
    tensor_download(got, m->logits, (size_t)TP * V);
    double worst = 0;
    for (int c = 0; c < NC; c++)
        for (int t = 0; t < TS; t++) {
            int row = t < L ? t : L + c * K + t - L;
            for (int v = 0; v < V; v++) worst = fmax(worst, fabs(ref[((size_t)c * TS + t) * V + v] - got[(size_t)row * V + v]));
        }
    CHECK_LE(worst, 1e-12, "GPT: packed continuations (positions + attention skip) vs separate sequences, worst |logit|");
    m->pos = NULL;
    m->blk.att_skip = NULL;
    itensor_free(x); itensor_free(p); itensor_free(s);
    free(ref); free(got);
    gpt_free(m);
}

int main(void) {
    check_packed();
    check_gelu(0);
    check_gelu(1);
    return test_exit("test_gpt_grad");
}
