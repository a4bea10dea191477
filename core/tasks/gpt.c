/* The GPT: allocation, init, adapters, forward, backward, trainable tensors. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../check.h"
#include "../init.h"
#include "../compute/backend.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "gpt.h"

const char *const GPT_PARAM_NAMES[GPT_NPARAM] = {
    "wte", "wpe", "ln1_w", "ln1_b", "qkv_w", "qkv_b", "proj_w", "proj_b",
    "ln2_w", "ln2_b", "fc1_w", "fc1_b", "fc2_w", "fc2_b", "lnf_w", "lnf_b" };

static real **slots_of(GptParams *p) { return (real **)p; }   /* GPT_NPARAM pointers, in name order */

Gpt *gpt_create(GptShape s, int Bmax, int Tmax) {
    if (s.depth > BLOCKS_MAX_DEPTH || s.width % s.heads || Tmax > s.ctx) return NULL;
    Gpt *m = mallocCheck(sizeof(Gpt));
    m->s = s;
    const size_t V = s.vocab, C = s.width, L = s.depth, H = s.mlp, X = s.ctx;
    size_t sz[GPT_NPARAM] = { V * C, X * C, L * C, L * C, L * 3 * C * C, L * 3 * C, L * C * C, L * C,
                              L * C, L * C, L * H * C, L * H, L * C * H, L * C, C, C };
    memcpy(m->sizes, sz, sizeof sz);
    for (int i = 0; i < GPT_NPARAM; i++) m->nparams += sz[i];
    m->params = tensor_alloc(m->nparams);
    m->grads = tensor_alloc(m->nparams);
    real *a = m->params, *g = m->grads;
    for (int i = 0; i < GPT_NPARAM; i++) { slots_of(&m->p)[i] = a; slots_of(&m->g)[i] = g; a += sz[i]; g += sz[i]; }
    Blocks *k = &m->blk;
    blocks_alloc(k, s.depth, s.width, s.heads, s.mlp, Bmax, Tmax, 1);
    k->gelu_tanh = s.gelu_tanh;
    k->ln1_w = m->p.ln1_w; k->ln1_b = m->p.ln1_b; k->ln2_w = m->p.ln2_w; k->ln2_b = m->p.ln2_b;
    k->g_ln1_w = m->g.ln1_w; k->g_ln1_b = m->g.ln1_b; k->g_ln2_w = m->g.ln2_w; k->g_ln2_b = m->g.ln2_b;
    for (int l = 0; l < s.depth; l++) {
        int in[4] = { (int)C, (int)C, (int)C, (int)H }, out[4] = { 3 * (int)C, (int)C, (int)H, (int)C };
        real *W[4] = { m->p.qkv_w + l * 3 * C * C, m->p.proj_w + l * C * C, m->p.fc1_w + l * H * C, m->p.fc2_w + l * C * H };
        real *b[4] = { m->p.qkv_b + l * 3 * C, m->p.proj_b + l * C, m->p.fc1_b + l * H, m->p.fc2_b + l * C };
        real *gW[4] = { m->g.qkv_w + l * 3 * C * C, m->g.proj_w + l * C * C, m->g.fc1_w + l * H * C, m->g.fc2_w + l * C * H };
        real *gb[4] = { m->g.qkv_b + l * 3 * C, m->g.proj_b + l * C, m->g.fc1_b + l * H, m->g.fc2_b + l * C };
        for (int j = 0; j < BLOCKS_NMOD; j++) {
            AdaptedLinear *Lr = &k->lin[l][j];
            memset(Lr, 0, sizeof(*Lr));
            Lr->in = in[j]; Lr->out = out[j]; Lr->W = W[j]; Lr->b = b[j]; Lr->gW = gW[j]; Lr->gb = gb[j];
        }
    }
    const size_t BT = (size_t)Bmax * Tmax;
    const struct { real **slot; size_t size; } table[] = {   /* the size table (shapes in gpt.h) */
        { &m->lnf, BT * C }, { &m->lnf_mean, BT }, { &m->lnf_rstd, BT }, { &m->logits, BT * V }, { &m->probs, BT * V },
        { &m->dlogits, BT * V }, { &m->dlnf, BT * C },
    };
    const size_t nt = sizeof table / sizeof table[0];
    size_t total = 0;
    for (size_t i = 0; i < nt; i++) total += table[i].size;
    m->acts = tensor_alloc(total);
    a = m->acts;
    for (size_t i = 0; i < nt; i++) { *table[i].slot = a; a += table[i].size; }
    m->tokens = itensor_alloc(BT);
    m->Bmax = Bmax;
    m->Tmax = Tmax;
    return m;
}

void gpt_free(Gpt *m) {
    if (!m) return;
    blocks_free(&m->blk);
    tensor_free(m->params); tensor_free(m->grads); tensor_free(m->acts); itensor_free(m->tokens); tensor_free(m->adapter); tensor_free(m->adapter_grad); free(m);
}

real *gpt_param(Gpt *m, const char *name, size_t *count) {
    for (int i = 0; i < GPT_NPARAM; i++)
        if (strcmp(GPT_PARAM_NAMES[i], name) == 0) { if (count) *count = m->sizes[i]; return slots_of(&m->p)[i]; }
    return NULL;
}

void gpt_init(Gpt *m, Rng *rng) {
    vec_zero(m->params, m->nparams);
    compute_host_access();   /* the layer-norm weights are set on the host */
    const double resid = 0.02 / sqrt(2.0 * m->s.depth);
    for (int i = 0; i < GPT_NPARAM; i++) {
        const char *n = GPT_PARAM_NAMES[i];
        real *p = slots_of(&m->p)[i];
        size_t len = strlen(n);
        if (strncmp(n, "ln", 2) == 0 && n[len - 1] == 'w') for (size_t j = 0; j < m->sizes[i]; j++) p[j] = 1;
        else if (n[len - 1] == 'w' || strcmp(n, "wte") == 0 || strcmp(n, "wpe") == 0)
            init_normal(p, m->sizes[i], 0, strcmp(n, "proj_w") == 0 || strcmp(n, "fc2_w") == 0 ? resid : 0.02, rng);
    }
}

int gpt_add_adapters(Gpt *m, const char *target, AdaptKind kind, int r, double s, int gaussian_init,
                     Rng *rng, char *err, size_t errlen) {
    return blocks_add_adapters(&m->blk, target, kind, r, s, gaussian_init, rng, &m->adapter, &m->adapter_grad,
                               &m->nadapter, "the GPT", err, errlen);
}

void gpt_merge(Gpt *m) { blocks_merge(&m->blk); }

double gpt_forward(Gpt *m, const int *tokens, const int *targets, int B, int T) {
    const int C = m->s.width, V = m->s.vocab, BT = B * T;
    itensor_copy(m->tokens, tokens, (size_t)BT);
    embedding_forward(m->blk.x, tokens, m->p.wte, m->p.wpe, m->pos, B, T, C);
    blocks_forward(&m->blk, B, T);
    layernorm_forward(m->lnf, m->lnf_mean, m->lnf_rstd, blocks_output(&m->blk), m->p.lnf_w, m->p.lnf_b, BT, C);
    linear_forward(m->logits, m->lnf, m->p.wte, NULL, BT, C, V);   /* tied head: logits = lnf wte^T */
    return targets ? crossentropy_forward(m->probs, m->logits, targets, BT, V) : 0.0;
}

void gpt_backward(Gpt *m, const int *targets, int B, int T) {
    const int C = m->s.width, V = m->s.vocab, BT = B * T;
    vec_zero(m->grads, m->nparams);
    if (m->nadapter) vec_zero(m->adapter_grad, m->nadapter);
    vec_zero(m->dlogits, (size_t)BT * V);
    crossentropy_backward(m->dlogits, m->probs, targets, BT, V);
    vec_zero(m->dlnf, (size_t)BT * C);
    linear_backward(m->dlnf, m->g.wte, NULL, m->dlogits, m->lnf, m->p.wte, BT, C, V);
    vec_zero(m->blk.dx, (size_t)BT * C);
    layernorm_backward(m->blk.dx, m->g.lnf_w, m->g.lnf_b, m->dlnf, blocks_output(&m->blk), m->p.lnf_w,
                       m->lnf_mean, m->lnf_rstd, BT, C);
    blocks_backward(&m->blk, B, T);
    embedding_backward(m->g.wte, m->g.wpe, m->blk.dx, m->tokens, m->pos, B, T, C);
}

int gpt_trainables(Gpt *m, int full, const char *modules_to_save, AdapterPair *pairs, int *npairs,
                   PlainTensor *plain, int *nplain, int max_plain, char *err, size_t errlen) {
    *npairs = 0;
    *nplain = 0;
    if (full) {
        plain[(*nplain)++] = (PlainTensor){ m->params, m->grads, m->nparams };
        return 0;
    }
    if (blocks_adapter_params(&m->blk, pairs, npairs, plain, nplain, max_plain, err, errlen)) return -1;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", modules_to_save ? modules_to_save : "");
    for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
        const char *names[6] = { 0 };
        if (strcmp(tok, "norm") == 0) { names[0] = "ln1_w"; names[1] = "ln1_b"; names[2] = "ln2_w"; names[3] = "ln2_b"; names[4] = "lnf_w"; names[5] = "lnf_b"; }
        else if (strcmp(tok, "embed") == 0) { names[0] = "wte"; names[1] = "wpe"; }
        else {
            snprintf(err, errlen, "modules_to_save: '%s' matches no part of the GPT (expected names among norm, embed)", tok);
            return -1;
        }
        for (int i = 0; i < 6 && names[i]; i++) {
            if (*nplain == max_plain) { snprintf(err, errlen, "modules_to_save: more than %d trainable tensors", max_plain); return -1; }
            size_t n;
            real *p = gpt_param(m, names[i], &n);
            plain[(*nplain)++] = (PlainTensor){ p, m->grads + (p - m->params), n };
        }
    }
    return 0;
}
