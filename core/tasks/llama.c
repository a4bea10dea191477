/* The Llama-family decoder: allocation, init, rotary tables, adapters, forward, backward,
   trainable tensors (llama.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../check.h"
#include "../init.h"
#include "../compute/backend.h"
#include "../compute/kernels.h"
#include "../compute/memory.h"
#include "llama.h"

const char *const LLAMA_PARAM_NAMES[LLAMA_NPARAM] = {
    "embed", "attn_norm", "wq", "wk", "wv", "wo", "bq", "bk", "bv", "bo", "mlp_norm", "wgate", "wup", "wdown", "norm" };
const char *const LLAMA_MODULES[LLAMA_NMOD] = { "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj" };

static real **slots_of(LlamaParams *p) { return (real **)p; }   /* LLAMA_NPARAM pointers in name order, then lm_head */

/* every tensor's size, in name order, then lm_head's (0 when tied) */
static void param_sizes(const LlamaShape *s, size_t *sz, size_t *head) {
    const size_t V = s->vocab, C = s->width, L = s->depth, Q = (size_t)s->heads * s->head_dim, K = (size_t)s->kv_heads * s->head_dim,
                 I = s->mlp;
    const size_t t[LLAMA_NPARAM] = { V * C, L * C, L * Q * C, L * K * C, L * K * C, L * C * Q,
                                     s->qkv_bias ? L * Q : 0, s->qkv_bias ? L * K : 0, s->qkv_bias ? L * K : 0, s->o_bias ? L * C : 0,
                                     L * C, L * I * C, L * I * C, L * C * I, C };
    memcpy(sz, t, sizeof t);
    *head = s->tied ? 0 : V * C;
}

double llama_bytes(const LlamaShape *s, int B, int T, int full, int r) {
    size_t sz[LLAMA_NPARAM], head, params = 0;
    param_sizes(s, sz, &head);
    for (int i = 0; i < LLAMA_NPARAM; i++) params += sz[i];
    params += head;
    const double C = s->width, L = s->depth, Q = (double)s->heads * s->head_dim, K = (double)s->kv_heads * s->head_dim, I = s->mlp,
                 V = s->vocab, N = (double)B * T;
    const double adapters = full ? 0 : L * r * (2 * (C + Q) + 2 * (C + K) + 3 * (C + I) + (C + Q));
    const double weights = full ? 4.0 * params : 2.0 * params + 4 * adapters + L * LLAMA_NMOD * 2 * N * r;
    const double acts = N * (L * (4 * C + 2 + 4 * Q + 3 * I) + 2 * C + 1 + 3 * V) + L * B * s->heads * (double)T * T +
                        N * (3 * C + 2 * Q + 4 * K + 3 * Q + 3 * I) + (double)B * s->heads * T * T;
    return 4 * (weights + acts);
}

/* the rotary tables (Tmax, d/2): inv_freq = theta^(-2i/d), llama3-scaled when rope_factor > 0 */
static void rope_tables(Llama *m) {
    const LlamaShape *s = &m->s;
    const int half = s->head_dim / 2;
    real *c = mallocCheck(sizeof(real) * (size_t)m->Tmax * half), *sn = mallocCheck(sizeof(real) * (size_t)m->Tmax * half);
    for (int i = 0; i < half; i++) {
        double inv = 1.0 / pow(s->rope_theta, 2.0 * i / s->head_dim);
        if (s->rope_factor > 0) {
            const double L = s->rope_orig_max, wl = 2 * M_PI / inv, low_wl = L / s->rope_low, high_wl = L / s->rope_high;
            if (wl > low_wl) inv /= s->rope_factor;
            else if (wl >= high_wl) {
                const double sm = (L / wl - s->rope_low) / (s->rope_high - s->rope_low);
                inv = (1 - sm) * inv / s->rope_factor + sm * inv;
            }
        }
        for (int p = 0; p < m->Tmax; p++) {
            c[(size_t)p * half + i] = (real)cos(p * inv);
            sn[(size_t)p * half + i] = (real)sin(p * inv);
        }
    }
    tensor_upload(m->cosv, c, (size_t)m->Tmax * half);
    tensor_upload(m->sinv, sn, (size_t)m->Tmax * half);
    free(c);
    free(sn);
}

Llama *llama_create(LlamaShape s, int Bmax, int Tmax) {
    if (s.depth < 1 || s.depth > LLAMA_MAX_DEPTH || s.kv_heads < 1 || s.heads % s.kv_heads || s.head_dim % 2 || Bmax < 1 || Tmax < 1)
        return NULL;
    Llama *m = mallocCheck(sizeof(Llama));
    memset(m, 0, sizeof *m);
    m->s = s;
    m->Bmax = Bmax;
    m->Tmax = Tmax;
    size_t head;
    param_sizes(&s, m->sizes, &head);
    for (int i = 0; i < LLAMA_NPARAM; i++) m->nparams += m->sizes[i];
    m->nparams += head;
    m->params = tensor_alloc(m->nparams);
    m->grads = tensor_alloc(m->nparams);
    real *a = m->params, *g = m->grads;
    for (int i = 0; i < LLAMA_NPARAM; i++) { slots_of(&m->p)[i] = a; slots_of(&m->g)[i] = g; a += m->sizes[i]; g += m->sizes[i]; }
    m->p.lm_head = head ? a : m->p.embed;
    m->g.lm_head = head ? g : m->g.embed;
    const int C = s.width, Q = s.heads * s.head_dim, K = s.kv_heads * s.head_dim, I = s.mlp;
    for (int l = 0; l < s.depth; l++) {
        const int in[LLAMA_NMOD] = { C, C, C, Q, C, C, I }, out[LLAMA_NMOD] = { Q, K, K, C, I, I, C };
        real *W[LLAMA_NMOD] = { m->p.wq, m->p.wk, m->p.wv, m->p.wo, m->p.wgate, m->p.wup, m->p.wdown };
        real *gW[LLAMA_NMOD] = { m->g.wq, m->g.wk, m->g.wv, m->g.wo, m->g.wgate, m->g.wup, m->g.wdown };
        real *b[LLAMA_NMOD] = { m->p.bq, m->p.bk, m->p.bv, m->p.bo }, *gb[LLAMA_NMOD] = { m->g.bq, m->g.bk, m->g.bv, m->g.bo };
        const int has_b[LLAMA_NMOD] = { s.qkv_bias, s.qkv_bias, s.qkv_bias, s.o_bias };
        for (int j = 0; j < LLAMA_NMOD; j++) {
            AdaptedLinear *L = &m->lin[l][j];
            const size_t io = (size_t)in[j] * out[j];
            L->in = in[j]; L->out = out[j];
            L->W = W[j] + l * io; L->gW = gW[j] + l * io;
            if (j < 4 && has_b[j]) { L->b = b[j] + (size_t)l * out[j]; L->gb = gb[j] + (size_t)l * out[j]; }
        }
    }
    const size_t N = (size_t)Bmax * Tmax, Lz = s.depth, V = s.vocab, att = (size_t)Bmax * s.heads * Tmax * Tmax;
    const struct { real **slot; size_t size; } table[] = {   /* the size table (shapes in llama.h) */
        { &m->x, (Lz + 1) * N * C }, { &m->h, Lz * N * C }, { &m->xn1, Lz * N * C }, { &m->xn2, Lz * N * C },
        { &m->rstd1, Lz * N }, { &m->rstd2, Lz * N }, { &m->qkv, Lz * N * 3 * Q }, { &m->att, Lz * att }, { &m->atto, Lz * N * Q },
        { &m->gate, Lz * N * I }, { &m->up, Lz * N * I }, { &m->act, Lz * N * I }, { &m->xf, N * C }, { &m->rstdf, N },
        { &m->logits, N * V }, { &m->probs, N * V }, { &m->q, N * Q }, { &m->k, N * K }, { &m->v, N * K }, { &m->tmp, N * C },
        { &m->dx, N * C }, { &m->dxn, N * C }, { &m->dq, N * Q }, { &m->dk, N * K }, { &m->dv, N * K }, { &m->dqkv, N * 3 * Q },
        { &m->datt, att }, { &m->datto, N * Q }, { &m->dgate, N * I }, { &m->dup, N * I }, { &m->dact, N * I }, { &m->dlogits, N * V },
        { &m->cosv, (size_t)Tmax * (s.head_dim / 2) }, { &m->sinv, (size_t)Tmax * (s.head_dim / 2) },
        { &m->zero_pos, (size_t)Tmax * C }, { &m->dzero_pos, (size_t)Tmax * C },
    };
    const size_t nt = sizeof table / sizeof table[0];
    size_t total = 0;
    for (size_t i = 0; i < nt; i++) total += table[i].size;
    m->acts = tensor_alloc(total);
    a = m->acts;
    for (size_t i = 0; i < nt; i++) { *table[i].slot = a; a += table[i].size; }
    vec_zero(m->zero_pos, (size_t)Tmax * C);
    m->tokens = itensor_alloc(N);
    rope_tables(m);
    return m;
}

void llama_free(Llama *m) {
    if (!m) return;
    adapter_set_free(&m->ad);
    tensor_free(m->params); tensor_free(m->grads); tensor_free(m->acts); itensor_free(m->tokens);
    free(m);
}

real *llama_param(Llama *m, const char *name, size_t *count) {
    for (int i = 0; i < LLAMA_NPARAM; i++)
        if (strcmp(LLAMA_PARAM_NAMES[i], name) == 0) { if (count) *count = m->sizes[i]; return slots_of(&m->p)[i]; }
    if (strcmp(name, "lm_head") == 0 && !m->s.tied) { if (count) *count = (size_t)m->s.vocab * m->s.width; return m->p.lm_head; }
    return NULL;
}

void llama_init(Llama *m, Rng *rng) {
    vec_zero(m->params, m->nparams);
    compute_host_access();   /* the norms are set on the host */
    for (int i = 0; i < LLAMA_NPARAM; i++) {
        const char *n = LLAMA_PARAM_NAMES[i];
        real *p = slots_of(&m->p)[i];
        if (strstr(n, "norm")) for (size_t j = 0; j < m->sizes[i]; j++) p[j] = 1;
        else if (n[0] != 'b') init_normal(p, m->sizes[i], 0, 0.02, rng);
    }
    if (!m->s.tied) init_normal(m->p.lm_head, (size_t)m->s.vocab * m->s.width, 0, 0.02, rng);
}

int llama_add_adapters(Llama *m, const char *target, AdaptKind kind, int r, double s, int gaussian_init, Rng *rng,
                       char *err, size_t errlen) {
    int use_mod[LLAMA_NMOD] = { 0 };
    char buf[256];
    snprintf(buf, sizeof buf, "%s", target);
    for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
        int found = 0;
        for (int j = 0; j < LLAMA_NMOD; j++) if (strcmp(tok, LLAMA_MODULES[j]) == 0) { use_mod[j] = 1; found = 1; }
        if (!found) {
            snprintf(err, errlen, "llama_target_modules: '%s' matches no layer of the Llama (expected names among q_proj, k_proj, "
                     "v_proj, o_proj, gate_proj, up_proj, down_proj)", tok);
            return -1;
        }
    }
    const int n = m->s.depth * LLAMA_NMOD;
    AdaptedLinear **lin = mallocCheck(sizeof(AdaptedLinear *) * n);
    int *use = mallocCheck(sizeof(int) * n);
    for (int l = 0; l < m->s.depth; l++)
        for (int j = 0; j < LLAMA_NMOD; j++) { lin[l * LLAMA_NMOD + j] = &m->lin[l][j]; use[l * LLAMA_NMOD + j] = use_mod[j]; }
    adapter_set_attach(&m->ad, lin, use, n, kind, r, s, gaussian_init, m->Bmax * m->Tmax, rng, &m->xa[0][0]);
    free(lin);
    free(use);
    return 0;
}

int llama_trainables(Llama *m, int full, AdapterPair *pairs, int *npairs, PlainTensor *plain, int *nplain, int max_plain,
                     char *err, size_t errlen) {
    *npairs = 0;
    *nplain = 0;
    if (full) {
        m->frozen = 0;
        plain[(*nplain)++] = (PlainTensor){ m->params, m->grads, m->nparams };
        return 0;
    }
    m->frozen = 1;
    AdaptedLinear *lin[LLAMA_MAX_DEPTH * LLAMA_NMOD];
    for (int l = 0; l < m->s.depth; l++)
        for (int j = 0; j < LLAMA_NMOD; j++) lin[l * LLAMA_NMOD + j] = &m->lin[l][j];
    return adapter_set_params(lin, m->s.depth * LLAMA_NMOD, pairs, npairs, plain, nplain, max_plain, err, errlen);
}

void llama_merge(Llama *m) {
    for (int l = 0; l < m->s.depth; l++)
        for (int j = 0; j < LLAMA_NMOD; j++) alinear_merge(&m->lin[l][j]);
}

double llama_forward(Llama *m, const int *tokens, const int *targets, int ntargets, int B, int T) {
    const LlamaShape *s = &m->s;
    const int C = s->width, H = s->heads, KV = s->kv_heads, d = s->head_dim, Q = H * d, I = s->mlp, V = s->vocab, N = B * T;
    const size_t NC = (size_t)N * C, stride = (size_t)m->Bmax * m->Tmax;   /* per-layer offsets in tokens */
    itensor_copy(m->tokens, tokens, (size_t)N);
    embedding_forward(m->x, tokens, m->p.embed, m->zero_pos, NULL, B, T, C);
    for (int l = 0; l < s->depth; l++) {
        const size_t o = (size_t)l * stride;
        real *x = m->x + o * C, *xn = m->x + (o + stride) * C, *h = m->h + o * C, *xn1 = m->xn1 + o * C, *xn2 = m->xn2 + o * C;
        real *qkv = m->qkv + o * 3 * Q, *atto = m->atto + o * Q, *gate = m->gate + o * I, *up = m->up + o * I, *act = m->act + o * I;
        real *att = m->att + (size_t)l * m->Bmax * H * m->Tmax * m->Tmax;
        AdaptedLinear *L = m->lin[l];
        real **xa = m->xa[l];
        /* h = x + o(attention(rope(q(xn1)), rope(k(xn1)), v(xn1))), xn1 = rmsnorm(x) */
        rmsnorm_forward(xn1, m->rstd1 + o, x, m->p.attn_norm + (size_t)l * C, N, C, s->rms_eps);
        alinear_forward(&L[0], m->q, xa[0], xn1, N);
        alinear_forward(&L[1], m->k, xa[1], xn1, N);
        alinear_forward(&L[2], m->v, xa[2], xn1, N);
        rope_apply(m->q, m->cosv, m->sinv, NULL, B, T, H, d, 0);
        rope_apply(m->k, m->cosv, m->sinv, NULL, B, T, KV, d, 0);
        gqa_pack(qkv, m->q, m->k, m->v, N, H, KV, d);
        attention_forward(atto, att, qkv, B, T, Q, H, 1, NULL);
        alinear_forward(&L[3], m->tmp, xa[3], atto, N);
        vec_add(h, x, m->tmp, NC);
        /* x' = h + down(silu(gate(xn2)) * up(xn2)), xn2 = rmsnorm(h) */
        rmsnorm_forward(xn2, m->rstd2 + o, h, m->p.mlp_norm + (size_t)l * C, N, C, s->rms_eps);
        alinear_forward(&L[4], gate, xa[4], xn2, N);
        alinear_forward(&L[5], up, xa[5], xn2, N);
        swiglu_forward(act, gate, up, (size_t)N * I);
        alinear_forward(&L[6], m->tmp, xa[6], act, N);
        vec_add(xn, h, m->tmp, NC);
    }
    rmsnorm_forward(m->xf, m->rstdf, m->x + (size_t)s->depth * stride * C, m->p.norm, N, C, s->rms_eps);
    linear_forward(m->logits, m->xf, m->p.lm_head, NULL, N, C, V);   /* logits = xf lm_head^T */
    if (!targets) return 0.0;
    m->ntargets = ntargets;
    const double sum = crossentropy_masked_forward(m->probs, m->logits, targets, N, V);
    return m->ntargets ? sum / m->ntargets : NAN;
}

void llama_backward(Llama *m, const int *targets, int B, int T) {
    const LlamaShape *s = &m->s;
    const int C = s->width, H = s->heads, KV = s->kv_heads, d = s->head_dim, Q = H * d, K = KV * d, I = s->mlp, V = s->vocab, N = B * T;
    const size_t NC = (size_t)N * C, stride = (size_t)m->Bmax * m->Tmax;
    vec_zero(m->grads, m->nparams);
    if (m->ad.n) vec_zero(m->ad.adapter_grad, m->ad.n);
    real *gnorm = m->frozen ? NULL : m->g.norm;
    vec_zero(m->dlogits, (size_t)N * V);
    crossentropy_masked_backward(m->dlogits, m->probs, targets, N, V, m->ntargets ? 1.0 / m->ntargets : 0.0);
    vec_zero(m->dxn, NC);
    linear_backward(m->dxn, m->frozen ? NULL : m->g.lm_head, NULL, m->dlogits, m->xf, m->p.lm_head, N, C, V);
    vec_zero(m->dx, NC);
    rmsnorm_backward(m->dx, gnorm, m->dxn, m->x + (size_t)s->depth * stride * C, m->p.norm, m->rstdf, N, C);
    for (int l = s->depth - 1; l >= 0; l--) {
        const size_t o = (size_t)l * stride;
        real *x = m->x + o * C, *h = m->h + o * C, *xn1 = m->xn1 + o * C, *xn2 = m->xn2 + o * C;
        real *qkv = m->qkv + o * 3 * Q, *atto = m->atto + o * Q, *gate = m->gate + o * I, *up = m->up + o * I, *act = m->act + o * I;
        real *att = m->att + (size_t)l * m->Bmax * H * m->Tmax * m->Tmax;
        AdaptedLinear *L = m->lin[l];
        real **xa = m->xa[l];
        /* x' = h + down(swiglu(gate(xn2), up(xn2))): d h = dx + the MLP path, gathered in dx */
        vec_zero(m->dact, (size_t)N * I);
        alinear_backward(&L[6], m->dact, m->dx, act, xa[6], N);
        vec_zero(m->dgate, (size_t)N * I);
        vec_zero(m->dup, (size_t)N * I);
        swiglu_backward(m->dgate, m->dup, m->dact, gate, up, (size_t)N * I);
        vec_zero(m->dxn, NC);
        alinear_backward(&L[4], m->dxn, m->dgate, xn2, xa[4], N);
        alinear_backward(&L[5], m->dxn, m->dup, xn2, xa[5], N);
        rmsnorm_backward(m->dx, m->frozen ? NULL : m->g.mlp_norm + (size_t)l * C, m->dxn, h, m->p.mlp_norm + (size_t)l * C,
                         m->rstd2 + o, N, C);
        /* h = x + o(attention(...)): d x = d h + the attention path, again in dx */
        vec_zero(m->datto, (size_t)N * Q);
        alinear_backward(&L[3], m->datto, m->dx, atto, xa[3], N);
        vec_zero(m->dqkv, (size_t)N * 3 * Q);
        attention_backward(m->dqkv, m->datt, m->datto, qkv, att, B, T, Q, H, 1);
        vec_zero(m->dq, (size_t)N * Q);
        vec_zero(m->dk, (size_t)N * K);
        vec_zero(m->dv, (size_t)N * K);
        gqa_unpack(m->dq, m->dk, m->dv, m->dqkv, N, H, KV, d);
        rope_apply(m->dq, m->cosv, m->sinv, NULL, B, T, H, d, 1);   /* the rotation's transpose */
        rope_apply(m->dk, m->cosv, m->sinv, NULL, B, T, KV, d, 1);
        vec_zero(m->dxn, NC);
        alinear_backward(&L[0], m->dxn, m->dq, xn1, xa[0], N);
        alinear_backward(&L[1], m->dxn, m->dk, xn1, xa[1], N);
        alinear_backward(&L[2], m->dxn, m->dv, xn1, xa[2], N);
        rmsnorm_backward(m->dx, m->frozen ? NULL : m->g.attn_norm + (size_t)l * C, m->dxn, x, m->p.attn_norm + (size_t)l * C,
                         m->rstd1 + o, N, C);
    }
    if (!m->frozen) embedding_backward(m->g.embed, m->dzero_pos, m->dx, m->tokens, NULL, B, T, C);
}
